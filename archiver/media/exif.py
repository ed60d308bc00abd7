"""The EXIF facts worth keeping as evidence: camera, time taken, place.

EXIF comes from whoever made or edited the file, so every value is checked:
a zero denominator, a latitude of 300 degrees or a date in the year 0 is noted
in `problems` and left out of the columns, never trusted and never a crash.
"""
from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from PIL import Image

# Tag numbers from the EXIF 2.32 specification.
MAKE, MODEL, SOFTWARE, ORIENTATION, DATETIME = 0x010F, 0x0110, 0x0131, 0x0112, 0x0132
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x9003, 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_ALT_REF, GPS_ALT = 1, 2, 3, 4, 5, 6

MAX_TEXT = 200
EARLIEST_YEAR = 1826  # the oldest surviving photograph; anything before is a broken clock
_EXIF_DATE = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass
class ExifFacts:
    exif: dict = field(default_factory=dict)  # what is kept in media.exif (JSON)
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    taken_at: Optional[str] = None
    problems: list = field(default_factory=list)


def read_exif(image: Image.Image) -> ExifFacts:
    # Pillow reports a damaged EXIF block with a warning and reads what it can; keep the warning.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        facts = _read(image)
    for warning in caught:
        facts.problems.append(f"EXIF: {str(warning.message).strip()}"[:MAX_TEXT])
    if facts.problems:
        facts.exif["problems"] = facts.problems
    return facts


def _read(image: Image.Image) -> ExifFacts:
    facts = ExifFacts()
    try:
        exif = image.getexif()
    except Exception as exc:  # Pillow raises many types on broken EXIF blocks
        facts.problems.append(f"unreadable EXIF ({exc.__class__.__name__})")
        return facts
    if not exif:
        return facts
    for tag, name in ((MAKE, "make"), (MODEL, "model"), (SOFTWARE, "software")):
        value = _text(exif.get(tag))
        if value:
            facts.exif[name] = value
    orientation = exif.get(ORIENTATION)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        facts.exif["orientation"] = orientation
    sub = _ifd(exif, EXIF_IFD, facts)
    original = _text(sub.get(DATETIME_ORIGINAL)) or None
    offset = _text(sub.get(OFFSET_TIME_ORIGINAL)) or None
    if original:
        facts.exif["datetime_original"] = original
        if offset:
            facts.exif["offset_time_original"] = offset
        facts.taken_at = _taken_at(original, offset, facts.problems)
    elif _text(exif.get(DATETIME)):
        facts.exif["datetime"] = _text(exif.get(DATETIME))  # when the file was last written, not taken
    gps = _ifd(exif, GPS_IFD, facts)
    if gps:
        _read_gps(gps, facts)
    return facts


def _ifd(exif, tag: int, facts: ExifFacts) -> dict:
    try:
        return dict(exif.get_ifd(tag))
    except Exception as exc:
        facts.problems.append(f"unreadable EXIF block {tag:#x} ({exc.__class__.__name__})")
        return {}


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:MAX_TEXT]


def _taken_at(original: str, offset: Optional[str], problems: list) -> Optional[str]:
    """ISO 8601; in UTC when the camera recorded its offset, else the camera's local time without a zone."""
    m = _EXIF_DATE.match(original)
    if not m:
        problems.append(f"DateTimeOriginal is not an EXIF date: {original!r}")
        return None
    try:
        when = datetime(*map(int, m.groups()))
    except ValueError:
        problems.append(f"DateTimeOriginal is not a real date: {original!r}")
        return None
    if not EARLIEST_YEAR <= when.year <= datetime.now(timezone.utc).year + 1:
        problems.append(f"DateTimeOriginal is out of range: {original!r}")
        return None
    o = _OFFSET.match(offset or "")
    if not o:
        return when.isoformat()
    delta = timedelta(hours=int(o.group(2)), minutes=int(o.group(3)))
    utc = when - delta if o.group(1) == "+" else when + delta
    return utc.isoformat() + "Z"


def _read_gps(gps: dict, facts: ExifFacts) -> None:
    lat = _degrees(gps.get(GPS_LAT), gps.get(GPS_LAT_REF), "NS", 90, "latitude", facts.problems)
    lon = _degrees(gps.get(GPS_LON), gps.get(GPS_LON_REF), "EW", 180, "longitude", facts.problems)
    if lat is not None and lon is not None:
        facts.latitude, facts.longitude = lat, lon
        facts.exif["gps"] = {"latitude": lat, "longitude": lon}
        altitude = _number(gps.get(GPS_ALT))
        if altitude is not None and abs(altitude) < 100_000:
            below = gps.get(GPS_ALT_REF) in (1, b"\x01")
            facts.exif["gps"]["altitude"] = round(-altitude if below else altitude, 2)
    elif lat is not None or lon is not None:
        facts.problems.append("GPS position has only one of latitude and longitude")


def _degrees(value, ref, refs: str, limit: int, name: str, problems: list) -> Optional[float]:
    if value is None:
        return None
    parts = value if isinstance(value, (tuple, list)) else (value,)
    numbers = [_number(p) for p in parts[:3]]
    if not numbers or any(n is None or n < 0 for n in numbers):
        problems.append(f"GPS {name} is not a number: {value!r}"[:MAX_TEXT])
        return None
    degrees = sum(n / 60 ** i for i, n in enumerate(numbers))
    ref = _text(ref).upper()[:1]
    if ref and ref not in refs:
        problems.append(f"GPS {name} reference is {ref!r}, not one of {refs}")
        return None
    if ref == refs[1]:
        degrees = -degrees
    if not -limit <= degrees <= limit:
        problems.append(f"GPS {name} out of range: {degrees}")
        return None
    return round(degrees, 7)


def _number(value) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None
