"""Turn fetched bytes into text: the charset from the HTTP header, else the page's own
<meta>, else detection. A wrong or unknown declared charset falls through to the next."""
from __future__ import annotations

import codecs
import re
from typing import Optional

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)


def _codec(name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def charset_from_content_type(content_type: Optional[str]) -> Optional[str]:
    m = _HEADER_CHARSET.search(content_type or "")
    return m.group(1) if m else None


def decode_document(body: bytes, content_type: Optional[str] = None) -> tuple[str, str, Optional[str]]:
    """Return (text, encoding used, problem or None).

    The problem names a declared charset that was unknown or did not decode, so a
    caller can record it next to the page.
    """
    problem = None
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8", None
    for source, declared in (("header", charset_from_content_type(content_type)),
                             ("meta", _first_meta_charset(body))):
        if not declared:
            continue
        codec = _codec(declared)
        if codec is None:
            problem = f"unknown charset {declared!r} declared in {source}"
            continue
        # A page declared ISO-8859-1 is really windows-1252 (as browsers read it).
        if codec == "latin_1":
            codec = "cp1252"
        try:
            return body.decode(codec), codec, problem
        except UnicodeDecodeError:
            problem = f"charset {declared!r} declared in {source} does not decode the body"
    try:
        return body.decode("utf-8"), "utf-8", problem
    except UnicodeDecodeError:
        pass
    codec = _detect(body[:200_000])
    return body.decode(codec, "replace"), codec, problem


# Among equally plausible guesses, the encodings web pages most often use win.
_WEB_PREFERENCE = ("cp1252", "cp1251", "gb18030", "shift_jis", "euc_kr", "big5", "cp1250", "iso8859_15")


def _detect(sample: bytes) -> str:
    matches = list(from_bytes(sample))
    if not matches:
        return "cp1252"
    best = matches[0]
    tied = {m.encoding for m in matches if m.chaos == best.chaos and m.coherence == best.coherence}
    for preferred in _WEB_PREFERENCE:
        if preferred in tied:
            return preferred
    return best.encoding


def _first_meta_charset(body: bytes) -> Optional[str]:
    m = _META_CHARSET.search(body[:8192])
    return m.group(1).decode("ascii", "replace") if m else None
