"""What a page itself shows of an embedded post: the blockquote fallback text,
author, handle and date, split off the trailing "— Author (@handle) date" line."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

# "— Jane Doe (@jane) May 23, 2023" (the em dash may be a plain hyphen or en dash). Both
# patterns start with a character, not with optional space, so that the regex engine skips
# ahead to where they can start; the space before them is stripped off the body anyway.
_X_CREDIT = re.compile(r"[\u2014\u2013-]{1,2}\s*(?P<author>[^\u2014\u2013()]{0,120}?)\s*\(@(?P<handle>[A-Za-z0-9_]{1,30})\)\s*(?P<date>[^\u2014\u2013]{0,60})$")
# Instagram: "A post shared by Jane Doe (@jane) on May 23, 2023 at 1:23pm PDT"
_IG_CREDIT = re.compile(r"A (?:post|video|photo|reel) shared by\s*(?P<author>[^()]{0,120}?)\s*\(@(?P<handle>[A-Za-z0-9_.]{1,30})\)\s*(?:on\s+(?P<date>.{0,60}))?$", re.I)
_IG_NOISE = re.compile(r"^(?:View this (?:post|photo|video|profile) on Instagram\s*)+", re.I)
# Either credit line, in collapsed text (single spaces), is at most this long, and ends the
# text: only the tail needs searching.
MAX_CREDIT = 300
MAX_TEXT = 5000


@dataclass
class Fallback:
    text: Optional[str] = None
    author: Optional[str] = None
    handle: Optional[str] = None
    date: Optional[str] = None


def collapse(text: Optional[str]) -> str:
    return " ".join((text or "").split())  # (str.split() and re's \s agree on what is whitespace)


def parse_fallback(raw_text: str) -> Fallback:
    """Split a blockquote's text into the post text and its credit line."""
    text = collapse(raw_text[: MAX_TEXT * 2])
    if not text:
        return Fallback()
    text = _IG_NOISE.sub("", text)
    for pattern in (_X_CREDIT, _IG_CREDIT):
        m = pattern.search(text, max(0, len(text) - MAX_CREDIT))
        if m:
            body = text[: m.start()].strip()
            date = collapse(m.group("date")) or None
            return Fallback(body[:MAX_TEXT] or None, collapse(m.group("author")) or None, m.group("handle"), date)
    return Fallback(text[:MAX_TEXT] or None)
