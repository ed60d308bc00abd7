"""Reading untrusted JSON: every field may be missing, null or of the wrong type."""
from __future__ import annotations


def dig(value, *keys):
    """value[k1][k2]... or None as soon as a level is not a dict."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def dicts(value) -> list:
    """The dict items of a list; anything else is an empty list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def text(value):
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


MAX_INTEGER = 2**63 - 1  # what SQLite stores; anything bigger is not a count or a size


def integer(value):
    """An int (or a string of digits) that SQLite can store, never a bool; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, int) and -MAX_INTEGER <= value <= MAX_INTEGER:
        return value
    return None
