"""Dates as pages and platforms write them, to ISO 8601 UTC."""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Optional

_DISPLAY_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")


def iso_utc(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: Optional[str]) -> Optional[str]:
    """An ISO 8601 timestamp (with Z or offset) normalised to UTC; None if unreadable."""
    if not text or not isinstance(text, str):
        return None
    value = text.strip()
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None and len(value) <= 10:
        return dt.date().isoformat()  # a bare date stays a date
    return iso_utc(dt)


def parse_rfc2822(text: Optional[str]) -> Optional[str]:
    """'Tue May 23 08:12:00 +0000 2023' (Twitter's REST format) or an RFC 2822 date."""
    if not text:
        return None
    try:
        return iso_utc(datetime.strptime(text.strip(), "%a %b %d %H:%M:%S %z %Y"))
    except ValueError:
        pass
    try:
        return iso_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def parse_display_date(text: Optional[str]) -> Optional[str]:
    """'May 23, 2023' as an embed shows it -> '2023-05-23'; anything else -> None."""
    if not text:
        return None
    value = " ".join(text.split())
    for fmt in _DISPLAY_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return parse_iso(value)
