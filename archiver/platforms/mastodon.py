"""Mastodon (and compatible servers): status URLs on any instance."""
from __future__ import annotations

import re

from .base import match_rules, rule

NAME = "mastodon"
DEFAULT_ENDPOINT = None  # each post is resolved on its own instance

# Known big platforms' hosts never count as Mastodon instances.
_NOT_INSTANCES = re.compile(r"^(?:[a-z0-9-]+\.)*(?:twitter|x|facebook|instagram|youtube|tiktok|threads|reddit|bsky|medium|t)\.(?:com|net|app|me)$", re.I)

RULES = [
    rule(r"(?P<host>[a-z0-9.-]+\.[a-z]{2,})/@(?P<user>[A-Za-z0-9_]{1,30}(?:@[a-z0-9.-]+)?)/(?P<id>\d{6,20})(?:/embed)?(?![0-9])",
         lambda m: f"https://{m.group('host').lower()}/@{m.group('user')}/{m.group('id')}",
         lambda m: f"{m.group('host').lower()}/{m.group('id')}"),
    rule(r"(?P<host>[a-z0-9.-]+\.[a-z]{2,})/users/(?P<user>[A-Za-z0-9_]{1,30})/statuses/(?P<id>\d{6,20})",
         lambda m: f"https://{m.group('host').lower()}/@{m.group('user')}/{m.group('id')}",
         lambda m: f"{m.group('host').lower()}/{m.group('id')}"),
]


def match(url: str):
    ref = match_rules(NAME, RULES, url)
    if ref and _NOT_INSTANCES.match(ref.native_id.split("/")[0]):
        return None
    return ref
