"""Reddit: post (and comment) permalinks, redd.it short links, the embed host."""
from __future__ import annotations

from .base import match_rules, rule

NAME = "reddit"
DEFAULT_ENDPOINT = "https://www.reddit.com"

RULES = [
    rule(r"(?:old\.|new\.|np\.)?(?:reddit\.com|redditmedia\.com|embed\.reddit\.com)/r/(?P<sub>[A-Za-z0-9_]{2,30})/comments/(?P<id>[a-z0-9]{4,10})(?:/(?P<slug>[^/?#]*))?",
         lambda m: f"https://www.reddit.com/r/{m.group('sub')}/comments/{m.group('id')}/"),
    rule(r"redd\.it/(?P<id>[a-z0-9]{4,10})(?![a-z0-9])",
         lambda m: f"https://www.reddit.com/comments/{m.group('id')}/"),
]


def match(url: str):
    return match_rules(NAME, RULES, url)
