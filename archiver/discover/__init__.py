"""Find the posts a page embeds, including those hidden behind consent placeholders.

Entry point: discover_document(text, base_url) -> Discovery.
"""
from __future__ import annotations

from typing import Optional

from ..models import Discovery


def discover_document(text: str, base_url: Optional[str] = None, *, linked: bool = False) -> Discovery:
    raise NotImplementedError("discovery is being written")
