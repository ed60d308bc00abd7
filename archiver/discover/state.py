"""Page-state JSON (__NEXT_DATA__, __NUXT_DATA__, Apollo state, JSON-LD, JSON in
attributes): walk it for embed-like post references only.

A post URL counts when its key or its object says "embed" (an iframe node, an
instagram component, an external-content block), or when it sits in an HTML string
that the detectors recognise. Objects describing another article (preloaded related
or infinite-scroll articles) are skipped when the page's canonical URL is known."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional
from urllib.parse import unquote, urlsplit

from . import jsonvalue
from .element import Element, ascii_lower
from .literals import Literals
from .urls import PLATFORM_HOST, UnsafeUrl, is_player_url, post_ref, ref_from_id, url_path

MAX_JSON = 12_000_000   # characters of one JSON blob we agree to parse
MAX_NODES = 300_000     # JSON values walked per blob

# (searched in lower-cased text: re.I makes an alternation several times slower)
_PLATFORM = re.compile(r"twitter|x\.com|instagr|facebook|youtu|vimeo|tiktok|t\.me|bsky|threads\.|reddit|redd\.it|/@")
# Case-sensitive on purpose (fast); hosts in URLs are lower-case.
HOSTISH_LITERALS = ("twitter.com", "x.com", "instagr", "facebook.com", "fb.watch", "youtu", "vimeo.com",
                    "tiktok.com", "t.me", "bsky", "threads.", "reddit.com", "redd.it", "/@")
HOSTISH = Literals(HOSTISH_LITERALS)
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
                     "article_url", "url", "uri", "link", "permalink", "path", "shareurl", "slug")
_TITLE_KEYS = frozenset(("headline", "title", "seotitle", "headlines"))
_ID_KEYS = {"youtubeid": "youtube", "youtube_id": "youtube", "data-youtube-id": "youtube", "youtubevideoid": "youtube",
            "ytid": "youtube", "tweetid": "x", "tweet_id": "x", "data-tweet-id": "x", "data-tweetid": "x",
            "instagramid": "instagram", "shortcode": "instagram", "vimeoid": "vimeo", "vimeo_id": "vimeo"}
# An object naming the site's accounts on several platforms (facebookId, twitterId, instagramId,
# youtubeId...) holds account names, not posts, under its id keys.
ACCOUNT_PLATFORMS = ("facebook", "twitter", "instagram", "youtube", "linkedin", "tiktok", "pinterest", "threads")
MIN_ACCOUNT_PLATFORMS = 3


def _accounts(keys: list) -> bool:
    named = 0
    for platform in ACCOUNT_PLATFORMS:
        if any(platform in key for key in keys):
            named += 1
            if named >= MIN_ACCOUNT_PLATFORMS:
                return True
    return False


# An Instagram post's shortcode, where a key says only "shortcode": eleven or so letters, digits,
# - and _, with a capital or a digit among them (a word in lower case is a CMS's shortcode).
_SHORTCODE = re.compile(r"(?=[\w-]*[A-Z0-9])[A-Za-z0-9_-]{10,14}")
_YOUTUBE_ID = re.compile(r"[\w-]{11}")
_MARKUP_HINT = re.compile(r"<\s*(?:iframe|blockquote|amp-|object|embed\b|lite-|div[^>]*(?:fb-post|fb-video|tweet|"
                          r"instagram)|script[^>]*(?:telegram|tiktok))", re.I)


# Something shaped like a post or player URL (escaped or not), or a platform's id key:
# share links and profile links do not pass, so most pages' state is never parsed.
# Every match of a pattern starts with its literal, so a pattern is tried only where its
# literal occurs.
_S = r"(?:\\?/|\\u002F|%2F)"
_POSTISH = [(literal, re.compile(pattern)) for literal, pattern in (
    ("status", r"status(?:es)?" + _S + r"\d{6}"),
    ("instagram", r"instagram\.com" + _S + r"(?:[\w.]+" + _S + r")?(?:p|reel|tv)" + _S),
    ("youtu", r"youtu(?:be(?:-nocookie)?\.com" + _S + r"(?:embed|watch|v|shorts)|\.be" + _S
     + r"|be_?Id[\"']|be_id[\"'])"),
    ("vimeo.com", r"vimeo\.com" + _S + r"(?:video" + _S + r")?\d"),
    ("facebook.com", r"facebook\.com[^\s\"]{0,80}?(?:posts|videos|plugins|permalink|story)"),
    ("tiktok.com", r"tiktok\.com" + _S),
    ("t.me", r"t\.me" + _S + r"\w+" + _S + r"\d"),
    ("bsky", r"bsky\.app|(?<=app\.)bsky"),
    ("threads.", r"threads\.(?:net|com)" + _S + "@"),
    ("redd", r"redd(?:it\.com" + _S + "r" + _S + r"|\.it" + _S + ")"),
    ("/@", r"/@\w+/\d{6}"),
    ("tweet", r"tweet(?:_?Id|_id)[\"']"),
    ("video", r"video_?Id[\"']"),
    ("shortcode", r"shortcode[\"']"),
)]


MAX_LITERAL_TRIES = 64  # occurrences of one literal tried in turn; then one search of the rest
# The gate reads a text's UTF-8 bytes (faster), where \w and \d are ASCII, as a post URL's and key's are.
_BYTE_PATTERNS = [re.compile(pattern.pattern.encode()) for _, pattern in _POSTISH]


def mentions_post(text: str) -> bool:
    """Whether a script or JSON text holds something shaped like a post."""
    data = text.encode("utf-8", "surrogatepass")
    tries = [0] * len(_POSTISH)
    active = tuple(range(len(_POSTISH)))  # literals whose occurrences are still tried one by one
    start = 0
    while active:
        for i, at in _gate(active).hits(data, start):
            k = active[i]
            pattern = _BYTE_PATTERNS[k]
            tries[k] += 1
            if tries[k] <= MAX_LITERAL_TRIES:
                if pattern.match(data, at):
                    return True
                continue
            if pattern.search(data, at):
                return True
            active = tuple(j for j in active if j != k)  # (its rest was just searched at once)
            start = at
            break
        else:
            return False
    return False


@lru_cache(maxsize=64)
def _gate(active: tuple) -> Literals:
    return Literals(_POSTISH[k][0] for k in active)


def scan_json_text(scan, el, text: str, *, source: str, embed_context: bool = False,
                   platform: Optional[str] = None) -> bool:
    """Parse a JSON blob and walk it; False (and a problem noted) when it is not JSON.
    platform: what the element holding the JSON is about (a YouTube player component's
    props), which makes an id under a generic key (assetId, videoId) that platform's."""
    if len(text) > MAX_JSON:
        scan.problem(f"state JSON in {source} larger than {MAX_JSON} characters; not parsed")
        return False
    try:
        data = jsonvalue.loads(text)
    except (ValueError, RecursionError):
        scan.problem(f"state in {source} is not valid JSON")
        return False
    walk(scan, el, data, source=source, embed_context=embed_context, platform=platform)
    return True


def _article_path(path: str) -> bool:
    """Whether a URL path can be an article's: in a section (/world/story), or a slug of
    words ("/epstein-files-photos-released-live-updates-11243870"), not the home page."""
    return path.count("/") >= 2 or (len(path) > 24 and path.count("-") >= 3)


def _other_article(obj: dict, keys: list, page_path: Optional[str]) -> bool:
    """An object with a title and its own article URL that is not this page (keys: its
    keys lower-cased)."""
    if page_path is None or _TITLE_KEYS.isdisjoint(keys):
        return False
    path = _article_path_of(obj)
    return path is not None and path != page_path and not page_path.endswith(path) and not path.endswith(page_path)


def _article_path_of(obj: dict) -> Optional[str]:
    """The path of the first article URL or slug an object names (a post's own URL is not one)."""
    for key, value in obj.items():
        if key.lower() in _ARTICLE_URL_KEYS and isinstance(value, str) and 8 < len(value) < 600:
            if _PLATFORM.search(ascii_lower(value)) and _platform_url(value):
                continue  # the post's own URL, not an article's (a path may just say "facebooks-oculus")
            path = url_path(value)
            if path and _article_path(path):
                return path
    return None


LISTING_ITEMS = 3  # articles in a row that make a listing


def _listing(items: list) -> bool:
    """Whether a list starts with LISTING_ITEMS objects that each have a title and an article
    URL or slug of their own (or hold one such object, as a CMS's entry holds its fields): a
    home page's, section's or search's list of articles."""
    if len(items) < LISTING_ITEMS:
        return False
    for item in items[:LISTING_ITEMS]:
        if type(item) is not dict:
            return False
        if not (_titled_article(item) or any(type(v) is dict and _titled_article(v) for v in item.values())):
            return False
    return True


def _titled_article(obj: dict) -> bool:
    return not _TITLE_KEYS.isdisjoint(key.lower() for key in obj) and _article_path_of(obj) is not None


def _platform_url(value: str) -> bool:
    """Whether a URL is on a platform's host (or, without a host, could be)."""
    try:
        host = urlsplit(value.strip()).hostname if "//" in value else None
    except ValueError:
        return True
    return host is None or PLATFORM_HOST.search(host) is not None


def _embedish(obj: dict, keys: list) -> bool:
    if _TYPE_KEYS.isdisjoint(keys):
        return False
    for key, value in obj.items():
        if isinstance(value, str) and len(value) < 80 and key.lower() in _TYPE_KEYS and _EMBED_WORDS.search(value):
            return True
    return False


_CONTEXT_ID_KEYS = frozenset({"videoid", "video_id", "data-video-id"})  # ids only inside an embed object
# Generic keys of an id in the props of a component that names its platform.
_PROP_ID_KEYS = _CONTEXT_ID_KEYS | frozenset({"assetid", "asset_id", "mediaid", "media_id", "embedid",
                                              "embed_id", "postid", "post_id", "statusid", "contentid"})
# Members that hold the site's configuration or its chrome, never the article's embeds
# (a disabled widget's player URL in the remote config).
SITE_KEYS = frozenset({"config", "configs", "configuration", "remoteconfig", "siteconfig", "appconfig",
                       "globalconfig", "settings", "sitesettings", "appsettings", "globalsettings", "sidebar",
                       "footer", "menu", "menus", "navigation", "ads", "advertising"})


def site_key(lkey: str) -> bool:
    """Whether a (lower-cased) key or variable name names site configuration or chrome."""
    return lkey in SITE_KEYS


def walk(scan, el, data, *, source: str, embed_context: bool = False, platform: Optional[str] = None) -> None:
    """Walk decoded state for post references."""
    _StateWalk(scan, el, data, source, platform).walk(data, "", embed_context)


class _StateWalk:
    """One walk over a decoded JSON value; finds are numbered in the order they are met."""

    def __init__(self, scan, el, data, source: str, platform: Optional[str] = None):
        self.scan, self.el, self.data, self.source, self.platform = scan, el, data, source, platform
        self.context_ids = _PROP_ID_KEYS if platform else _CONTEXT_ID_KEYS
        self.page_path = url_path(scan.canonical)
        self.nuxt = isinstance(data, list) and "nuxt" in source.lower()
        self.seen: set = set()  # (Nuxt) indexes of objects already reached by reference
        self.budget = MAX_NODES
        self.sub = 0

    def _resolved(self, obj: dict) -> dict:
        """A Nuxt payload object with its values looked up: strings and scalars by index, and
        an object or array the first time it is referred to (so that it is walked under its
        key and its parent's embed context; the top array holds it too)."""
        data, seen = self.data, self.seen
        out = {}
        for k, v in obj.items():
            if type(v) is int and 0 <= v < len(data):
                target = data[v]
                if type(target) in (dict, list):
                    if v in seen:
                        continue
                    seen.add(v)
                elif type(target) is not str:
                    target = v
                v = target
            out[k] = v
        return out

    def walk(self, value, key, context: bool) -> None:
        """Every value under this one, depth first, in document order."""
        scan, data, source, page_path = self.scan, self.data, self.source, self.page_path
        names_host = HOSTISH.any_in
        nuxt, budget, sub, context_ids = self.nuxt, self.budget, self.sub, self.context_ids
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
                    if nuxt:  # Nuxt's devalue format: object values are indexes into the top array
                        value = self._resolved(value)
                    keys = list(map(str.lower, value))
                    if page_path is not None and _other_article(value, keys, page_path):
                        continue
                    inner = context or _embedish(value, keys)
                    if not _ID_KEYS.keys().isdisjoint(keys) and _accounts(keys):
                        value = {k: v for k, v in value.items() if k.lower() not in _ID_KEYS}
                    if not SITE_KEYS.isdisjoint(keys):
                        extend([(v, k, inner) for k, v in reversed(value.items()) if k.lower() not in SITE_KEYS])
                    else:
                        extend([(v, k, inner) for k, v in reversed(value.items())])
                elif kind is list:
                    if nuxt and value is not data:
                        value = list(self._resolved(dict(enumerate(value))).values())
                    if page_path is None and _listing(value):
                        continue  # other articles, listed: the page's own URL is not known to tell them apart
                    extend([(v, key, context) for v in reversed(value)])
                elif kind is str and len(value) > 4:
                    markup = "<" in value and _MARKUP_HINT.search(value) is not None
                    lkey = ""
                    if not markup and not names_host(value):
                        lkey = key.lower() if type(key) is str else ""
                        if lkey not in _ID_KEYS and not (context and lkey in context_ids):
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
        if not markup and ("%3C" in value or "%3c" in value):
            decoded = unquote(value)  # markup kept percent-encoded (a social block's description)
            markup = _MARKUP_HINT.search(decoded) is not None
            value = decoded if markup else value
        if markup:
            scan.payload(child, value, blocked_by="state-json", recovered_from=source)
            return None
        if lkey in _ID_KEYS or (context and lkey in self.context_ids):
            if lkey == "shortcode" and not _SHORTCODE.fullmatch(value):
                return None  # a CMS's shortcode ("pullquote"), not an Instagram post's
            platform = _ID_KEYS.get(lkey) or self.platform or (
                "youtube" if _YOUTUBE_ID.fullmatch(value) else None)
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
        # (a player URL is made to be embedded: in an embed's object any key, or none, will do)
        if not (_STRONG_KEY.search(lkey) or (context and (lkey in _WEAK_KEYS or is_player_url(value)))):
            return None
        try:
            ref = post_ref(value, unwrap=True)
        except UnsafeUrl:
            scan.problem(f"script URL in {source} ignored")
            return None
        if ref:
            scan.found(child, ref, blocked_by="state-json", recovered_from=source, html=value)
        return None
