"""Finding any of a few literal strings in a text, in one pass.

Discovery asks of every script, attribute value and state string whether it names a
platform: a dozen or two literals each time. A substring test per literal reads the text
once per literal; an Aho-Corasick automaton (ahocorasick_rs) reads it once, about twice
as fast on a page's scripts. Long texts are read in windows, so that a hostile text made
of one literal repeated yields a bounded list of hits at a time.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from ahocorasick_rs import AhoCorasick

WINDOW = 1 << 14  # characters read at a time


class Literals:
    def __init__(self, literals: Iterable[str]):
        self.literals = tuple(literals)
        self._find = AhoCorasick(list(self.literals)).find_matches_as_indexes
        self._overlap = max(map(len, self.literals)) - 1  # (a literal across two windows is found in the first)

    def any_in(self, text: str) -> bool:
        """Whether the text holds any of the literals."""
        find, overlap = self._find, self._overlap
        if len(text) <= WINDOW + overlap:
            return bool(find(text))
        for offset in range(0, len(text), WINDOW):
            if find(text[offset:offset + WINDOW + overlap]):
                return True
        return False

    def hits(self, text: str, start: int = 0) -> Iterator[tuple[int, int]]:
        """(which literal, where it starts) for each occurrence from start on, overlapping ones
        too, window by window."""
        find, overlap = self._find, self._overlap
        for offset in range(start, len(text), WINDOW):
            for k, at, _ in find(text[offset:offset + WINDOW + overlap], overlapping=True):
                if at < WINDOW:  # (one starting in the overlap is the next window's)
                    yield k, offset + at
