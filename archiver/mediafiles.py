"""Media files on disk by content: <files dir>/media/ab/<sha256>.<ext>, one file per identical bytes.

Paths kept in the database are relative to the archive's files directory
(`<db stem>-files`), so an archive can be moved or published as a whole.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Optional

from datasette_embed_archive.storage import files_dir  # noqa: F401  (the layout the web face reads)


class MediaFiles:
    def __init__(self, root: Path):
        self.root = Path(root)  # the archive's files directory

    def relpath(self, sha256: str, ext: str) -> str:
        return f"media/{sha256[:2]}/{sha256}.{ext}"

    def path(self, relpath: str) -> Path:
        return self.root / relpath

    def put(self, data: bytes, ext: str, *, sha256: Optional[str] = None, same_bytes: Optional[Path] = None) -> tuple[str, str]:
        """Store data once; returns (sha256, relative path).

        same_bytes: a file already holding these bytes (the capture's body), hard-linked
        instead of written again when the file system allows.
        """
        sha256 = sha256 or hashlib.sha256(data).hexdigest()
        relpath = self.relpath(sha256, ext)
        final = self.path(relpath)
        if final.exists():
            return sha256, relpath
        final.parent.mkdir(parents=True, exist_ok=True)
        # A temporary name first, then an atomic rename: a killed download never
        # leaves a partial file under the final, content-addressed name.
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        try:
            if not _link(same_bytes, tmp):
                tmp.write_bytes(data)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return sha256, relpath


def _link(source: Optional[Path], target: Path) -> bool:
    if source is None or not source.is_file():
        return False
    try:
        target.unlink(missing_ok=True)
        os.link(source, target)
        return True
    except OSError:
        return False
