"""Facebook: posts and videos, directly or through the plugins/post|video iframe."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from ..models import PostRef
from . import oembed as _oembed
from .base import strip_scheme
from .common import with_video

NAME = "facebook"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("facebook.com", "fb.watch", "fb.com")
DEFAULT_ENDPOINT = "https://graph.facebook.com"

_HOST = re.compile(r"^(?:[a-z-]+\.)?(?:facebook\.com|fb\.watch|fb\.com)(?:/|$)", re.I)
_POST_PATH = re.compile(
    r"/(?:[^/]+/)?(?:posts|videos|photos|permalink|reel|watch)(?:/|\.php|/?\?)|/permalink\.php|/story\.php|/photo(?:\.php)?|/watch/?\?|/video\.php",
    re.I)
_ID_IN_PATH = re.compile(r"/(?:posts|videos|photos|permalink|reel)/(?:[^/?#]+/)*?(pfbid\w+|\d{6,})", re.I)


def _native_id(url: str) -> str:
    parts = urlsplit(url)
    q = parse_qs(parts.query)
    for name in ("story_fbid", "fbid", "v", "id"):
        if q.get(name) and q[name][0].isdigit():
            return q[name][0]
    m = _ID_IN_PATH.search(parts.path)
    if m:
        return m.group(1)
    return (parts.netloc.lower().removeprefix("www.").removeprefix("m.") + parts.path.rstrip("/")).lower()


def match(url: str):
    if not url:
        return None
    url = unquote(url.strip()) if "%2F" in url or "%3A" in url else url.strip()
    bare = strip_scheme(url)
    if not _HOST.match(bare):
        return None
    parts = urlsplit("https://" + bare)
    if "/plugins/" in parts.path:
        if not re.search(r"/plugins/(?:post|video)\.php", parts.path):
            return None  # like, share, follow and page plugins are not posts
        href = parse_qs(parts.query).get("href")
        return match(href[0]) if href else None
    if bare.lower().startswith("fb.watch/"):
        return PostRef(NAME, "fb.watch/" + parts.path.strip("/"), "https://" + bare)
    if not _POST_PATH.search(parts.path + ("?" if parts.query else "")):
        return None
    canonical = f"https://www.facebook.com{parts.path}" + (f"?{parts.query}" if parts.query and not _ID_IN_PATH.search(parts.path) else "")
    return PostRef(NAME, _native_id(canonical), canonical)


# -- resolving: Meta's oEmbed when a token is configured, then yt-dlp (text, the video) --


def resolve(ref, ctx):
    kind = "oembed_video" if re.search(r"/(?:videos|reel|watch)\b|fb\.watch/|video\.php", ref.url) else "oembed_post"
    post = _oembed.resolve(ref, ctx, endpoint=NAME, base=f"{DEFAULT_ENDPOINT}/v22.0/{kind}",
                           label="Facebook oEmbed", needs_meta_token=True)
    return with_video(post, ref.url, ctx)
