"""Names across scripts: Latin spellings of Cyrillic words, so "Kozinka" finds "Козинка" and back.

Posts keep a Latin shadow of their Cyrillic words (archiver writes it beside the
text, in the full-text index), and a search typed in Cyrillic also looks for
its Latin spellings. One name has several Latin spellings: Russian-style
(anyascii: Козинка -> Kozinka, Белгород -> Belgorod) and Ukrainian or
Belarusian ones (cyrtranslit: Козинка -> Kozynka, Белгород -> Belhorod); each is kept.
"""
from __future__ import annotations

import re

from anyascii import anyascii
import cyrtranslit

CYRILLIC = re.compile(r"[\u0400-\u052f]")
WORD = re.compile(r"\w+")
SCHEMES = ("ua", "by")  # cyrtranslit's language codes, beside anyascii's general spelling
MAX_WORDS = 2_000  # a shadow for the searchable part of a very long text is enough


def spellings(word: str) -> list[str]:
    """The Latin spellings of one word, most usual first, without repeats."""
    found = [anyascii(word), *(cyrtranslit.to_latin(word, scheme) for scheme in SCHEMES)]
    unique = []
    for spelling in found:
        spelling = spelling.replace("'", "")  # soft signs: "Gudz'" is typed "Gudz"
        if spelling and spelling != word and spelling not in unique and not CYRILLIC.search(spelling):
            unique.append(spelling)
    return unique


def latin_shadow(*texts) -> str | None:
    """Every Latin spelling of the Cyrillic words in texts, space-separated; None when there are none."""
    seen, out = set(), []
    for text in texts:
        # Words first, then the Cyrillic among them: one pass, linear in the text.
        for word in [w for w in WORD.findall(text or "") if CYRILLIC.search(w)][:MAX_WORDS]:
            key = word.lower()
            if key in seen:
                continue
            seen.add(key)
            out.extend(spellings(word))
    return " ".join(out) or None


def query_spellings(words: str) -> list[str]:
    """A query typed in Cyrillic, spelt in Latin each usual way (empty when it has no Cyrillic)."""
    if not CYRILLIC.search(words or ""):
        return []
    variants = [anyascii(words), *(cyrtranslit.to_latin(words, scheme) for scheme in SCHEMES)]
    unique = []
    for variant in (v.replace("'", "") for v in variants):
        if variant and variant != words and variant not in unique and not CYRILLIC.search(variant):
            unique.append(variant)
    return unique
