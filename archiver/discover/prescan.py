"""A linear look at the raw HTML, before lexbor parses it, for markup whose parse cost
grows far faster than its size.

lexbor checks each new attribute of an element against the ones it already has, and
each block start tag (div, section, ul...) against the open elements above it, so one
element with 100,000 attributes (868 KB) takes 40 s to parse, 200,000 nested divs
(2 MB) nearly five minutes. Saved news pages have at most 70 attributes on one element
and elements nested 32 deep; the bounds here are far above that, where lexbor still
parses in milliseconds. Markup that slips past this look (odd letter case, quoted '>'
inside a huge tag) is still stopped by discovery's CPU budget (see budget.py).
"""
from __future__ import annotations

import re
from itertools import accumulate
from operator import sub
from typing import Optional

MAX_ATTRIBUTES = 1_000  # on one element
MAX_NESTING = 2_000     # block elements open inside one another

# Start tags that make lexbor walk its stack of open elements (those that close a <p>).
_BLOCKS = ("div|section|article|aside|nav|header|footer|main|ul|ol|dl|table|blockquote|form|fieldset|"
           "figure|figcaption|details|summary|h[1-6]|pre|center|address|menu|dir|hgroup|search|dialog|listing")
_BLOCK_TAG = re.compile(r"<(/?)(?:%s)(?![\w-])" % _BLOCKS)
_STEP = {"": 1, "/": -1}

# A tag long enough to hold MAX_ATTRIBUTES attributes (each takes at least a separator and a
# name character). Scanning stops at the next '<' or '>', so each character is read once.
_LONG_TAG = re.compile(r"<[a-zA-Z][^<>]{%d}" % (2 * MAX_ATTRIBUTES))
# Attributes as the HTML tokenizer splits them (quoted values may hold spaces and '>').
_ATTRIBUTE = r"""[\s/]+[^\s/<>="'][^\s/<>=]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s<>"']*))?"""
_TOO_MANY_ATTRIBUTES = re.compile(r"<[a-zA-Z][^\s/<>]*(?:%s){%d}" % (_ATTRIBUTE, MAX_ATTRIBUTES + 1))


def refusal(text: str) -> Optional[str]:
    """Why this markup is not handed to the parser, or None when it may be."""
    for candidate in _LONG_TAG.finditer(text):
        if _TOO_MANY_ATTRIBUTES.match(text, candidate.start()):
            return f"an element with more than {MAX_ATTRIBUTES} attributes"
    # Nesting cannot exceed the number of tags; most pages stop here.
    if text.count("<") > MAX_NESTING and block_nesting(text) > MAX_NESTING:
        return f"block elements nested more than {MAX_NESTING} deep"
    return None


def block_nesting(text: str) -> int:
    """How deep block start tags nest, counting end tags as closing (stray ones close nothing)."""
    depths = list(accumulate(map(_STEP.__getitem__, _BLOCK_TAG.findall(text)), initial=0))
    # depth below the lowest point reached so far: stray end tags do not dig below zero
    return max(map(sub, depths, accumulate(depths, min)))
