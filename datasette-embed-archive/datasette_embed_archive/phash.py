"""Comparing 64-bit perceptual hashes (the collector computes them; see archiver.media.phash)."""
from __future__ import annotations

from typing import Optional


def distance(a: Optional[str], b: Optional[str]) -> Optional[int]:
    """Differing bits between two hashes; None when either is missing or not a hash."""
    if not a or not b:
        return None
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except (TypeError, ValueError):
        return None
