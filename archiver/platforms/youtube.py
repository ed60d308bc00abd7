"""YouTube: watch, short, live and embed URLs (also youtube-nocookie), playlists."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from ..models import PostRef
from . import oembed as _oembed
from .base import match_rules, rule, strip_scheme
from .common import with_video

NAME = "youtube"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("youtu",)
DEFAULT_ENDPOINT = "https://www.youtube.com"


def _watch(m):
    return f"https://www.youtube.com/watch?v={m.group('id')}"


RULES = [
    rule(r"(?:youtube(?:-nocookie)?\.com|youtube\.googleapis\.com)/(?:embed/(?!videoseries|live_stream)|v/|e/|shorts/|live/|watch/?\?(?:[^#]*?&)?v=)(?P<id>[A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])", _watch),
    rule(r"youtu\.be/(?P<id>[A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])", _watch),
]


def match(url: str):
    ref = match_rules(NAME, RULES, url)
    if ref or not url or "youtube" not in url.lower():
        return ref
    # Playlist and live-stream embeds name no single video.
    parts = urlsplit("https://" + strip_scheme(url))
    if not re.match(r"^(?:www\.)?youtube(?:-nocookie)?\.com$", parts.netloc, re.I):
        return None
    q = parse_qs(parts.query)
    if re.search(r"/embed/live_stream/?$", parts.path) and q.get("channel"):
        channel = q["channel"][0]
        return PostRef(NAME, f"live_stream:{channel}", f"https://www.youtube.com/embed/live_stream?channel={channel}")
    if re.search(r"^/(?:embed/(?:videoseries)?/?|playlist)$", parts.path) and q.get("list"):
        playlist = q["list"][0]
        # The embed form is what pages carry and what other tools key playlists by.
        return PostRef(NAME, f"playlist:{playlist}", f"https://www.youtube.com/embed/videoseries?list={playlist}")
    return None


# -- resolving: oEmbed (title, channel, thumbnail), then yt-dlp (text, counts, the video) --


def resolve(ref, ctx):
    url = ref.url
    if ref.native_id.startswith("playlist:"):
        url = f"https://www.youtube.com/playlist?list={ref.native_id.split(':', 1)[1]}"
    elif ref.native_id.startswith("live_stream:"):
        from ..models import Post

        return Post(NAME, ref.native_id, ref.url, status="unresolved",
                    status_detail="YouTube: a channel's live-stream embed names no single video")
    post = _oembed.resolve(ref.__class__(NAME, ref.native_id, url), ctx, endpoint=NAME,
                           base=f"{DEFAULT_ENDPOINT}/oembed", label="YouTube oEmbed")
    if ref.native_id.startswith("playlist:"):
        return post  # a playlist's videos are posts of their own
    return with_video(post, ref.url, ctx)
