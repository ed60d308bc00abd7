"""Dates as pages and platforms write them, to ISO 8601 UTC."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Optional, Sequence

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
    moment = _mail_datetime(text)
    return iso_utc(moment) if moment is not None else None


def _mail_datetime(text: str) -> Optional[datetime]:
    """An RFC 2822 date ('Wed, 28 Oct 2020 22:22:49 GMT'); naive when it names no zone."""
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def parse_display_date(text: Optional[str], languages: Sequence[str] = ()) -> Optional[str]:
    """A date as a page or an embed shows it, in any language -> ISO 8601; unreadable -> None.

    'May 23, 2023', '23 mai 2023' and '23 мая 2023 г.' give '2023-05-23'; with a time of
    day ('23 мая 2023 г., 14:05') the time is kept, without a zone when none was written.
    `languages` (the page's, e.g. ['fr']) are tried first.
    """
    if not text or not isinstance(text, str):
        return None
    value = " ".join(text.split())
    for fmt in _DISPLAY_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return parse_iso(value) or _parse_mail_date(value) or _parse_any_language(value, tuple(languages))


def _parse_mail_date(value: str) -> Optional[str]:
    """'Wed, 28 Oct 2020 22:22:49 GMT', as HTTP headers and feeds write dates, read at once (dateparser
    takes milliseconds to say the same); only with its zone written, as dateparser would keep it."""
    moment = _mail_datetime(value)
    return iso_utc(moment) if moment is not None and moment.tzinfo is not None else None


# A written date names its year: without one ("vor 2 Stunden", "Mai") there is nothing to
# keep, and dateparser would spend a second trying every language to say so.
_HAS_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_MAX_CHARS = 80  # a date, not a paragraph


def _parse_any_language(value: str, languages: tuple) -> Optional[str]:
    if len(value) > _MAX_CHARS or not _HAS_YEAR.search(value):
        return None
    for hint in ((languages, None) if languages else (None,)):
        try:
            found = _date_parser(hint).get_date_data(value).date_obj
        except Exception:  # noqa: BLE001 - an unknown language or text dateparser trips on: not a date
            found = None
        if found is not None:
            break
    else:
        return None
    if found.tzinfo is not None:
        return iso_utc(found)
    if (found.hour, found.minute, found.second) == (0, 0, 0):
        return found.date().isoformat()
    return found.isoformat(timespec="seconds")


@lru_cache(maxsize=32)
def _date_parser(languages: Optional[tuple]):
    from dateparser.date import DateDataParser  # loaded on first use: most dates are ISO

    # Absolute dates only: "2 hours ago" says nothing once the page is saved.
    settings = {"PARSERS": ["absolute-time", "custom-formats"], "REQUIRE_PARTS": ["day", "month", "year"]}
    languages = [code.split("-")[0].lower() for code in languages or ()] or None
    return DateDataParser(languages=languages, settings=settings)


_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "": 86400}


def parse_age(text: str) -> timedelta:
    """'7d', '24h', '90m', '2w', '30s' (a bare number is days) -> timedelta; ValueError otherwise."""
    match = _AGE.match(text or "")
    if not match:
        raise ValueError(f"expected an age such as 7d, 24h, 90m or 2w, got {text!r}")
    return timedelta(seconds=float(match.group(1)) * _AGE_UNITS[match.group(2).lower()])
