"""What a body is, from its first bytes, never from the Content-Type a server claimed.

A CDN, a consent wall or an attacker can answer an image URL with an HTML page
or an SVG (which is a script-capable document); the archive records what it got.
"""
from __future__ import annotations

# Types the archive will serve inline from its own origin (see web/media.py);
# everything else is evidence kept on disk, offered only as a download.
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
VIDEO_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}
AUDIO_TYPES = {"audio/mpeg": "mp3", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/wav": "wav", "audio/flac": "flac"}
INLINE_TYPES = {**IMAGE_TYPES, **VIDEO_TYPES, **AUDIO_TYPES}

# Pillow format name -> MIME type, for the formats we let Pillow open.
PILLOW_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def sniff(data: bytes) -> str:
    """The MIME type the bytes themselves show; application/octet-stream when unknown."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return {b"qt  ": "video/quicktime", b"M4A ": "audio/mp4"}.get(head[8:12], "video/mp4")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"  # an ID3 tag, or an MPEG audio frame header
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.lstrip().startswith(b"#EXTM3U"):
        return "application/vnd.apple.mpegurl"
    return _markup_type(data[:2048])


def _markup_type(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith(b"<"):
        return "application/octet-stream"
    if b"<svg" in text:
        return "image/svg+xml"
    if text.startswith((b"<?xml",)):
        return "application/xml"
    return "text/html"


def extension(mime: str) -> str:
    """File extension for a sniffed type; .bin for anything not served inline (HTML, SVG, unknown)."""
    return INLINE_TYPES.get(mime, "bin")


def is_image(mime: str) -> bool:
    return mime in IMAGE_TYPES


def is_video(mime: str) -> bool:
    return mime in VIDEO_TYPES


def is_audio(mime: str) -> bool:
    return mime in AUDIO_TYPES
