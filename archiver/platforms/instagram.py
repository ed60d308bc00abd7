"""Instagram: post, reel and IGTV permalinks."""
from __future__ import annotations

from . import oembed as _oembed
from .base import match_rules, rule
from .common import with_video

NAME = "instagram"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("instag",)
DEFAULT_ENDPOINT = "https://graph.facebook.com"

RULES = [
    rule(r"instag(?:ram\.com|r\.am)/(?:[A-Za-z0-9_.]{1,30}/)?(?P<kind>p|reel|reels|tv)/(?P<id>[A-Za-z0-9_-]{5,40})",
         lambda m: f"https://www.instagram.com/{'reel' if m.group('kind').startswith('reel') else m.group('kind')}/{m.group('id')}/"),
]


def match(url: str):
    return match_rules(NAME, RULES, url)


# -- resolving: Meta's oEmbed when a token is configured, then yt-dlp (caption, the video) --


def resolve(ref, ctx):
    post = _oembed.resolve(ref, ctx, endpoint=NAME, base=f"{DEFAULT_ENDPOINT}/v22.0/instagram_oembed",
                           label="Instagram oEmbed", needs_meta_token=True)
    return with_video(post, ref.url, ctx)
