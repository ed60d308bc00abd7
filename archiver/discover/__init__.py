"""Find the posts a page embeds, including those hidden behind consent placeholders.

Entry point: discover_document(text, base_url, linked=False) -> Discovery.
"""
from __future__ import annotations

from .document import discover_document

__all__ = ["discover_document"]
