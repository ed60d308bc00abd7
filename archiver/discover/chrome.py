"""The article and the site's chrome: footers, navigation, related content and "more
videos" lists are not the article, and a player there is not one of its embeds.

Boilerplate detection in the style of trafilatura, kept small. The article's text is
where most of the page's paragraphs sit: the element holding the most <p> elements (counted
as the walk meets them) is the text block, and everything above it contains the article.
An element among the paragraphs of the text block, or inside an <article> or <main>, is the
article's. Else it is chrome when, on its way up to the first element that contains the
text block, it passes a box the page marks as chrome (<footer>, <nav>, or a class or id
saying footer, related, recommended, most read...); and a player is, when the box it sits
in there holds three or more players and little text: a list of videos (an article's own
videos sit between its paragraphs).

Words on boxes above the text block do not count: a wrapper "with-footer" contains the
article itself. A sidebar is not ruled out as such: a video a site places beside one
article is often that article's.
"""
from __future__ import annotations

import re

from .element import ascii_lower

CHROME_TAGS = frozenset({"footer", "nav"})
CONTENT_TAGS = frozenset({"article", "main"})
# (in lower-cased class and id, not right after a letter)
CHROME_WORDS = ("footer", "related", "recommend", "most-read", "popular", "trending", "more-videos",
                "latest-videos", "video-list", "videolist")
_CHROME_WORDS = re.compile(r"(?<![a-z])(?:" + "|".join(map(re.escape, CHROME_WORDS)) + ")")
MIN_PARAGRAPHS = 3    # paragraphs in one element below which a page has no text block to speak of
MAX_LEVELS = 40       # ancestors looked at
LIST_PLAYERS = 3      # players in one box, with little text, that make a list of videos
LIST_TEXT = 200       # characters of text per player that such a box holds at most
_PLAYERS = "iframe, video, object, embed, lite-youtube"


class Layout:
    """One page's text block, found when first asked for (after the walk)."""

    def __init__(self, tree):
        self.tree = tree  # (keeps the nodes asked about alive)
        self._chain = None
        self._block = None  # the text block's mem_id
        self._counts: dict = {}
        self._parents: dict = {}

    def paragraph(self, node) -> None:
        """A <p> of the page, in document order (all are met before the first question)."""
        parent = node.parent
        if parent is not None:
            key = parent.mem_id
            self._counts[key] = self._counts.get(key, 0) + 1
            self._parents[key] = parent

    def text_chain(self) -> frozenset:
        """The mem_id of the text block and of each of its ancestors (empty: no text block)."""
        if self._chain is None:
            self._chain = self._find()
        return self._chain

    def _find(self) -> frozenset:
        counts = self._counts
        if not counts:
            return frozenset()
        key = max(counts, key=counts.get)
        if counts[key] < MIN_PARAGRAPHS:
            return frozenset()
        self._block = key
        chain = set()
        node = self._parents[key]
        while node is not None:
            chain.add(node.mem_id)
            node = node.parent
        return frozenset(chain)

    def in_chrome(self, node, *, player: bool = False) -> bool:
        """Whether an element of this page sits in the site's chrome (see the module's
        docstring); player: the element is a player, which a list of videos also rules out."""
        chain = self.text_chain()
        branch, parent, levels = node, node.parent, MAX_LEVELS
        while parent is not None and levels > 0:
            tag = parent.tag
            if tag in ("body", "html"):
                return False  # (a page's layout classes say "sidebar-right" there)
            if parent.mem_id in chain:
                if parent.mem_id == self._block:
                    return False  # among the article's paragraphs
                break
            if tag in CONTENT_TAGS:
                return False
            if tag in CHROME_TAGS:
                return True
            if tag and tag[0] != "-":
                attrs = parent.attributes
                words = (attrs.get("class") or "") + " " + (attrs.get("id") or "")
                if words != " " and _CHROME_WORDS.search(ascii_lower(words)):
                    return True
            branch, parent, levels = parent, parent.parent, levels - 1
        else:
            return False
        if player and chain and branch is not node:
            players = len(branch.css(_PLAYERS))
            if players >= LIST_PLAYERS and len(branch.text(deep=True, strip=True) or "") < LIST_TEXT * players:
                return True
        return False
