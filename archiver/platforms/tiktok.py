"""TikTok: video URLs and the embed player."""
from __future__ import annotations

from . import oembed as _oembed
from .base import match_rules, rule
from .common import with_video

NAME = "tiktok"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("tiktok.com",)
DEFAULT_ENDPOINT = "https://www.tiktok.com"

RULES = [
    rule(r"tiktok\.com/@(?P<user>[A-Za-z0-9_.]{1,40})/video/(?P<id>\d{8,25})",
         lambda m: f"https://www.tiktok.com/@{m.group('user')}/video/{m.group('id')}"),
    rule(r"tiktok\.com/(?:embed(?:/v2)?|player/v1)/(?P<id>\d{8,25})",
         lambda m: f"https://www.tiktok.com/embed/v2/{m.group('id')}"),
]


def match(url: str):
    return match_rules(NAME, RULES, url)


# -- resolving: oEmbed (caption, author, thumbnail), then yt-dlp (counts, the video) -----


def resolve(ref, ctx):
    # The player URL is not accepted by oEmbed; the video URL works with any user name.
    url = ref.url if "/video/" in ref.url else f"https://www.tiktok.com/@_/video/{ref.native_id}"
    post = _oembed.resolve(ref.__class__(NAME, ref.native_id, url), ctx, endpoint=NAME,
                           base=f"{DEFAULT_ENDPOINT}/oembed", label="TikTok oEmbed")
    return with_video(post, url, ctx)
