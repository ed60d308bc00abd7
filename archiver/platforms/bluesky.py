"""Bluesky: bsky.app post URLs and at:// post URIs."""
from __future__ import annotations

from .base import match_rules, rule

NAME = "bluesky"
DEFAULT_ENDPOINT = "https://public.api.bsky.app"

RULES = [
    rule(r"bsky\.app/profile/(?P<actor>[^/?#]+)/post/(?P<id>[A-Za-z0-9]{5,20})",
         lambda m: f"https://bsky.app/profile/{m.group('actor')}/post/{m.group('id')}"),
    rule(r"at://(?P<actor>[^/?#]+)/app\.bsky\.feed\.post/(?P<id>[A-Za-z0-9]{5,20})",
         lambda m: f"https://bsky.app/profile/{m.group('actor')}/post/{m.group('id')}"),
]


def match(url: str):
    if url and url.startswith("at://"):
        return _match_at_uri(url)
    return match_rules(NAME, RULES, url)


def _match_at_uri(uri: str):
    m = RULES[1].pattern.match(uri)
    if not m:
        return None
    from ..models import PostRef

    return PostRef(NAME, m.group("id"), RULES[1].canonical(m))
