"""Subtitles and automatic captions: kept as files, read as text for full-text search.

Each subtitle file yt-dlp wrote is stored in the media store by its SHA-256 and
listed in `transcripts` (post, language, kind: subtitles or automatic); its
text, without timings and markup and with the rolling repeats of automatic
captions folded, goes into `posts.transcript`, which the posts' full-text
index covers.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..http import utc_now
from ..store import latin_for

MAX_FILE = 20 * 1024 * 1024  # a subtitle file bigger than this is not a subtitle file
_TIMING = re.compile(r"^\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{3}\s+-->\s+")
_TAG = re.compile(r"<[^>]{0,200}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HEADER = re.compile(r"^(?:WEBVTT|Kind:|Language:|NOTE\b|STYLE\b|REGION\b)")


def subtitle_text(data: bytes) -> str:
    """The words of a WebVTT, SRT or TTML file (or YouTube's json3), one cue per line, repeated lines once."""
    text = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)  # NUL and other control characters have no place in searchable text
    if text.lstrip().startswith("{"):
        text = _json3_text(text)
    elif text.lstrip().startswith("<"):  # TTML and YouTube's srv formats: one cue per element
        text = re.sub(r"<(?:p|text|br)\b[^>]{0,500}>", "\n", text)
    lines, skipping = [], False
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            skipping = False
            continue
        if skipping or _HEADER.match(line):
            skipping = line.startswith(("NOTE", "STYLE", "REGION"))
            continue
        if _TIMING.match(line) or line.isdigit():
            continue
        words = re.sub(r"\s+", " ", _TAG.sub("", line)).strip()
        words = words.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ")
        if words and (not lines or lines[-1] != words):
            lines.append(words)
    return "\n".join(lines)


def _json3_text(text: str) -> str:
    import json

    try:
        events = json.loads(text).get("events") or []
    except (ValueError, AttributeError):
        return ""
    lines = []
    for event in events if isinstance(events, list) else []:
        segs = event.get("segs") if isinstance(event, dict) else None
        if isinstance(segs, list):
            lines.append("".join(s.get("utf8", "") for s in segs if isinstance(s, dict) and isinstance(s.get("utf8"), str)))
    return "\n".join(lines)


def store_transcripts(db, files, post_id: str, subtitles: list) -> None:
    """subtitles: (lang, kind, ext, path) as yt-dlp wrote them."""
    texts = []
    for lang, kind, ext, path in subtitles:
        path = Path(path)
        if path.stat().st_size > MAX_FILE:
            continue
        data = path.read_bytes()
        sha, relpath = files.put(data, (ext or "vtt").lower()[:8] if (ext or "").isalnum() else "vtt")
        text = subtitle_text(data)
        with db.conn:
            db.execute("delete from transcripts where post_id = ? and lang = ? and kind = ?", [post_id, lang, kind])
            db["transcripts"].insert({"post_id": post_id, "lang": lang, "kind": kind, "format": ext,
                                      "sha256": sha, "path": relpath, "text": text, "captured_at": utc_now()})
        texts.append(text)
    if texts:
        rows = db.execute("select lang, kind, text from transcripts where post_id = ? order by kind desc, lang",
                          [post_id]).fetchall()
        transcript = "\n\n".join(r[2] for r in rows if r[2])
        post = db.execute("select text, author_name from posts where id = ?", [post_id]).fetchone() or (None, None)
        with db.conn:
            db["posts"].update(post_id, {"transcript": transcript, "latin": latin_for(*post, transcript)})
