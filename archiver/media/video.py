"""Describe a video (or audio) file with ffprobe (Debian's ffmpeg package), when it is installed.

Without ffprobe the file is still kept and its type known from its bytes;
only the duration and the check that it decodes are missing, and the row says so.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

PROBE_TIMEOUT = 60


@dataclass
class VideoInfo:
    status: str  # ok, unverified (no ffprobe), invalid
    error: Optional[str] = None
    format: Optional[str] = None
    width: Optional[int] = None
    height: Optional[int] = None
    duration: Optional[float] = None


def ffprobe_path() -> Optional[str]:
    return shutil.which("ffprobe")


def probe_video(path: Path, stream: str = "video") -> VideoInfo:
    """stream: the kind of stream the file must have, video or audio."""
    tool = ffprobe_path()
    if not tool:
        return VideoInfo("unverified", "ffprobe is not installed: duration unknown, decoding not checked")
    try:
        done = subprocess.run([tool, "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                               str(path)], capture_output=True, timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return VideoInfo("invalid", f"ffprobe gave no answer within {PROBE_TIMEOUT} s")
    except OSError as exc:
        return VideoInfo("unverified", f"ffprobe could not run: {exc}")
    try:
        data = json.loads(done.stdout or b"{}")
    except ValueError:
        data = {}
    streams = [s for s in data.get("streams") or [] if s.get("codec_type") == stream]
    if done.returncode != 0 or not streams:
        reason = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        return VideoInfo("invalid", f"not a playable {stream}: " + (reason[-1] if reason else f"no {stream} stream")[:300])
    stream, fmt = streams[0], data.get("format") or {}
    return VideoInfo("ok", format=fmt.get("format_name"), width=_int(stream.get("width")),
                     height=_int(stream.get("height")),
                     duration=_float(fmt.get("duration")) or _float(stream.get("duration")))


def first_frame(path: Path) -> Optional[bytes]:
    """A PNG of the video's first frame, to stand in for a missing poster; None without ffmpeg."""
    tool = shutil.which("ffmpeg")
    if not tool:
        return None
    try:
        done = subprocess.run([tool, "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "image2pipe",
                               "-c:v", "png", "pipe:1"], capture_output=True, timeout=PROBE_TIMEOUT)
    except (subprocess.TimeoutExpired, OSError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def _int(value) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number, 3) if number >= 0 else None
