"""Turn attribute values and ids into post references.

Everything here is pure string work: undo escaping, drop unsafe schemes, unwrap
archive and proxy URLs, then ask the platform modules whose post it is.
"""
from __future__ import annotations

import html
import re
from typing import Optional
from urllib.parse import parse_qsl, unquote, urlsplit

from ..models import PostRef
from ..platforms import match_post_url

# Hosts of the platforms we know: a URL on these is never a proxy for another URL
# (a like button's ?href= names a post but is not an embed of it).
PLATFORM_HOST = re.compile(
    r"(?:^|\.)(?:twitter\.com|x\.com|twimg\.com|instagram\.com|facebook\.com|fb\.com|youtube(?:-nocookie)?\.com|"
    r"youtu\.be|vimeo\.com|tiktok\.com|t\.me|telegram\.me|bsky\.app|threads\.net|threads\.com|reddit\.com|"
    r"redditmedia\.com|redd\.it)$", re.I)

# Player / embed URLs: unambiguous even where a plain post link would not be (lazy images, inline JS).
PLAYER_URL = re.compile(
    r"(?:youtube(?:-nocookie)?\.com/(?:embed|v)/|player\.vimeo\.com/video/|platform\.twitter\.com/embed/|"
    r"instagram\.com/(?:[\w.]+/)?(?:p|reel|tv)/[\w-]+/embed|facebook\.com/plugins/(?:post|video)\.php|"
    r"tiktok\.com/embed|t\.me/[\w/]+\?embed=1|/@\w+/\d+/embed|embed\.reddit\.com|redditmedia\.com/r/|"
    r"bsky\.app/profile/[^\s\"'<>]+/post/|youtube\.com/embed/\?)",
    re.I)

# Wayback Machine prefix: web.archive.org/web/20200101000000id_/https://...
_ARCHIVE = re.compile(r"^(?:https?:)?//(?:web\.)?archive\.org/web/\d{1,14}(?:[a-z]{2}_)?/", re.I)
_UNSAFE = re.compile(r"^\s*(?:javascript|vbscript|data):", re.I)
_ESCAPES = re.compile(r"""\\(?:u00([0-9a-fA-F]{2})|x([0-9a-fA-F]{2})|([/"'\\]))""")
_MEDIA_FILE = re.compile(r"instagram\.com/(?:[\w.]+/)?(?:p|reel|tv)/[\w-]+/media", re.I)
_INNER_URL = re.compile(r"https?://[^\s\"'<>]+")
_PROXY_PARAMS = ("url", "u", "href", "src", "link", "target", "embed", "uri", "q")
# s9e's media embeds (XenForo and phpBB forums) frame a post through its own page, the post's id
# in the fragment: https://s9e.github.io/iframe/2/twitter.min.html#1807756048868024522#theme=auto
S9E_HOST = "s9e.github.io"
_S9E_PAGE = re.compile(r"/iframe/\d+/([a-z]+)\.min\.html$")
_S9E_PLATFORMS = {"twitter": "x", "instagram": "instagram", "tiktok": "tiktok"}

ID_PATTERNS = {
    "x": re.compile(r"^\d{5,25}$"),
    "youtube": re.compile(r"^[A-Za-z0-9_-]{11}$"),
    "instagram": re.compile(r"^[A-Za-z0-9_-]{5,40}$"),
    "vimeo": re.compile(r"^\d{4,12}$"),
    "tiktok": re.compile(r"^\d{8,25}$"),
}
_ID_URL = {
    "x": "https://x.com/i/status/{}",
    "youtube": "https://www.youtube.com/watch?v={}",
    "instagram": "https://www.instagram.com/p/{}/",
    "vimeo": "https://vimeo.com/{}",
    "tiktok": "https://www.tiktok.com/embed/v2/{}",
}


class UnsafeUrl(ValueError):
    """A javascript:/data: value where a URL was expected."""


def unescape_js(text: str) -> str:
    r"""Undo the escapes JSON and JS put in URLs and markup: \/ \" \u002F \x3d."""
    if "\\" not in text:
        return text
    return _ESCAPES.sub(lambda m: m.group(3) or chr(int(m.group(1) or m.group(2), 16)), text)


def is_script_url(value: str) -> bool:
    """Whether clean_url() would refuse this value as a javascript:/data: URL."""
    value = (value or "").strip()
    return 0 < len(value) <= 4096 and _UNSAFE.match(value) is not None


def clean_url(value: str) -> Optional[str]:
    """An attribute value as a URL to match, or None; raises UnsafeUrl for script URLs."""
    if not value:
        return None
    value = value.strip()
    if len(value) > 4096 or not value:
        return None
    if is_script_url(value):
        raise UnsafeUrl(value[:60])
    if "&" in value and ";" in value:
        value = html.unescape(value)
    value = unescape_js(value)
    return _ARCHIVE.sub("", value)


def url_path(url: Optional[str]) -> Optional[str]:
    """A page URL's path without its trailing slash ("/" for a site's root), or None when the URL
    names its page by its query (/?p=2895) or is not one."""
    if not url:
        return None
    try:
        parts = urlsplit(url if "//" in url else "https://x.invalid/" + url.lstrip("/"))
    except ValueError:
        return None
    path = parts.path.rstrip("/")
    if not path and parts.query:
        return None  # the page is named by its query: its path says nothing
    return path or "/"


def post_ref(value: str, *, unwrap: bool = False) -> Optional[PostRef]:
    """The post a URL-ish value names. With unwrap, an embed proxy's target counts too."""
    url = clean_url(value)
    if not url or ("." not in url and "at://" not in url):
        return None
    if (not url.isascii() or "nstagram" in url.lower()) and _MEDIA_FILE.search(url):
        return None  # an image of the post (lazy backgrounds, feed thumbnails), not the post
    ref = match_post_url(url)
    if ref or not unwrap:
        return ref
    return proxied_ref(url)


def proxied_ref(value: str) -> Optional[PostRef]:
    """A non-platform URL carrying a URL-encoded post URL in its query (an embed proxy,
    a same-site /embed?url=...): the post it wraps, followed one level."""
    url = clean_url(value)
    if not url:
        return None
    try:
        parts = urlsplit(url if "//" in url[:10] else "https://x.invalid" + (url if url.startswith("/") else "/" + url))
        host = parts.hostname or ""
    except ValueError:  # an unbalanced "[" in the host: no URL to unwrap
        return None
    if host == S9E_HOST:
        page = _S9E_PAGE.search(parts.path)
        platform = _S9E_PLATFORMS.get(page.group(1)) if page else None
        return ref_from_id(platform, parts.fragment.split("#")[0]) if platform else None
    if PLATFORM_HOST.search(host):
        return None  # a platform's own button or widget (?href=, ?url=) is not a proxy
    for name, val in parse_qsl(parts.query):
        if name.lower() in _PROXY_PARAMS and ("//" in val or "%2F" in val):
            inner = unquote(val) if "%" in val and "//" not in val else val
            if not _UNSAFE.match(inner):
                ref = match_post_url(_ARCHIVE.sub("", inner.strip()))
                if ref:
                    return ref
    # Some proxies carry the target in the path: /embed/https%3A%2F%2Ftwitter.com%2F...
    m = _INNER_URL.search(unquote(parts.path + "?" + parts.query) if "%" in url else parts.path)
    if m:
        return match_post_url(m.group(0))
    return None


# Every PLAYER_URL match contains one of these, in lower case (checked first: a search with
# re.I costs far more).
PLAYER_LITERALS = ("youtube", "vimeo", "twitter", "instagram", "facebook", "tiktok", "t.me", "/@", "reddit", "bsky")


def is_player_url(value: str) -> bool:
    if not value:
        return False
    if value.isascii():  # (str.lower() of other text may fold differently from re.I)
        lowered = value.lower()
        if not any(literal in lowered for literal in PLAYER_LITERALS):
            return False
    return PLAYER_URL.search(value) is not None


def ref_from_id(platform: str, value: str) -> Optional[PostRef]:
    """A bare id (tweet id, video id, shortcode) as a post reference, if it has that id's shape."""
    value = (value or "").strip()
    pattern = ID_PATTERNS.get(platform)
    if not pattern or not pattern.match(value):
        return None
    return match_post_url(_ID_URL[platform].format(value))
