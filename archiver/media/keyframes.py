"""Keyframes at a video's scene changes, for finding re-uploads and cuts of the same footage.

ffmpeg decodes only the video's keyframes (fast, whatever the length), keeps the
first one and each one that differs from the one before by more than a scene
threshold, at most MAX_KEYFRAMES, scaled down, as PNG on a pipe. Each becomes a
small image with its dHash (see image.py), so near-duplicate search compares
them with every other picture in the archive.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

MAX_KEYFRAMES = 20
SCENE_THRESHOLD = 0.3  # ffmpeg's scene score, 0..1: how different from the previous kept frame
FRAME_WIDTH = 320
TIMEOUT = 300
_PNG_END = b"IEND\xaeB`\x82"
_PTS = re.compile(rb"pts_time:\s*([0-9.]+)")


def scene_keyframes(path: Path, limit: int = MAX_KEYFRAMES, threshold: float = SCENE_THRESHOLD
                    ) -> Optional[list[tuple[float, bytes]]]:
    """(seconds, PNG bytes) of up to `limit` keyframes at scene changes; None without ffmpeg or on failure."""
    tool = shutil.which("ffmpeg")
    if not tool:
        return None
    command = [tool, "-hide_banner", "-nostdin", "-v", "info", "-skip_frame", "nokey", "-i", f"file:{path}",
               "-map", "0:v:0", "-an", "-sn", "-dn",
               "-vf", f"select='eq(n\\,0)+gt(scene\\,{threshold})',scale={FRAME_WIDTH}:-2,showinfo",
               "-fps_mode", "vfr", "-frames:v", str(limit), "-f", "image2pipe", "-c:v", "png", "pipe:1"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT)
    except (subprocess.TimeoutExpired, OSError):
        return None
    if done.returncode != 0:
        return None
    frames = _split_png(done.stdout)
    times = [float(t) for t in _PTS.findall(done.stderr)]
    return [(round(times[i], 3) if i < len(times) else 0.0, frame) for i, frame in enumerate(frames[:limit])]


def _split_png(data: bytes) -> list[bytes]:
    frames, start = [], 0
    while True:
        end = data.find(_PNG_END, start)
        if end < 0:
            return frames
        frames.append(data[start:end + len(_PNG_END)])
        start = end + len(_PNG_END)
