"""What every platform module shares: URL rules that name a post."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional
from urllib.parse import unquote

from ..models import PostRef


@dataclass(frozen=True)
class UrlRule:
    """A regex over a URL (without scheme) and how to build the canonical URL from its groups.

    The regex must name a group ``id``; ``canonical`` gets the match and returns the
    canonical post URL; ``native_id`` may derive the stored id from the match.
    """

    pattern: re.Pattern
    canonical: Callable[[re.Match], str]
    native_id: Optional[Callable[[re.Match], str]] = None


def rule(regex: str, canonical: Callable[[re.Match], str], native_id=None) -> UrlRule:
    return UrlRule(re.compile(regex, re.IGNORECASE), canonical, native_id)


_SCHEME_AND_SUBDOMAIN = re.compile(r"^(?:(?:https?:)?//)?(?:www\.|mobile\.|m\.)?", re.IGNORECASE)


def strip_scheme(url: str) -> str:
    """'https://www.x.com/a' -> 'x.com/a': rules match host and path only."""
    return _SCHEME_AND_SUBDOMAIN.sub("", url.strip(), count=1)


@lru_cache(maxsize=1024)  # every platform's match() asks for the same URL in turn
def _match_forms(url: str) -> tuple[str, ...]:
    """The URL as rules see it: without scheme and www., and percent-decoded if it was encoded."""
    bare = strip_scheme(url)
    return (bare, strip_scheme(unquote(bare))) if "%" in bare else (bare,)


def clear_match_cache() -> None:
    _match_forms.cache_clear()


def match_rules(platform: str, rules: list[UrlRule], url: str) -> Optional[PostRef]:
    if not url:
        return None
    for candidate in _match_forms(url):
        for r in rules:
            m = r.pattern.match(candidate)
            if m:
                native = r.native_id(m) if r.native_id else m.group("id")
                return PostRef(platform, native, r.canonical(m))
    return None
