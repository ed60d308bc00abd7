"""Where an archive keeps its files, as the collector writes them and the web face reads them.

Paths in the database are relative to the archive's files directory, `<db stem>-files`
beside the database file, so an archive (or a published bundle) can be moved as a whole.
"""
from __future__ import annotations

from pathlib import Path

THUMBNAIL_MIME = "image/webp"  # every thumbnail the collector makes


def files_dir(db_path) -> Path:
    """Where an archive keeps its files: beside the database, `<db stem>-files`."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + "-files")
