"""Threads (Meta): post permalinks."""
from __future__ import annotations

from . import oembed as _oembed
from .base import match_rules, rule

NAME = "threads"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("threads.net", "threads.com")
DEFAULT_ENDPOINT = "https://graph.threads.net"

RULES = [
    rule(r"threads\.(?:net|com)/@(?P<user>[A-Za-z0-9_.]{1,30})/post/(?P<id>[A-Za-z0-9_-]{5,40})",
         lambda m: f"https://www.threads.net/@{m.group('user')}/post/{m.group('id')}"),
]


def match(url: str):
    return match_rules(NAME, RULES, url)


# -- resolving: the Threads oEmbed endpoint (no token needed), else the embed's fallback --


def resolve(ref, ctx):
    return _oembed.resolve(ref, ctx, endpoint=NAME, base=f"{DEFAULT_ENDPOINT}/v1.0/oembed",
                           label="Threads oEmbed")
