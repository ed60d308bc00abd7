"""Vimeo: video pages and the player iframe."""
from __future__ import annotations

from . import oembed as _oembed
from .base import match_rules, rule
from .common import with_video

NAME = "vimeo"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("vimeo.com",)
DEFAULT_ENDPOINT = "https://vimeo.com"

RULES = [
    rule(r"(?:player\.)?vimeo\.com/(?:video/|channels/[^/]+/|groups/[^/]+/videos/|moogaloop\.swf\?clip_id=)?(?P<id>\d{4,12})(?![0-9])",
         lambda m: f"https://vimeo.com/{m.group('id')}"),
]


def match(url: str):
    return match_rules(NAME, RULES, url)


# -- resolving: oEmbed (title, author, thumbnail), then yt-dlp (text, counts, the video) --


def resolve(ref, ctx):
    post = _oembed.resolve(ref, ctx, endpoint=NAME, base=f"{DEFAULT_ENDPOINT}/api/oembed.json",
                           label="Vimeo oEmbed")
    return with_video(post, ref.url, ctx)
