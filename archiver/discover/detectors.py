"""Per-element detectors: standard embed markup of each platform, URLs and ids kept in
attributes, and the containers (blockquote cards) whose link names the post.

inspect(el, scan) is called once per element in document order; it reports finds
with scan.found(...) and hands payloads (escaped HTML, templates) to scan.payload(...).
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import unquote

from .element import Element, ancestors, ascii_lower, class_and_id
from .literals import Literals

from . import consent, jsonvalue, scripts, state
from .text import parse_fallback
from .urls import UnsafeUrl, is_player_url, is_script_url, post_ref, proxied_ref, ref_from_id

# Attributes that never hold an embed reference (cheap to skip before any regex).
SKIP_ATTRS = frozenset({
    "class", "id", "style", "alt", "title", "width", "height", "rel", "target", "type", "lang", "dir", "role", "name",
    "frameborder", "scrolling", "allow", "allowfullscreen", "loading", "sizes", "srcset", "data-srcset", "charset",
    "async", "defer", "tabindex", "align", "border", "sandbox", "referrerpolicy", "itemprop", "itemscope", "itemtype",
    "for", "method", "action", "placeholder", "aria-label", "aria-hidden", "content",
    "property", "media", "crossorigin", "integrity", "nonce", "datetime", "colspan", "rowspan",
    # SVG geometry and presentation (path data is a large share of a page's attributes)
    "d", "points", "viewBox", "xmlns", "xmlns:xlink", "fill", "stroke", "transform", "fill-rule", "clip-rule",
    "stroke-width", "preserveAspectRatio", "version", "focusable",
})
# A value is worth a closer look only if it names a platform or carries markup.
HINT_LITERALS = ("twitter", "x.com", "instagr", "facebook", "fb.watch", "youtu", "ytimg", "vimeo", "tiktok", "t.me/",
                 "telegram", "bsky", "threads.", "reddit", "redd.it", "/@", "%2F", "<", "Twitter", "Instagram",
                 "YouTube", "Facebook", "Vimeo", "TikTok")


_HINTS = Literals(HINT_LITERALS)
names_hint = _HINTS.any_in  # whether a value holds one of HINT_LITERALS


_EMBED_MARKUP = re.compile(r"<\s*(?:iframe|blockquote|amp-|object|embed|lite-|video|script[^>]*(?:telegram|tiktok))"
                           r"|class=[\"'][^\"']*(?:fb-post|fb-video|twitter-tweet|instagram-media)", re.I)

FRAME_TAGS = frozenset({"iframe", "embed", "object", "param", "video", "source", "frame", "amp-iframe"})
SRC_ATTRS = frozenset({"src", "data", "value", "movie", "href", "cite"})
# Lazy loaders keep the real src here until the element scrolls into view or is clicked.
LAZY_ATTRS = frozenset({"data-src", "data-lazy-src", "data-artsrc", "data-original", "data-lazy", "data-ll-src",
                        "data-iframe-src", "data-embed-src", "data-video-src", "data-url-src", "data-rocket-src",
                        "data-litespeed-src", "lazy-src", "data-defer-src", "data-deferred-src", "data-frame-src"})
# Attributes that standard embed markup itself uses: a find there is plainly visible.
STANDARD_ATTRS = frozenset({"data-instgrm-permalink", "data-bluesky-uri", "data-telegram-post",
                            "data-text-post-permalink", "data-tweet-id", "data-embed-url"})
# Attributes whose name says which platform's id they hold.
NAMED_ID_ATTRS = {
    "data-tweetid": "x", "data-tweet-id": "x", "tweetid": "x", "data-tweet": "x", "data-status-id": "x",
    "data-youtube-id": "youtube", "data-youtubeid": "youtube", "data-yt-id": "youtube", "data-ytid": "youtube",
    "youtubeid": "youtube", "data-youtube": "youtube", "data-youtube-video-id": "youtube",
    "data-instagram-id": "instagram", "data-instagram-shortcode": "instagram",
    "data-vimeo-id": "vimeo", "data-vimeoid": "vimeo", "data-tiktok-id": "tiktok",
}
# Other attributes named for a post's id: a platform's word and "id" (data-twitter-status-id,
# data-yt-video-id), but not an account's, channel's or list's.
_PLATFORM_ID_NAME = re.compile(r"(?:^|[-_:])(tweet|twitter|youtube|yt|instagram|insta|vimeo|tiktok)(?:[-_]?(?:status|"
                               r"post|video|media|embed))?[-_]?id$")
_NOT_POST_ID_NAME = re.compile(r"user|account|channel|profile|author|playlist|list|widget|handle|page|(?:^|[-_])ads?(?:[-_]|$)")
# Any other data-*id attribute holds a post's id when the element names its platform (in its
# tag, class or provider attribute) and the value has a shape only a post id has: a tweet's
# or TikTok's snowflake (15 digits or more), a YouTube video id with a letter in it. (A
# site's own ids are shorter numbers; an Instagram shortcode has no shape of its own.)
_ID_SHAPED = re.compile(r"^(?:\d{15,25}|(?=[\w-]*[A-Za-z])[A-Za-z0-9_-]{11})$")
_SHAPED_PLATFORMS = {"x": re.compile(r"^\d{15,25}$"), "tiktok": re.compile(r"^\d{15,25}$"),
                     "youtube": re.compile(r"^(?=[\w-]*[A-Za-z])[A-Za-z0-9_-]{11}$")}
_ID_NAME_PLATFORMS = {"tweet": "x", "twitter": "x", "youtube": "youtube", "yt": "youtube", "instagram": "instagram",
                      "insta": "instagram", "vimeo": "vimeo", "tiktok": "tiktok"}
# Generic id attributes: the platform comes from the element's tag, class or provider attribute.
GENERIC_ID_ATTRS = frozenset({"videoid", "video-id", "data-videoid", "data-video-id", "data-id", "data-code",
                              "data-shortcode", "data-embed-id", "data-media-id", "data-video", "postid",
                              "data-post-id", "data-videoid-youtube", "status"})  # (<embetty-tweet status=...>)
PROVIDER_ATTRS = frozenset({"data-provider", "type", "data-type", "data-platform", "data-service", "data-source",
                            "data-vendor", "provider", "data-sp_api", "data-embed-type", "data-plugin", "data-network"})
# (and any attribute named for a provider: data-plyr-provider, data-video-provider)
# AMP components whose id attribute has a name of no platform's.
AMP_ID_ATTRS = {("amp-instagram", "data-shortcode"): "instagram", ("amp-tiktok", "data-src"): "tiktok"}
PLATFORM_WORDS = (("youtube", "youtube"), ("youtu", "youtube"), (" yt-", "youtube"), ("-yt ", "youtube"),
                   ("_yt", "youtube"), ("yt_", "youtube"), ("vimeo", "vimeo"), ("tiktok", "tiktok"),
                   ("instagram", "instagram"), ("instgrm", "instagram"), ("tweet", "x"), ("twitter", "x"))
# Buttons and widgets that carry a post URL without embedding the post: classes with one of
# these words, or "feed" not right after a letter (searched in Element.classes, which is
# lower-cased: no re.I, which makes the search several times slower).
NOT_EMBED_WORDS = ("share", "follow", "likeb", "like-b", "fb-like", "fb-comments", "comment", "intent", "button",
                   "btn", "hashtag", "mention", "timeline", "widget", "sbi_", "icon", "logo", "count", "subscribe",
                   "profile", "save")
NOT_EMBED_WORDS_ALONE = ("feed",)
_NOT_EMBED = re.compile("|".join(map(re.escape, NOT_EMBED_WORDS))
                        + "|(?<![a-z])(?:" + "|".join(map(re.escape, NOT_EMBED_WORDS_ALONE)) + ")")
# An attribute named for one post's id (data-tweet-id) is refused only on a button: a
# "widget" or "feed" class there is a site's own embed box (widget--type-tweet); a feed of
# posts in a sidebar is the site's chrome (see chrome.py).
_BUTTON = re.compile("|".join(map(re.escape, [w for w in NOT_EMBED_WORDS if w not in ("timeline", "widget", "sbi_")]))
                     + "|(?<![a-z])(?:" + "|".join(map(re.escape, NOT_EMBED_WORDS_ALONE)) + ")")
# A YouTube video's thumbnail (its id is in the path), as a click-to-play facade shows it.
_YOUTUBE_THUMBNAIL = re.compile(r"(?:i\d?\.ytimg\.com|img\.youtube\.com)/vi(?:_webp)?/([\w-]{11})/")
# A facade's play button: a button, or a box whose class or label says play, among the first
# elements of the facade (a facade is small; a page nesting thousands of them is not searched whole).
PLAY_BUTTON_LOOKS = 40
FACADE_LINK_LEVELS = 4  # ancestors looked at for a link around a thumbnail
# A facade's box says it is a player (in its lower-cased class and id); one that opens a dialog
# plays the video elsewhere, as a lightbox link does.
_FACADE_WORDS = re.compile(r"youtube|(?<![a-z])yt(?![a-z])|lyte|video|player|embed")
_DIALOG_OPENER = re.compile(r"modal|lightbox|popup|fancybox")
# Embed services' cards: a link their script turns into the post's player (Embedly's class,
# Iframely's attribute holding its proxy URL).
SERVICE_CARD_CLASS = "embedly-card"
SERVICE_CARD_ATTR = "data-iframely-url"
# Event handlers: only markup they hold counts (a click-to-play gate writes its player in).
HANDLER_ATTRS = frozenset({"onclick", "onload", "onerror", "onmouseover", "onfocus", "ontouchstart"})
# Attributes that name the component an element is (its props then describe the embed).
COMPONENT_ATTRS = ("name", "data-component", "data-react-class", "data-module", "is", "data-widget")
# A card's class must name the platform of the one post it links (a class saying only
# "embed" also fits a whole article box that happens to link a tweet).
_NOT_EMBED_ATTR = re.compile(r"share|like|follow|intent|comment|author|profile|avatar|image|img|thumb|poster")
CARD_WORDS = ("tweet", "twitter", "instagram", "instgrm", "tiktok", "bluesky", "threads", "reddit", "mastodon",
              "facebook", "fb-post")

_CARD_PLATFORMS = (("tweet", "x"), ("twitter", "x"), ("instagram", "instagram"), ("instgrm", "instagram"),
                   ("tiktok", "tiktok"), ("bluesky", "bluesky"), ("threads", "threads"), ("reddit", "reddit"),
                   ("mastodon", "mastodon"), ("facebook", "facebook"), ("fb-post", "facebook"))
MAX_CARD_TEXT = 4000
# A gallery's slide linking a post shows a picture of it, not the post.
GALLERY_WORDS = ("gallery", "carousel", "slide", "swiper", "slick")
_GALLERY = re.compile(r"(?<![a-z])(?:" + "|".join(GALLERY_WORDS) + ")")
# Ancestors that make a post list a feed, sidebar or gallery (a class or id with one of these
# words, not right after a letter, which keeps "buzzfeed" out), and how far up they are
# looked for; and how far up a <noscript> makes a find a copy for readers without JavaScript.
WIDGET_WORDS = ("timeline", "widget", "sidebar", "feed", "sbi", "footer", "related", "recommend") + GALLERY_WORDS
_WIDGET_ANCESTOR = re.compile(r"(?<![a-z])(?:" + "|".join(map(re.escape, WIDGET_WORDS)) + ")")  # (in lower-cased class and id)
WIDGET_LEVELS = 10
NOSCRIPT_LEVELS = 12
BLOCKQUOTE_EMBEDS = {
    "twitter-tweet": "x", "twitter-video": "x", "instagram-media": "instagram", "tiktok-embed": "tiktok",
    "bluesky-embed": "bluesky", "mastodon-embed": "mastodon", "text-post-media": "threads",
    "reddit-embed-bq": "reddit", "reddit-card": "reddit",
}


SCRIPT_PLAIN_ATTRS = frozenset({"src", "type", "id", "async", "defer"})
CONTAINERS = frozenset({"template", "textarea", "style", "noembed", "xmp"})
FRAMES = frozenset({"iframe", "embed", "object", "param", "video", "source", "frame"})
META_TAGS = frozenset({"meta", "link", "title", "html", "time"})
CARD_TAGS = frozenset({"div", "figure", "section", "article"})
ID_NAMES = frozenset(NAMED_ID_ATTRS) | GENERIC_ID_ATTRS | frozenset(consent.PAYLOAD_ATTRS)
# Elements no embed or placeholder is ever made of: text formatting, line breaks, headings,
# table cells, form fields and SVG drawing (an icon's <use href="#twitter"> names no post);
# their attributes are not read. (A button is read: a two-click gate may keep the id there.)
_INERT = frozenset({"br", "hr", "wbr", "b", "i", "em", "strong", "u", "s", "small", "sup", "sub", "abbr", "mark",
                    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
                    "caption", "colgroup", "col", "input", "label", "form", "select", "option",
                    "svg", "path", "g", "use", "symbol", "circle", "rect", "polygon", "polyline", "line", "ellipse",
                    "stop", "defs", "lineargradient", "radialgradient", "clippath", "mask", "-comment"})
# A link's attributes that never hold an escaped player.
_LINK_PLAIN = SKIP_ATTRS | {"href"}
# Elements that matter even without attributes: their text may be markup, state or the title.
_BARE = CONTAINERS | {"script", "title"}
# The most common elements of a page, none of which the other detectors handle.
_BOXES = frozenset({"div", "span", "p", "li", "ul", "ol", "img", "i", "b", "em", "strong", "br", "td", "tr", "table",
                    "tbody", "path", "svg", "g", "use", "symbol", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                    "article", "figure", "figcaption", "picture", "nav", "header", "footer", "main", "aside", "button",
                    "input", "label", "form", "small", "hr", "noscript", "body", "head"})


def _worth(attrs: dict) -> bool:
    """Test run on every element with attributes: could one hold a post URL, an id or
    markup? (What _attributes() reads further: a value naming a platform or holding markup,
    an id attribute, JSON, an event handler with markup in it.)"""
    for name, value in attrs.items():
        if not value or name in SKIP_ATTRS:
            continue
        if name in ID_NAMES or (name[-2:] == "id" and (platform_id_name(name) or _ID_SHAPED.match(value))):
            return True
        if len(value) > 8:
            if name in HANDLER_ATTRS:
                if "<" in value or "%3C" in value or "%3c" in value:
                    return True
            elif names_hint(value) or value.lstrip()[:1] in "{[":
                return True
    return False


def inspect(nodes, prefix: tuple, origin, scan, max_elements: int) -> None:
    """The nodes of a parsed document (elements and comments), in document order. Most are
    passed by after a set lookup or two; the others go to the detector for their kind. The
    page's own <meta>, <link>, <title> and <time> elements (origin None) are read for what the
    page says about itself. Once the page and its payloads together have given max_elements
    nodes, the walk ends."""
    cards: dict = {}  # class list -> whether it names a platform as a card's does
    for index, node in enumerate(nodes):
        # (counted on the scanner, not here: a payload met on the way is walked meanwhile)
        if scan.elements >= max_elements:
            scan.problem(f"more than {max_elements} elements; the rest of the page was not inspected")
            return
        scan.elements += 1
        tag = node.tag  # (a comment's is "-comment", inert)
        if tag in _INERT:
            continue
        attrs = node.attributes
        if tag in _BOXES:  # the common case: only attributes and a card's class can matter
            if not attrs:
                continue
            el = None
            if not SKIP_ATTRS.issuperset(attrs) and _worth(attrs):
                el = Element(node, tag, attrs, prefix + (index,), origin)
                _attributes(el, scan)
            ident = attrs.get("id")
            named = ident[0] in "ytvYTV" and _PLATFORM_NAMED_ID.match(ident) if ident else None
            if named:
                _id_named_post(el or Element(node, tag, attrs, prefix + (index,), origin), scan, named)
            if tag in CARD_TAGS:
                cls = attrs.get("class")
                if cls:
                    card = cards.get(cls)  # (a page repeats the same few class lists on thousands of boxes)
                    if card is None:
                        card = cards[cls] = card_class(cls.lower() if cls.isascii() else ascii_lower(cls))
                    if card:
                        _card(el or Element(node, tag, attrs, prefix + (index,), origin), scan, None)
                    style = attrs.get("style")
                    if style and "/vi" in style:  # a video's thumbnail as a background: a click-to-play facade?
                        _thumbnail_facade(el or Element(node, tag, attrs, prefix + (index,), origin), scan, "style",
                                          style)
        elif tag == "a":  # (the next most common: checked before the rarer kinds)
            if scan.linked:
                _link(Element(node, tag, attrs, prefix + (index,), origin), scan)
            href = attrs.get("href")
            if href and ("embed" in href or "plugins/" in href or "player." in href):
                _player_link(Element(node, tag, attrs, prefix + (index,), origin), scan, href)
            if not _LINK_PLAIN.issuperset(attrs):
                if SERVICE_CARD_ATTR in attrs:
                    _service_card(Element(node, tag, attrs, prefix + (index,), origin), scan)
                elif "<" in "".join(v for v in attrs.values() if v):
                    # a click-to-play link with its player escaped
                    _attributes(Element(node, tag, attrs, prefix + (index,), origin), scan, markup_only=True)
            cls = attrs.get("class")
            if cls and SERVICE_CARD_CLASS in cls:
                _service_card(Element(node, tag, attrs, prefix + (index,), origin), scan)
        elif not attrs and tag not in _BARE:
            continue
        elif tag in FRAMES or tag == "blockquote" or "-" in tag:  # embeds, amp-*, lite-*, custom elements
            el = Element(node, tag, attrs, prefix + (index,), origin)
            if tag == "blockquote":
                _blockquote(el, scan)
            _attributes(el, scan)
        elif tag == "script":
            el = Element(node, tag, attrs, prefix + (index,), origin)
            scripts.inspect_script(el, scan)
            if not SCRIPT_PLAIN_ATTRS.issuperset(attrs):
                _attributes(el, scan)  # escaped markup in a gate's data-content, consent src attributes
        elif tag in CONTAINERS:
            el = Element(node, tag, attrs, prefix + (index,), origin)
            consent.inspect_container(el, scan)
            if tag == "template" and attrs:
                _attributes(el, scan)
        elif tag in META_TAGS:
            if origin is None and (tag == "html" or node.parent.tag != "head"):  # (the <head> was read first)
                scan.read_meta(tag, attrs, node)
            if tag == "meta" and attrs.get("itemprop"):
                _meta(Element(node, tag, attrs, prefix + (index,), origin), scan)
        elif SKIP_ATTRS.issuperset(attrs) or not _worth(attrs):
            continue
        else:
            _attributes(Element(node, tag, attrs, prefix + (index,), origin), scan)


_CARD_WORDS = Literals(CARD_WORDS)
card_class = _CARD_WORDS.any_in  # whether lower-cased classes name a platform as a card's do


# Class tokens that file a post under a term (WordPress's post_class(): "tag-twitter",
# "category-youtube-videos"): a topic of the article, not what the element is.
_TERM_CLASS = re.compile(r"(?<![^ ])(?:tag|category|post_tag|topic|label)-[^ ]*")


def platform_hint(el) -> str | None:
    """Which platform an element is about, from its tag, class and provider attributes."""
    classes = el.classes
    if "tag-" in classes or "category-" in classes or "topic-" in classes or "label-" in classes:
        classes = _TERM_CLASS.sub("", classes)
    parts = [" " + el.tag, classes + " "]
    for name, value in el.attrs.items():
        if value and (name in PROVIDER_ATTRS or name.endswith("-provider")):
            parts.append(value.lower())
    text = " ".join(parts)
    for word, platform in PLATFORM_WORDS:
        if word in text:
            return platform
    return None


def component_platform(el) -> str | None:
    """The platform an element's tag, class, provider or component name is about, when its
    ids have a shape of their own (an Instagram shortcode looks like any other token); none
    for a button or widget (a follow button's config names an account, not a post)."""
    if _NOT_EMBED.search(el.classes):
        return None
    platform = platform_hint(el)
    if platform is None:
        names = " ".join(el.attrs.get(name) or "" for name in COMPONENT_ATTRS).lower()
        platform = next((p for word, p in PLATFORM_WORDS if word in names), None) if names.strip() else None
    return platform if platform in ("youtube", "x", "vimeo", "tiktok") else None


_ESCAPED_MARKUP = re.compile(r"%3C\s*(?:iframe|blockquote|amp-|object|embed|video)|(?:<|&lt;)\s*(?:iframe|blockquote)",
                             re.I)


def _handler(el, scan, lname: str, value: str) -> None:
    """An event handler that writes a player in when clicked (a click-to-play gate, often
    percent-encoded for decodeURIComponent): its markup, never a bare URL in its code."""
    if not _ESCAPED_MARKUP.search(value):
        return
    markup = unquote(value) if "%3C" in value or "%3c" in value else value
    if "&lt;" in markup:
        markup = html.unescape(markup)
    scan.payload(el, markup, blocked_by=consent.tool_of(el) or "click-to-play", recovered_from=f"{el.tag}[{lname}]")


def _player_link(el, scan, href: str) -> None:
    """A link to a player or embed URL (not to the post's page) stands in for the player: a
    consent or tracker blocker's replacement, a click-to-load box."""
    if not is_player_url(href) or "bsky.app/profile/" in href:  # (a Bluesky post's page is its embed URL)
        return
    try:
        ref = post_ref(href)
    except UnsafeUrl:
        return
    if ref is not None and not _NOT_EMBED.search(el.classes):
        scan.found(el, ref, blocked_by=consent.tool_of(el) or "player-link", recovered_from="a[href] player URL")


def _srcdoc(el, scan, value: str) -> None:
    """An iframe's own document: an embed inside, or (a tracker blocker's replacement) a
    link to the player URL it replaced."""
    tool = consent.tool_of(el) or ("privacy-badger" if "Privacy Badger" in value else "srcdoc")
    if scan.payload(el, value, blocked_by=tool, recovered_from="iframe[srcdoc]"):
        return
    for sub, ref in enumerate(scripts.player_refs(value, scan, "iframe[srcdoc]")):
        scan.found(el, ref, blocked_by=tool, recovered_from="iframe[srcdoc] link", html=None, sub=sub)


def _attributes(el, scan, *, markup_only: bool = False) -> None:
    tag, attrs = el.tag, el.attrs
    hidden_tool = None
    for name, value in attrs.items():
        if not value or len(value) < 4:
            continue
        if name in SKIP_ATTRS:
            continue
        if name in HANDLER_ATTRS:
            _handler(el, scan, name, value)
            continue
        if markup_only and ("<" not in value or name == "href"):
            continue
        lname = ascii_lower(name)
        if lname == "srcdoc" and tag == "iframe":
            _srcdoc(el, scan, value)
            continue
        if lname in consent.PAYLOAD_ATTRS:
            tool = consent.PAYLOAD_ATTRS[lname]
            if not scan.payload(el, value, blocked_by=tool, recovered_from=f"{tag}[{lname}]", allow_base64=True):
                scan.placeholder(tool, f"{tag}[{lname}] with no post in it", value)
            continue
        if lname in NAMED_ID_ATTRS or lname in GENERIC_ID_ATTRS or platform_id_name(lname) or (
                lname.startswith("data-") and lname.endswith("id") and _ID_SHAPED.match(value)
                and not _NOT_POST_ID_NAME.search(lname)) or (tag, lname) in AMP_ID_ATTRS:
            if _id_attribute(el, scan, lname, value):
                continue
        if not names_hint(value):
            if value.lstrip()[:1] in "{[":  # props naming a post by id, or a player's props
                platform = component_platform(el)
                if platform or state.mentions_post(value):
                    state.scan_json_text(scan, el, value, source=f"{tag}[{lname}]", embed_context=True,
                                         platform=platform)
            continue
        if value[:1] == "[" and _lazy_frame(el, scan, lname, value):
            continue
        if "<" in value and _EMBED_MARKUP.search(value):
            tool = consent.tool_of(el)
            got = scan.payload(el, value, blocked_by=tool or "escaped-attribute", recovered_from=f"{tag}[{lname}]")
            if not got and tool:
                scan.placeholder(tool, f"{tag}[{lname}] holds markup with no post in it", value)
            continue
        if value.lstrip()[:1] in "{[":
            state.scan_json_text(scan, el, value, source=f"{tag}[{lname}]", embed_context=True,
                                 platform=component_platform(el))
            continue
        if markup_only or "<" in value:
            continue
        if "/vi" in value and _thumbnail_facade(el, scan, lname, value):
            continue
        if tag == "img" and lname not in LAZY_ATTRS and lname not in consent.SRC_ATTRS and not is_player_url(value):
            if is_script_url(value):  # (what post_ref would have said)
                scan.problem(f"script URL in {tag}[{lname}] ignored")
            continue  # a picture of a post is not an embed, and there is no proxy to follow
        proxied = False
        try:
            ref = post_ref(value)
            if ref is None and (tag in FRAME_TAGS or lname in LAZY_ATTRS or lname in consent.SRC_ATTRS):
                ref = proxied_ref(value)
                proxied = ref is not None
        except UnsafeUrl:
            scan.problem(f"script URL in {tag}[{lname}] ignored")
            continue
        if ref is None:
            continue
        if proxied:
            tool = consent.tool_of(el) or ("data-src" if lname in LAZY_ATTRS else "proxy-iframe")
            scan.found(el, ref, blocked_by=tool, recovered_from=f"{tag}[{lname}] proxy target")
            continue
        if tag == "img" and not is_player_url(value):
            continue  # a lazy image of a post is a picture, not an embed
        if lname in SRC_ATTRS and (tag in FRAME_TAGS or tag.startswith("amp-") or tag == "blockquote"):
            if lname == "href" and tag not in FRAME_TAGS:
                continue
            scan.found(el, ref)  # a player or post iframe is an embed whatever its class says
            continue
        if _NOT_EMBED.search(el.classes) or _NOT_EMBED_ATTR.search(lname):
            continue
        if lname in STANDARD_ATTRS or tag.startswith("amp-") or (
                lname == "data-href" and el.has_class("fb-post", "fb-video")):
            scan.found(el, ref)
            continue
        if tag not in FRAME_TAGS and not (lname.startswith("data-") or lname in LAZY_ATTRS or lname in consent.SRC_ATTRS):
            continue  # a standard attribute's text (a div's value) names the post; a placeholder keeps it in data-*
        if hidden_tool is None:
            hidden_tool = consent.tool_of(el) or ("data-src" if lname in LAZY_ATTRS else "js-placeholder")
        scan.found(el, ref, blocked_by=hidden_tool, recovered_from=f"{tag}[{lname}]")


def _thumbnail_facade(el, scan, lname: str, value: str) -> bool:
    """A click-to-play facade (a lite YouTube embed: react-lite-youtube-embed, WP YouTube Lyte, a
    theme's own): a box that says it is a player (youtube, yt, lyte, video, player, embed in its
    class or id) showing a video's thumbnail under a play button, whose script puts the player in
    its place when clicked. The video's id is only in the thumbnail's URL. A thumbnail in a link
    is a picture leading elsewhere (a list of videos, the video's page); one with no play button,
    or in a box that says nothing of a player, is a picture; one that opens a modal or lightbox
    plays the video apart from the article."""
    m = _YOUTUBE_THUMBNAIL.search(value)
    node = el.node
    if m is None or node is None:
        return False
    box = node.parent if el.tag == "img" else node  # (an <img>'s facade is the box holding it and the button)
    if box is None:
        return False
    words = class_and_id(box.attributes) + " " + el.classes
    if not _FACADE_WORDS.search(words) or _DIALOG_OPENER.search(words):
        return False
    if not _play_button(box):
        return False
    if any(up.tag == "a" and up.attributes.get("href") for up in ancestors(box, FACADE_LINK_LEVELS, itself=True)):
        return False
    if _NOT_EMBED.search(el.classes):
        return False
    return scan.found(el, ref_from_id("youtube", m.group(1)), blocked_by=consent.tool_of(el) or "click-to-play",
                      recovered_from=f"{el.tag}[{lname}] thumbnail")


def _play_button(box) -> bool:
    """Whether a box is or holds a play button (see PLAY_BUTTON_LOOKS)."""
    for looked, node in enumerate(box.traverse()):
        if looked >= PLAY_BUTTON_LOOKS:
            return False
        if node.tag == "button":
            return True
        attrs = node.attributes
        if attrs.get("role") == "button" or "play" in ascii_lower((attrs.get("class") or "")
                                                                 + " " + (attrs.get("aria-label") or "")):
            return True
    return False


def _service_card(el, scan) -> None:
    """A link an embed service's script turns into the post's player: Embedly's card (its class)
    or Iframely's (its attribute holds the service's proxy URL of the post)."""
    try:
        ref = proxied_ref(el.attrs.get(SERVICE_CARD_ATTR) or "") or post_ref(el.attrs.get("href") or "")
    except UnsafeUrl:
        return
    if ref is not None:
        tool = "iframely" if SERVICE_CARD_ATTR in el.attrs else "embedly"
        scan.found(el, ref, blocked_by=consent.tool_of(el) or tool, recovered_from=f"a.{tool} card")


def _lazy_frame(el, scan, lname: str, value: str) -> bool:
    """A player kept as the list of its iframe's attributes, name after value, for a script to
    build when the reader scrolls to it (s9e's media embeds in XenForo and phpBB forums:
    data-s9e-mediaembed-iframe='["allowfullscreen","","src","https://www.youtube.com/embed/..."]')."""
    try:
        items = jsonvalue.loads(value)
    except (ValueError, RecursionError):
        return False
    if not isinstance(items, list) or len(items) % 2 or not all(isinstance(item, str) for item in items):
        return False
    src = dict(zip(items[::2], items[1::2])).get("src")
    if not src:
        return False
    try:
        ref = post_ref(src) or proxied_ref(src)
    except UnsafeUrl:
        scan.problem(f"script URL in {el.tag}[{lname}] ignored")
        return True
    if ref is not None:
        scan.found(el, ref, blocked_by=consent.tool_of(el) or "data-src", recovered_from=f"{el.tag}[{lname}] iframe")
    return True


# An element's id that names a platform and ends with one of its post ids, on an element whose
# class names that platform too (Substack's <div id="youtube2-6JnMxNa5R-w" class="youtube-wrap">).
_PLATFORM_NAMED_ID = re.compile(r"(?i:(youtube|yt|tweet|twitter|tiktok|vimeo))[a-z0-9]*[-_]([\w-]+)$")
_ID_WORD_PLATFORMS = {"youtube": "youtube", "yt": "youtube", "tweet": "x", "twitter": "x", "tiktok": "tiktok",
                      "vimeo": "vimeo"}


def _id_named_post(el, scan, named: re.Match) -> None:
    """named: _PLATFORM_NAMED_ID's match of the element's id (the platform's word, the post id)."""
    platform = _ID_WORD_PLATFORMS[named.group(1).lower()]
    post_id = named.group(2)
    shape = _SHAPED_PLATFORMS.get(platform)
    if shape is None or not shape.match(post_id) or platform_hint(el) != platform or _NOT_EMBED.search(el.classes):
        return
    ref = ref_from_id(platform, post_id)
    if ref is not None:
        scan.found(el, ref, blocked_by=consent.tool_of(el) or "js-placeholder", recovered_from=f"{el.tag}[id]")


@lru_cache(maxsize=2048)  # (pages use few attribute names, many times)
def platform_id_name(lname: str) -> str | None:
    """The platform an attribute's name says it holds a post id of (see _PLATFORM_ID_NAME)."""
    m = _PLATFORM_ID_NAME.search(lname) if lname.endswith("id") else None
    if m is None or _NOT_POST_ID_NAME.search(lname):
        return None
    return _ID_NAME_PLATFORMS[m.group(1)]


def _id_attribute(el, scan, lname: str, value: str) -> bool:
    platform = NAMED_ID_ATTRS.get(lname) or platform_id_name(lname)
    if platform is None:
        platform = AMP_ID_ATTRS.get((el.tag, lname)) or platform_hint(el)
    if platform is None:
        return False
    if lname not in NAMED_ID_ATTRS and not platform_id_name(lname):
        # The name does not say whose id it is, the element does: the value must have the shape
        # of that platform's ids (a site's own data-id="2143762" on a box classed "twitter" is not
        # a tweet's); any other data-*id needs a shape of its own (see _ID_SHAPED).
        shape = _SHAPED_PLATFORMS.get(platform)
        if shape is None and lname not in GENERIC_ID_ATTRS:
            return False
        if shape is not None and not shape.match(value.strip()):
            return False
    ref = ref_from_id(platform, value)
    if ref is None:
        return False
    if el.tag.startswith("amp-") or el.tag.startswith("lite-") or (el.tag == "iframe" and lname == "data-tweet-id"):
        return scan.found(el, ref)
    if (_BUTTON if lname in NAMED_ID_ATTRS else _NOT_EMBED).search(el.classes):
        return False
    tool = consent.tool_of(el)
    return scan.found(el, ref, blocked_by=tool or "js-placeholder", recovered_from=f"{el.tag}[{lname}]")


def _blockquote(el, scan) -> None:
    classes = el.classes
    platform = None
    for cls, name in BLOCKQUOTE_EMBEDS.items():
        if cls in classes:
            platform = name
            break
    if platform is None:
        if card_class(classes) or any(a in el.attrs for a in NAMED_ID_ATTRS):
            _card(el, scan, None)
        return
    fallback = parse_fallback(el.node.text(deep=True, separator=" ") or "")
    # A blockquote whose script was held back shows the tool's notice beside it.
    notice = consent.placeholder_text_tool(el.node) if el.origin is None else None
    blocked = {"blocked_by": notice, "recovered_from": "placeholder text"} if notice else {}
    for name in ("data-instgrm-permalink", "cite", "data-bluesky-uri", "data-text-post-permalink",
                 "data-embed-url", "data-url", "data-href"):
        value = el.attrs.get(name)
        if value:
            try:
                ref = post_ref(value)
            except UnsafeUrl:
                scan.problem(f"script URL in blockquote[{name}] ignored")
                continue
            if ref and ref.platform == platform:
                scan.found(el, ref, fallback=fallback, **blocked)
                return
    if platform == "tiktok" and ref_from_id("tiktok", el.attrs.get("data-video-id") or ""):
        scan.found(el, ref_from_id("tiktok", el.attrs["data-video-id"]), fallback=fallback, **blocked)
        return
    ref = _last_post_link(el, platform)
    if ref:
        scan.found(el, ref, fallback=fallback, **blocked)
    else:
        shown = (fallback.text or "")[:60] if fallback else ""
        scan.problem(f"{platform} embed blockquote without a link to its post (\"{shown}\"): not collected")


def hrefs(node) -> list:
    """The href of each <a href> in an element (or ""), in document order."""
    return [a.attributes.get("href") or "" for a in node.css("a[href]")]


def _last_post_link(el, platform):
    """The post a container links to: embed blockquotes end with the post's own link."""
    for href in reversed(hrefs(el.node)):
        try:
            ref = post_ref(href)
        except UnsafeUrl:
            continue
        if ref and (platform is None or ref.platform == platform):
            return ref
    return None


def _card(el, scan, platform) -> None:
    """A site-rendered card (a blockquote or box whose class names a platform) linking one post."""
    if _NOT_EMBED.search(el.classes) or _GALLERY.search(el.classes) or _in_widget(el.node):
        return
    refs = {}
    for href in hrefs(el.node):
        try:
            ref = post_ref(href)
        except UnsafeUrl:
            continue
        if ref:
            refs[ref.post_id] = ref
        if len(refs) > 1:
            return  # a list of posts is a feed, not an embed
    if len(refs) == 1 and len(el.node.html or "") <= MAX_CARD_TEXT * 8:  # not a whole article box
        ref = next(iter(refs.values()))
        classes = el.classes + " " + " ".join(k for k in el.attrs if k.startswith("data-"))
        if not any(word in classes and platform == ref.platform for word, platform in _CARD_PLATFORMS):
            return
        text = el.node.text(deep=True, separator=" ") or ""
        if len(text) > MAX_CARD_TEXT:
            return  # an article box, not a card
        if _in_list(el):
            return  # one of a run of same-class items: a feed of posts, not an embed
        tool = consent.tool_of(el)
        scan.found(el, ref, blocked_by=tool or "site-card", recovered_from=f"{el.tag}.card",
                   fallback=parse_fallback(text))


def _in_list(el) -> bool:
    """Three or more siblings share this card's class, with less prose than cards between them."""
    parent = el.node.parent
    if parent is None:
        return False
    cls = el.attrs.get("class")
    same = prose = 0
    child = parent.child
    seen = 0
    while child is not None and seen < 500:
        if child.tag == "p":
            prose += 1
        elif child.tag == el.tag and child.attributes.get("class") == cls:
            same += 1
        child = child.next
        seen += 1
    return same >= 3 and prose < same


def inside_noscript(node) -> bool:
    """Whether an element sits in <noscript> (lexbor parses its content as markup)."""
    return any(parent.tag == "noscript" for parent in ancestors(node, NOSCRIPT_LEVELS))


def _in_widget(node) -> bool:
    for parent in ancestors(node, WIDGET_LEVELS):
        attrs = parent.attributes if parent.tag and parent.tag[0] != "-" else {}
        if parent.tag == "aside" or _WIDGET_ANCESTOR.search(class_and_id(attrs)):
            return True
    return False


def _link(el, scan) -> None:
    if not scan.linked:
        return
    href = el.attrs.get("href")
    if not href or not names_hint(href):
        return
    try:
        ref = post_ref(href)
    except UnsafeUrl:
        return
    if ref is None or _NOT_EMBED.search(el.classes) or _in_chrome(el.node):
        return
    scan.found(el, ref, relation="linked", recovered_from="a[href]", html=None)


_TEXT_BLOCKS = frozenset({"p", "li", "blockquote", "figcaption", "dd", "td", "h2", "h3", "h4", "h5", "h6"})
_INLINE = frozenset({"span", "em", "strong", "b", "i", "u", "mark", "small", "sup", "sub", "cite", "q", "font"})


def _in_chrome(node, levels: int = 25) -> bool:
    """True unless the link sits in running text: its nearest block is a paragraph-like
    element and no ancestor is navigation, header, footer, sidebar or a feed widget."""
    parent = node.parent
    while parent is not None and parent.tag in _INLINE:
        parent = parent.parent
    if parent is None or parent.tag not in _TEXT_BLOCKS:
        return True
    for box in ancestors(parent, levels - 1, itself=True):
        tag = box.tag
        if tag in ("nav", "header", "footer", "aside"):
            return True
        if tag and tag[0] != "-" and _WIDGET_ANCESTOR.search(class_and_id(box.attributes)):
            return True
    return False


def _meta(el, scan) -> None:
    # Microdata of a video object: <meta itemprop="embedUrl" content="https://www.youtube.com/embed/ID">
    prop = (el.attrs.get("itemprop") or "").lower()
    if prop in ("embedurl", "embedURL".lower()):
        value = el.attrs.get("content") or ""
        if is_player_url(value):
            try:
                scan.found(el, post_ref(value), blocked_by="microdata", recovered_from="meta[itemprop=embedUrl]")
            except UnsafeUrl:
                pass
