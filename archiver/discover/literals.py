"""Finding any of a few literal strings in a text, in one pass.

Discovery asks of every script, attribute value and state string whether it names a
platform: a dozen or two literals each time. A substring test per literal reads the text
once per literal; an Aho-Corasick automaton (ahocorasick_rs) reads it once, several times
faster on a page's scripts. Long texts are read in windows, so that a hostile text made of
one literal repeated yields a bounded list of hits at a time.

Matches are leftmost-first and do not overlap (the fastest way to search): an occurrence that
starts inside another's match is not reported. Among the platform words searched, that happens
only in run-together words ("tweet.me", "bskyoutu"), never in a URL or key that names a post.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, MatchKind

WINDOW = 1 << 14  # characters (or bytes) read at a time


class Literals:
    def __init__(self, literals: Iterable[str]):
        self.literals = tuple(literals)
        self._find_text = AhoCorasick(list(self.literals), matchkind=MatchKind.LeftmostFirst).find_matches_as_indexes
        self._find_bytes = BytesAhoCorasick([literal.encode() for literal in self.literals],
                                            matchkind=MatchKind.LeftmostFirst).find_matches_as_indexes
        # (a literal across two windows is found in the first)
        self._overlap = max(len(literal.encode()) for literal in self.literals) - 1

    def any_in(self, text: str) -> bool:
        """Whether the text holds any of the literals."""
        find, overlap = self._find_text, self._overlap
        if len(text) <= WINDOW + overlap:
            return bool(find(text))
        for offset in range(0, len(text), WINDOW):
            if find(text[offset:offset + WINDOW + overlap]):
                return True
        return False

    def hits(self, data: bytes, start: int = 0) -> Iterator[tuple[int, int]]:
        """(which literal, where it starts) for each occurrence in a text's UTF-8 bytes from start
        on, window by window (bytes are searched faster than the text itself)."""
        find, overlap, view = self._find_bytes, self._overlap, memoryview(data)
        for offset in range(start, len(data), WINDOW):
            for k, at, _ in find(view[offset:offset + WINDOW + overlap]):
                if at < WINDOW:  # (one starting in the overlap is the next window's)
                    yield k, offset + at
