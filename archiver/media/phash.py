"""A 64-bit difference hash (dHash) and the Hamming distance between two of them.

dHash compares each pixel of a 9x8 grey thumbnail with its right neighbour, so
it survives re-encoding, resizing and small colour changes: the same photo
re-posted by another account lands within a few bits. Written on Pillow alone
because it is twenty lines and needs no numpy.
"""
from __future__ import annotations

from datasette_embed_archive.phash import distance  # noqa: F401  (the same comparison the web face runs)
from PIL import Image

HASH_BITS = 64
NEAR_DUPLICATE_BITS = 10  # at most this many differing bits counts as the same picture


def dhash(image: Image.Image) -> str:
    """16 hex digits. Give it any image; a small one (a thumbnail) is fastest."""
    grey = image.convert("L").resize((9, 8), Image.Resampling.BILINEAR)
    pixels = grey.tobytes()
    value = 0
    for row in range(8):
        offset = row * 9
        for col in range(8):
            value = (value << 1) | (pixels[offset + col] > pixels[offset + col + 1])
    return f"{value:016x}"
