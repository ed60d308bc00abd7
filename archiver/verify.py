"""Re-hash every stored body, media file and thumbnail against the database.

The archive is evidence: a file that is missing, or whose bytes no longer hash
to the SHA-256 the database recorded when it was fetched, is reported. So is
any annotation event beside it that was changed or removed (see eventlog.py).
"""
from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from . import annotations, eventlog
from .http import BodyStore
from .media.files import MediaFiles, files_dir


@dataclass
class Problem:
    what: str  # body, media, transcript, thumbnail
    sha256: str
    path: Path
    detail: str  # missing, or what it hashes to now

    def __str__(self) -> str:
        return f"{self.what} {self.sha256}: {self.detail} ({self.path})"


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list = field(default_factory=list)
    events_checked: int = 0
    log_problems: list = field(default_factory=list)  # what is wrong with the annotation log
    chain_head: Optional[tuple] = None  # (id, hash) of the last event checked

    @property
    def ok(self) -> bool:
        return not self.problems and not self.log_problems


def verify_archive(db_path) -> VerifyReport:
    if _published(Path(db_path)):
        return _verify_bundle(Path(db_path))
    report = VerifyReport()
    root = files_dir(db_path)
    bodies, media = BodyStore(root / "bodies"), MediaFiles(root)
    for what, sha, path in _expected(Path(db_path), bodies, media):
        report.checked += 1
        problem = _check(path, sha)
        if problem:
            report.problems.append(Problem(what, sha, path, problem))
    log = annotations.path_beside(db_path)
    if log.exists():
        conn = sqlite3.connect(f"file:{log}?mode=ro", uri=True)
        try:
            report.events_checked = conn.execute("select count(*) from events").fetchone()[0]
            report.log_problems = eventlog.check(conn)
            report.chain_head = eventlog.head(conn) if report.events_checked else None
        finally:
            conn.close()
    return report


def _published(db_path: Path) -> bool:
    """A bundle made by `archiver publish`: its database carries the log's chain instead of a log."""
    if not (db_path.with_name("MANIFEST").is_file() and db_path.is_file()):
        return False
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute("select 1 from sqlite_master where name = 'events_chain'").fetchone() is not None
    finally:
        conn.close()


def _verify_bundle(db_path: Path) -> VerifyReport:
    """Every file against the bundle's MANIFEST, and its public log against the chain (eventlog.check_bundle)."""
    from .publish import verify as altered_files

    report = VerifyReport()
    report.checked = len(db_path.with_name("MANIFEST").read_text(encoding="utf-8").splitlines())
    report.problems = [f"{name}: missing, or not what MANIFEST says" for name in altered_files(db_path.parent)]
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        report.events_checked, report.log_problems = eventlog.check_bundle(conn)
        head = conn.execute("select id, hash from events_chain order by id desc limit 1").fetchone()
        report.chain_head = tuple(head) if head else None
        report.log_problems += _derived_state_problems(conn)
    finally:
        conn.close()
    return report


def _derived_state_problems(conn: sqlite3.Connection) -> list[str]:
    """The bundle's public tags, notes, statuses and places must be what its public events make them:
    recomputed here with the same SQL as the live views, and compared both ways."""
    problems = []
    tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}
    for name in annotations.PUBLIC_VIEWS:
        if name not in tables:
            continue
        derived = annotations.VIEWS[name]
        differ = conn.execute(f"select exists (select * from ({derived}) except select * from {name}) "
                              f"or exists (select * from {name} except select * from ({derived}))").fetchone()[0]
        if differ:
            problems.append(f"{name} does not follow from public_events (changed after publishing)")
    return problems


def _expected(db_path: Path, bodies: BodyStore, media: MediaFiles) -> Iterator[tuple[str, str, Path]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}
        if "captures" in tables:  # a published bundle has none
            for (sha,) in conn.execute("select distinct sha256 from captures where sha256 is not null order by 1"):
                yield "body", sha, bodies.path_for(sha)
        if "media" not in tables:
            return
        for sha, path in conn.execute("select sha256, path from media order by 1"):
            if path:
                yield "media", sha, media.path(path)
        if "transcripts" in tables:  # subtitle files of videos, in the media store too
            for sha, path in conn.execute("select distinct sha256, path from transcripts where path is not null"):
                yield "transcript", sha, media.path(path)
        # Thumbnails are content-addressed too: their name is their hash.
        for (thumbnail,) in conn.execute("select distinct thumbnail_path from media where thumbnail_path is not null"):
            yield "thumbnail", Path(thumbnail).stem, media.path(thumbnail)
    finally:
        conn.close()


def _check(path: Path, sha: str) -> Optional[str]:
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    actual = digest.hexdigest()
    return None if actual == sha else f"altered: the file now hashes to {actual}"
