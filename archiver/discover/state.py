"""Page-state JSON (__NEXT_DATA__, __NUXT_DATA__, Apollo state, JSON-LD, JSON in
attributes): walk it for embed-like post references only.

A post URL counts when its key or its object says "embed" (an iframe node, an
instagram component, an external-content block), or when it sits in an HTML string
that the detectors recognise. Objects describing another article (preloaded related
or infinite-scroll articles) are skipped when the page's canonical URL is known."""
from __future__ import annotations

import re
from typing import Optional
from urllib.parse import urlsplit

from . import jsonvalue
from .element import Element, ascii_lower
from .urls import UnsafeUrl, post_ref, ref_from_id

MAX_JSON = 12_000_000   # characters of one JSON blob we agree to parse
MAX_NODES = 300_000     # JSON values walked per blob

# (searched in lower-cased text: re.I makes an alternation several times slower)
_PLATFORM = re.compile(r"twitter|x\.com|instagr|facebook|youtu|vimeo|tiktok|t\.me|bsky|threads\.|reddit|redd\.it|/@")
# Case-sensitive on purpose (fast); hosts in URLs are lower-case.
HOSTISH_LITERALS = ("twitter.com", "x.com", "instagr", "facebook.com", "fb.watch", "youtu", "vimeo.com",
                    "tiktok.com", "t.me", "bsky", "threads.", "reddit.com", "redd.it", "/@")
HOSTISH = re.compile("|".join(map(re.escape, HOSTISH_LITERALS)))  # (scan.names_host() is the fast form)
_EMBED_WORDS = re.compile(r"embed|external|oembed|social|tweet|twitter|instagram|youtube|vimeo|tiktok|facebook|"
                          r"iframe|video|telegram|bluesky|reddit|threads|mastodon|player", re.I)
_STRONG_KEY = re.compile(r"embed|iframe|tweet|twitter|instagram|youtube|vimeo|tiktok|oembed|social|telegram|bluesky|"
                         r"reddit|threads|mastodon", re.I)
_WEAK_KEYS = frozenset({"src", "url", "href", "uri", "link", "dataurl", "permalink", "value", "source", "videourl",
                        "video_url", "contenturl", "content_url", "embedurl"})
_TYPE_KEYS = frozenset(("type", "@type", "_type", "__typename", "is", "subtype", "kind", "component",
                        "componentname", "provider", "provider_name", "providername", "blocktype", "block_type",
                        "tagname", "tag", "element", "template", "name", "_modelapikey", "__component", "widget",
                        "embedtype", "class"))
_ARTICLE_URL_KEYS = ("urlalias", "canonicalurl", "canonical_url", "canonical", "weburl", "articleurl",
                     "article_url", "url", "link", "permalink", "path", "shareurl")
_TITLE_KEYS = frozenset(("headline", "title", "seotitle", "headlines"))
_ID_KEYS = {"youtubeid": "youtube", "youtube_id": "youtube", "data-youtube-id": "youtube", "youtubevideoid": "youtube",
            "ytid": "youtube", "tweetid": "x", "tweet_id": "x", "data-tweet-id": "x", "data-tweetid": "x",
            "instagramid": "instagram", "shortcode": "instagram", "vimeoid": "vimeo", "vimeo_id": "vimeo"}
_MARKUP_HINT = re.compile(r"<\s*(?:iframe|blockquote|amp-|object|embed\b|lite-|div[^>]*(?:fb-post|fb-video|tweet|"
                          r"instagram)|script[^>]*(?:telegram|tiktok))", re.I)


# Something shaped like a post or player URL (escaped or not), or a platform's id key:
# share links and profile links do not pass, so most pages' state is never parsed.
# Every match of a pattern starts with one of its literals, so a pattern is tried only
# where one occurs; the literals are also what the C prefilter looks for in scripts.
# There it counts an occurrence only if one of the pattern's follows comes right after it
# (what every match has there, or a looser form of it): SLASH stands for each of _S's
# forms, QUOTE for either quote, WORD for a word character (any non-ASCII byte may be
# one); no follows, anything. So `xhr.status == 200` or `t.method` does not count.
_S = r"(?:\\?/|\\u002F|%2F)"
SLASH, QUOTE, WORD = "\x01", "\x02", "\x03"
SLASH_FORMS = ("/", "\\/", "\\u002F", "%2F")
_POSTISH = [(literals, re.compile(pattern), follows) for literals, pattern, follows in (
    (("status",), r"status(?:es)?" + _S + r"\d{6}", (SLASH, "es" + SLASH)),
    (("instagram",), r"instagram\.com" + _S + r"(?:[\w.]+" + _S + r")?(?:p|reel|tv)" + _S, (".com" + SLASH,)),
    (("youtube",), r"youtube(?:-nocookie)?\.com" + _S + r"(?:embed|watch|v|shorts)",
     (".com" + SLASH, "-nocookie.com" + SLASH)),
    (("youtu.be",), r"youtu\.be" + _S, (SLASH,)),
    (("vimeo.com",), r"vimeo\.com" + _S + r"(?:video" + _S + r")?\d", (SLASH,)),
    (("facebook.com",), r"facebook\.com[^\s\"]{0,80}?(?:posts|videos|plugins|permalink|story)", ()),
    (("tiktok.com",), r"tiktok\.com" + _S, (SLASH,)),
    (("t.me",), r"t\.me" + _S + r"\w+" + _S + r"\d", (SLASH + WORD,)),
    (("bsky.app",), r"bsky\.app", ()),
    (("app.bsky",), r"app\.bsky", ()),
    (("threads.",), r"threads\.(?:net|com)" + _S + "@", ("net" + SLASH + "@", "com" + SLASH + "@")),
    (("reddit.com",), r"reddit\.com" + _S + "r" + _S, (SLASH + "r" + SLASH,)),
    (("redd.it",), r"redd\.it" + _S, (SLASH,)),
    (("/@",), r"/@\w+/\d{6}", (WORD,)),
    (("tweetId", "tweet_Id", "youtubeId", "youtube_Id", "videoId", "video_Id"), r"(?:tweet|youtube|video)_?Id[\"']",
     (QUOTE,)),
    (("tweet_id", "youtube_id"), r"(?:tweet|youtube)_id[\"']", (QUOTE,)),
    (("shortcode",), r"shortcode[\"']", (QUOTE,)),
)]
POST_LITERALS = tuple(literal for literals, _, _ in _POSTISH for literal in literals)
POST_FOLLOWS = tuple(follows for literals, _, follows in _POSTISH for _ in literals)


MAX_LITERAL_TRIES = 64  # occurrences of one literal tried in turn; then one search of the rest


def mentions_post(text: str, present: Optional[frozenset] = None) -> bool:
    """Whether a script or JSON text holds something shaped like a post. `present`, when
    known, is the set of POST_LITERALS the text contains (the others are not searched)."""
    for literals, pattern, _ in _POSTISH:
        for literal in literals:
            if present is not None and literal not in present:
                continue
            pos = text.find(literal)  # (str.find outruns the regex engine's own scan)
            tries = 0
            while pos >= 0:
                if tries == MAX_LITERAL_TRIES:
                    if pattern.search(text, pos):
                        return True
                    break
                if pattern.match(text, pos):
                    return True
                pos = text.find(literal, pos + 1)
                tries += 1
    return False


def scan_json_text(scan, el, text: str, *, source: str, embed_context: bool = False) -> bool:
    """Parse a JSON blob and walk it; False (and a problem noted) when it is not JSON."""
    if len(text) > MAX_JSON:
        scan.problem(f"state JSON in {source} larger than {MAX_JSON} characters; not parsed")
        return False
    try:
        data = jsonvalue.loads(text)
    except (ValueError, RecursionError):
        scan.problem(f"state in {source} is not valid JSON")
        return False
    walk(scan, el, data, source=source, embed_context=embed_context, text=text)
    return True


def _canonical_path(url: Optional[str]) -> Optional[str]:
    if not url:
        return None
    try:
        path = urlsplit(url if "//" in url else "https://x.invalid/" + url.lstrip("/")).path
    except ValueError:
        return None
    path = path.rstrip("/")
    return path if len(path) > 1 else None


def _other_article(obj: dict, keys: list, page_path: Optional[str]) -> bool:
    """An object with a title and its own article URL that is not this page (keys: its
    keys lower-cased)."""
    if page_path is None or _TITLE_KEYS.isdisjoint(keys):
        return False
    for key, value in obj.items():
        if key.lower() in _ARTICLE_URL_KEYS and isinstance(value, str) and 8 < len(value) < 600:
            if _PLATFORM.search(ascii_lower(value)):
                continue
            path = _canonical_path(value)
            if path and path.count("/") >= 2:
                return path != page_path and not page_path.endswith(path) and not path.endswith(page_path)
    return False


def _embedish(obj: dict, keys: list) -> bool:
    if _TYPE_KEYS.isdisjoint(keys):
        return False
    for key, value in obj.items():
        if isinstance(value, str) and len(value) < 80 and key.lower() in _TYPE_KEYS and _EMBED_WORDS.search(value):
            return True
    return False


_CONTEXT_ID_KEYS = frozenset({"videoid", "video_id", "data-video-id"})  # ids only inside an embed object
# What the raw JSON text of a member must contain for the walk to act on anything in it: a
# platform host, markup, or an id key (any case).
# Any \u escape of an ASCII character counts too (it may spell a host, a key or "<").
RAW_JSON_LITERALS = HOSTISH_LITERALS + ("<", "\\u002", "\\u003", "\\u004", "\\u005", "\\u006", "\\u007")
RAW_JSON_KEYS = tuple(sorted(set(_ID_KEYS) | _CONTEXT_ID_KEYS))


PRUNE_MIN = 300  # bytes of a JSON object or array below which it is walked whole
MAX_PRUNE_DEPTH = 12


def walk(scan, el, data, *, source: str, embed_context: bool = False, text: Optional[str] = None,
         start: int = 0) -> None:
    """Walk decoded state for post references. With the JSON `text` it was decoded from (the
    value starting at character `start`), members whose raw text names no platform are
    skipped without being walked."""
    _StateWalk(scan, el, data, source).walk(data, embed_context, text, start)


class _StateWalk:
    """One walk over a decoded JSON value; finds are numbered in the order they are met."""

    def __init__(self, scan, el, data, source: str):
        self.scan, self.el, self.data, self.source = scan, el, data, source
        self.page_path = _canonical_path(scan.canonical)
        self.nuxt = isinstance(data, list) and "nuxt" in source.lower()
        self.budget = MAX_NODES
        self.sub = 0

    def walk(self, data, context: bool, text: Optional[str], start: int) -> None:
        if text is not None and not self.nuxt and type(data) in (dict, list) and len(text) - start > PRUNE_MIN:
            from . import prefilter  # (it imports this module)

            self._pruned(data, prefilter.json_index(text, start), "", context)
        else:
            self._all(data, "", context)

    def _pruned(self, value, index, key, context: bool) -> None:
        """Only the members of this object or array whose raw text could name a post, as the
        C scanner's index lists them (its literals are those _all() needs before it looks
        at a string); a member with an index of its own is pruned in turn."""
        lkey = key.lower() if type(key) is str else ""
        if type(value) is list and (lkey in _ID_KEYS or (context and lkey in _CONTEXT_ID_KEYS)):
            return self._all(value, key, context)  # its items are ids named by the list's own key
        if index is None or index[0] != len(value) or self.budget <= 0:
            return self._all(value, key, context)  # no C scanner, not followed, or repeated keys: walk it all
        hot = index[1]
        if type(value) is dict:
            keys = list(map(str.lower, value))
            if self.page_path is not None and _other_article(value, keys, self.page_path):
                return
            context = context or _embedish(value, keys)
            items = list(value.items())
            pairs = [(items[ordinal], inner) for ordinal, _, _, inner in hot]
        else:
            pairs = [((key, value[ordinal]), inner) for ordinal, _, _, inner in hot]
        for (name, member), inner in pairs:
            if inner is not None and type(member) in (dict, list):
                self._pruned(member, inner, name, context)
            else:
                self._all(member, name, context)

    def _all(self, value, key, context: bool) -> None:
        """Every value under this one, depth first, in document order."""
        scan, data, source, page_path = self.scan, self.data, self.source, self.page_path
        names_host = scan.names_host
        nuxt, budget, sub = self.nuxt, self.budget, self.sub
        stack = [(value, key, context)]
        pop, extend = stack.pop, stack.extend
        try:
            while stack:
                value, key, context = pop()
                budget -= 1
                if budget <= 0:
                    if budget == 0:
                        scan.problem(f"state JSON in {source} too large to walk completely")
                    return
                kind = type(value)
                if kind is dict:
                    keys = list(map(str.lower, value))
                    if page_path is not None and _other_article(value, keys, page_path):
                        continue
                    inner = context or _embedish(value, keys)
                    if nuxt:  # Nuxt's devalue format: object values are indexes into the top array
                        extend([(data[v] if isinstance(v, int) and 0 <= v < len(data) and isinstance(data[v], str)
                                 else v, k, inner) for k, v in reversed(value.items())])
                    else:
                        extend([(v, k, inner) for k, v in reversed(value.items())])
                elif kind is list:
                    extend([(v, key, context) for v in reversed(value)])
                elif kind is str and len(value) > 4:
                    markup = "<" in value and _MARKUP_HINT.search(value) is not None
                    lkey = ""
                    if not markup and not names_host(value):
                        lkey = key.lower() if type(key) is str else ""
                        if lkey not in _ID_KEYS and not (context and lkey in _CONTEXT_ID_KEYS):
                            continue  # the common case: a string naming no platform
                    elif type(key) is str:
                        lkey = key.lower()
                    sub += 1
                    nested = self._string(value, lkey, markup, context, sub)
                    if nested is not None:
                        stack.append((nested, key, context))
        finally:
            self.budget, self.sub = budget, sub

    def _string(self, value: str, lkey: str, markup: bool, context: bool, sub: int):
        """A string that names a platform, holds markup or sits under an id key: report what
        it holds. Returns decoded JSON when the string is itself JSON, to walk in turn."""
        scan, el, source = self.scan, self.el, self.source
        child = Element(el.node, el.tag, el.attrs, el.order + (sub,), el.origin)
        if markup:
            scan.payload(child, value, blocked_by="state-json", recovered_from=source)
            return None
        if lkey in _ID_KEYS or (context and lkey in _CONTEXT_ID_KEYS):
            platform = _ID_KEYS.get(lkey) or ("youtube" if re.fullmatch(r"[\w-]{11}", value) else None)
            ref = ref_from_id(platform, value) if platform else None
            if ref:
                scan.found(child, ref, blocked_by="state-json", recovered_from=source, html=value)
            return None
        if len(value) > 2000:
            return None
        if value.lstrip()[:1] in "{[":
            try:
                return jsonvalue.loads(value)
            except (ValueError, RecursionError):
                return None
        if not (_STRONG_KEY.search(lkey) or (context and lkey in _WEAK_KEYS)):
            return None
        try:
            ref = post_ref(value, unwrap=True)
        except UnsafeUrl:
            scan.problem(f"script URL in {source} ignored")
            return None
        if ref:
            scan.found(child, ref, blocked_by="state-json", recovered_from=source, html=value)
        return None
