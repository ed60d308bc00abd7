"""Telegram: public channel posts (t.me/<channel>/<id>, also the ?embed=1 widget)."""
from __future__ import annotations

from .base import match_rules, rule

NAME = "telegram"
DEFAULT_ENDPOINT = "https://t.me"

RULES = [
    rule(r"(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?(?P<channel>[A-Za-z][A-Za-z0-9_]{3,40})/(?P<id>\d{1,12})(?![0-9])",
         lambda m: f"https://t.me/{m.group('channel')}/{m.group('id')}",
         lambda m: f"{m.group('channel').lower()}/{m.group('id')}"),
]


def match(url: str):
    return match_rules(NAME, RULES, url)
