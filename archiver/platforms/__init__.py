"""One module per platform. Each declares NAME, DEFAULT_ENDPOINT, URL_HINTS (lower-case
substrings every post URL of it contains) and match(url) -> PostRef | None; a module that
can resolve posts also has resolve(ref, context) -> Post.
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import unquote
from typing import Optional

from ..models import PostRef
from . import base, bluesky, facebook, instagram, mastodon, reddit, telegram, threads, tiktok, vimeo, x, youtube

# Order matters only where hosts could overlap: Mastodon (any host) comes last.
MODULES = [x, instagram, facebook, youtube, vimeo, tiktok, telegram, bluesky, threads, reddit, mastodon]
BY_NAME = {m.NAME: m for m in MODULES}


@lru_cache(maxsize=8192)  # pages repeat the same URLs in attributes, state and scripts
def match_post_url(url: Optional[str]) -> Optional[PostRef]:
    """The post a URL names, on whichever platform owns it, or None."""
    if not url or len(url) > 4096:
        return None
    lowered = url.lower() if "%" not in url else url.lower() + " " + unquote(url).lower()
    for module in MODULES:
        for hint in module.URL_HINTS:  # (a plain loop: this runs for every URL a page holds)
            if hint in lowered:
                try:
                    ref = module.match(url)
                except ValueError:  # urlsplit() refuses it ("https://[youtube.com"): it names no post
                    ref = None
                if ref:
                    return ref
                break
    return None


def clear_caches() -> None:
    """Forget matched URLs (benchmarks start each run cold)."""
    match_post_url.cache_clear()
    base.clear_match_cache()
