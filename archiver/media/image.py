"""Describe image bytes with Pillow: is it really an image, how big, where and when, what it looks like.

One decode serves every fact (dimensions, EXIF, the thumbnail and from it the
perceptual hash), so describing an image costs about what Pillow's own decode
and thumbnail cost. Bad bytes give a status and an error, never an exception.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Optional

from datasette_embed_archive.mediatype import PILLOW_FORMATS, sniff
from PIL import Image, ImageOps, UnidentifiedImageError

from .exif import read_exif
from .phash import dhash

THUMBNAIL_SIZE = 400
# Pillow's own limit (about 89 megapixels, a 9,500 px square) as an error rather
# than the warning Pillow gives below twice the limit.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485


@dataclass
class ImageInfo:
    status: str  # ok, or invalid (with error)
    mime: str  # from the bytes
    error: Optional[str] = None
    format: Optional[str] = None
    width: Optional[int] = None
    height: Optional[int] = None
    exif: dict = field(default_factory=dict)
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    taken_at: Optional[str] = None
    phash: Optional[str] = None
    thumbnail: Optional[bytes] = None  # WebP (datasette_embed_archive.storage.THUMBNAIL_MIME)


def describe_image(data: bytes) -> ImageInfo:
    """Verify and describe image bytes; status 'invalid' says why when they are not a whole image."""
    mime = sniff(data)
    if not data:
        return ImageInfo("invalid", mime, "empty file (0 bytes)")
    if mime not in PILLOW_FORMATS.values():
        return ImageInfo("invalid", mime, f"not an image: the bytes are {mime}")
    info = ImageInfo("ok", mime)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(PILLOW_FORMATS)) as image:
                _describe(image, info)
        # Damaged but readable metadata: Pillow warns and goes on; the row keeps the warning.
        for warning in caught:
            info.exif.setdefault("problems", []).append(f"Pillow: {str(warning.message).strip()}"[:300])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return _invalid(info, f"decompression bomb refused ({exc})")
    except UnidentifiedImageError:
        return _invalid(info, f"corrupt image: Pillow cannot read these {mime} bytes")
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError) as exc:
        # Pillow signals truncated and corrupt data with these.
        detail = str(exc) or exc.__class__.__name__
        kind = "truncated" if "truncated" in detail.lower() or isinstance(exc, EOFError) else "corrupt"
        return _invalid(info, f"{kind} image: {detail}"[:300])
    return info


def _describe(image: Image.Image, info: ImageInfo) -> None:
    info.format = image.format
    info.mime = PILLOW_FORMATS.get(image.format, info.mime)
    info.width, info.height = image.size
    if info.width * info.height > MAX_PIXELS:
        raise Image.DecompressionBombError(f"{info.width}x{info.height} is over {MAX_PIXELS} pixels")
    facts = read_exif(image)
    info.exif, info.latitude, info.longitude, info.taken_at = facts.exif, facts.latitude, facts.longitude, facts.taken_at
    # thumbnail() decodes the whole stream (at a reduced scale for JPEG), so a truncated
    # or corrupt file fails here; that decode is the verification.
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    thumb = ImageOps.exif_transpose(image) if info.exif.get("orientation", 1) != 1 else image
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert("RGBA" if "A" in thumb.getbands() or "transparency" in thumb.info else "RGB")
    info.phash = dhash(thumb)
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=80, method=0)
    info.thumbnail = out.getvalue()


def _invalid(info: ImageInfo, error: str) -> ImageInfo:
    info.status, info.error, info.thumbnail, info.phash = "invalid", error, None, None
    return info


def thumbnail_of(data: bytes) -> Optional[bytes]:
    """A thumbnail of any image bytes (e.g. a video frame), or None."""
    info = describe_image(data)
    return info.thumbnail if info.status == "ok" else None
