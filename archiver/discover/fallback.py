"""What can still be read from a page that is not parsed (refused, or over its budget):
the post URLs written anywhere in its text, found by one linear regular expression.

Where each URL sat (an embed, a link in the article, a script) is unknown, so these
are recorded as linked posts recovered from the raw text, not as embeds.
"""
from __future__ import annotations

import re

from ..models import Embed
from .urls import post_ref

RECOVERED_FROM = "raw text (page not parsed)"
MAX_URLS_READ = 20_000  # URLs looked at per page; matching each costs microseconds

# http(s) URLs, also with the \/ escapes of JSON; up to the first character no URL holds.
_URL = re.compile(r"""https?:(?:\\?/){2}[^\s"'<>()\[\]{}|^`]{3,2000}""", re.I)


def scan_post_urls(text: str, *, limit: int) -> list[Embed]:
    """Up to `limit` distinct posts named by URLs in the text, in the order they appear."""
    embeds: dict[str, Embed] = {}
    for read, match in enumerate(_URL.finditer(text)):
        if read >= MAX_URLS_READ or len(embeds) >= limit:
            break
        try:
            ref = post_ref(match.group(0))
        except ValueError:
            continue
        if ref is not None and ref.post_id not in embeds:
            embeds[ref.post_id] = Embed(platform=ref.platform, url=ref.url, native_id=ref.native_id,
                                        position=len(embeds), recovered_from=RECOVERED_FROM, relation="linked",
                                        found_by="a post URL in the page's raw text (the page was not parsed)")
    return list(embeds.values())
