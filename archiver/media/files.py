"""Media files on disk by content: <files dir>/media/ab/<sha256>.<ext>, one file per identical bytes.

Paths kept in the database are relative to the archive's files directory
(`<db stem>-files`), so an archive can be moved or published as a whole.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Optional

from datasette_embed_archive.storage import files_dir  # noqa: F401  (the layout the web face reads)

from ..http import temporary_name, write_atomically, written_in_full


class MediaFiles:
    """Every file goes under a temporary name first, then an atomic rename: a killed
    download never leaves a partial file under its final, content-addressed name, and
    a full disk raises DiskFull with the temporary file removed."""

    def __init__(self, root: Path, opener=None):
        self.root = Path(root)  # the archive's files directory
        self.opener = opener  # passed to open() for every file written

    def relpath(self, sha256: str, ext: str) -> str:
        return f"media/{sha256[:2]}/{sha256}.{ext}"

    def path(self, relpath: str) -> Path:
        return self.root / relpath

    def put(self, data: bytes, ext: str, *, sha256: Optional[str] = None) -> tuple[str, str]:
        """Store bytes once (a thumbnail); returns (sha256, relative path)."""
        sha256 = sha256 or hashlib.sha256(data).hexdigest()
        relpath = self.relpath(sha256, ext)
        if not self.path(relpath).exists():
            write_atomically(self.path(relpath), data, relpath, self.opener)
        return sha256, relpath

    def put_file(self, source: Path, ext: str, sha256: str) -> str:
        """Store the file `source` (a downloaded body, whose SHA-256 is known) once; returns
        its relative path. Hard-linked when the file system allows, else copied in chunks."""
        relpath = self.relpath(sha256, ext)
        final = self.path(relpath)
        if final.exists():
            return relpath
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_name(final)
        with written_in_full(tmp, relpath):
            if not _link(source, tmp):
                with open(source, "rb") as src, open(tmp, "xb", opener=self.opener) as out:
                    shutil.copyfileobj(src, out, 1024 * 1024)
            os.replace(tmp, final)
        return relpath


def _link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
        return True
    except OSError:
        return False
