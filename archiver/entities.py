"""Hashtags, mentions and links of a post, as rows for the facet tables.

Platforms that mark them (X entities, Bluesky facets, Mastodon tags) are
trusted; otherwise they are read from the text. Links are the expanded URLs.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from .models import Post

_HASHTAG = re.compile(r"(?<![\w&/#])#(\w{1,100})", re.UNICODE)
_MENTION = re.compile(r"(?<![\w/.@])@([A-Za-z0-9_][A-Za-z0-9_.]{0,60}(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.I)
_TRAILING = ".,;:!?)]}»\"'…"


def from_text(text: str) -> tuple[list, list, list]:
    """(hashtags, mentions, links) written in plain text."""
    if not text:
        return [], [], []
    hashtags = [m.group(1) for m in _HASHTAG.finditer(text) if not m.group(1).isdigit()]
    mentions = [m.group(1).rstrip(".") for m in _MENTION.finditer(text)]
    links = [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(text)]
    return hashtags, mentions, links


def _unique(values, key=lambda v: v) -> list:
    seen, found = set(), []
    for value in values:
        if value and key(value) not in seen:
            seen.add(key(value))
            found.append(value)
    return found


def facet_rows(post: Post) -> dict:
    """Rows for the hashtags, mentions and links tables."""
    tags, people, urls = from_text(post.text or "")
    hashtags = _unique((h.lstrip("#") for h in (post.hashtags or tags)), key=str.lower)
    mentions = _unique((m.lstrip("@") for m in (post.mentions or people)), key=str.lower)
    links = _unique(list(post.links) + urls)
    return {
        "hashtags": [{"post_id": post.id, "tag": h.lower(), "as_written": h} for h in hashtags],
        "mentions": [{"post_id": post.id, "handle": m.lower(), "platform": post.platform} for m in mentions],
        "links": [{"post_id": post.id, "url": u, "domain": _domain(u)} for u in links],
    }


def _domain(url: str):
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host or None
