"""X (Twitter): status URLs, embed iframes, and resolving through the syndication endpoint."""
from __future__ import annotations

from .base import match_rules, rule

NAME = "x"
DEFAULT_ENDPOINT = "https://cdn.syndication.twimg.com"


def _canonical(m):
    user = m.groupdict().get("user")
    if user and user.lower() not in ("i", "i/web"):
        return f"https://x.com/{user}/status/{m.group('id')}"
    return f"https://x.com/i/status/{m.group('id')}"


RULES = [
    rule(r"(?:twitter|x)\.com/(?P<user>[A-Za-z0-9_]{1,30}|i/web|i)/status(?:es)?/(?P<id>\d{5,25})", _canonical),
    rule(r"platform\.twitter\.com/embed/[^?#]*\?(?:[^#]*&)?id=(?P<id>\d{5,25})", _canonical),
]


def match(url: str):
    return match_rules(NAME, RULES, url)
