"""Archives collected on several machines, brought into one (`archiver merge`).

Each source archive is read in one snapshot and merged in one transaction on the
target: a source that is not an archive, is damaged, or fails halfway leaves the
target as it was. Rows are matched by their natural keys (a page by its URL, a
post by its id, an embed by page, post, position and relation, a capture or a
post version by its whole content); new rows get the target's own integer ids,
and every column holding another row's id is rewritten to the target's id. A row
both archives have is combined the same way whichever is merged first: the
earliest first_*_at, the latest last_*_at, and the values of the better row (the
more recent, resolved capture), the other filling what it lacks. So merging the
same source again changes nothing, and A then B gives the content B then A gives.

Files are content-addressed: what the target lacks is copied, and kept only when
its bytes hash to the name it is kept under. Annotations (annotations.db) are not
merged: workers do not annotate.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

from .http import BodyStore, temporary_name, written_in_full
from .media.files import MediaFiles, files_dir
from .store import SCHEMA_VERSION, TABLES, Store, latin_for
from .sourcequeue import SourceQueue


class MergeError(Exception):
    """An archive that cannot be merged (or merged into), with why."""


# -- how each table is merged -------------------------------------------------

@dataclass(frozen=True)
class Keyed:
    """Rows with a natural key: a row both archives have is combined into one."""
    table: str
    key: tuple
    refs: dict = field(default_factory=dict)  # column -> table whose integer ids it holds
    rank: Callable[[dict], tuple] = lambda row: ()  # the better of two rows ranks higher
    earliest: tuple = ()
    latest: tuple = ()
    largest: tuple = ()
    own: tuple = ()  # taken from the better row even when empty there (a state and its reason go together)
    fix: Optional[Callable[[dict, dict, dict], None]] = None  # (merged, better, other): the table's own rule


@dataclass(frozen=True)
class Logged:
    """Rows without a key (each an event): a row is already there when all its values are, ids remapped.
    Identical rows are matched one to one, so two identical events stay two."""
    table: str
    narrow_by: str  # a column every match shares, indexed in the tables that grow large
    refs: dict = field(default_factory=dict)


def _rank_by(*columns):
    return lambda row: tuple(row.get(c) or "" for c in columns)


POST_KEPT_WHEN_GONE = ("text", "text_source", "author_handle", "author_name", "account_id", "created_at")
PAGE_KEPT_WHEN_FAILED = ("final_url", "title", "site_name", "lang", "published_at", "canonical_url", "problems",
                         "capture_id")
AVATAR = ("avatar_sha256", "avatar_source_url", "avatar_status", "avatar_error")


def _fix_post(merged, better, other):
    # As collect does: a capture that found the post gone keeps the text an earlier one read.
    if better.get("status") != "ok":
        for column in POST_KEPT_WHEN_GONE:
            if other.get(column) is not None:
                merged[column] = other[column]
    merged["latin"] = latin_for(merged.get("text"), merged.get("author_name"), merged.get("transcript"))


def _fix_page(merged, better, other):
    # As collect does: a failed fetch keeps what an earlier one found on the page.
    if better.get("status") == "error" and other.get("status") != "error":
        for column in PAGE_KEPT_WHEN_FAILED:
            if other.get(column) is not None:
                merged[column] = other[column]


def _fix_account(merged, better, other):
    # An avatar's file, status and error belong together: the row that saved one gives all four.
    source = other if (other.get("avatar_status") == "done") > (better.get("avatar_status") == "done") else better
    merged.update({column: source.get(column) for column in AVATAR})


def _fix_media(merged, better, other):
    # The capture that first brought these bytes, as the media collector keeps it.
    first = min((better, other), key=lambda row: (row.get("first_captured_at") is None, row.get("first_captured_at")))
    merged["capture_id"] = first.get("capture_id")


CAPTURE = {"capture_id": "captures"}
STATE_ORDER = {"done": 2, "failed": 1}
MEDIA_ORDER = {"done": 2, "partial": 1}

# In the order they are merged: a row's references are merged before it.
RULES = [
    Logged("captures", "url"),
    Keyed("pages", ("url",), refs=CAPTURE, rank=_rank_by("last_captured_at"), earliest=("first_captured_at",),
          latest=("last_captured_at",), own=("status", "error"), fix=_fix_page),
    Keyed("accounts", ("id",), rank=_rank_by("last_captured_at"), earliest=("first_captured_at",),
          latest=("last_captured_at",), fix=_fix_account),
    Keyed("posts", ("id",), refs={**CAPTURE, "video_info_capture_id": "captures"},
          rank=lambda row: (row.get("status") != "unresolved", row.get("last_captured_at") or ""),
          earliest=("first_captured_at",), latest=("last_captured_at", "last_attempt_at"),
          own=("status", "status_detail"), fix=_fix_post),
    Keyed("embeds", ("page_id", "post_id", "position", "relation"), refs={"page_id": "pages"},
          rank=_rank_by("last_seen_at"), earliest=("first_seen_at",), latest=("last_seen_at",)),
    Keyed("placeholders", ("page_id", "blocked_by", "detail"), refs={"page_id": "pages"},
          rank=_rank_by("last_seen_at"), earliest=("first_seen_at",), latest=("last_seen_at",)),
    Keyed("media", ("sha256",), refs=CAPTURE, rank=lambda row: (row.get("status") == "ok",),
          earliest=("first_captured_at",), own=("status", "error"), fix=_fix_media),
    Keyed("post_media", ("post_id", "position"), refs=CAPTURE,
          rank=lambda row: (MEDIA_ORDER.get(row.get("status"), 0), row.get("last_attempt_at") or ""),
          latest=("last_attempt_at",), largest=("attempts",), own=("status", "error", "media_sha256")),
    Logged("post_versions", "post_id", refs={**CAPTURE, "previous_capture_id": "captures"}),
    Logged("post_checks", "post_id", refs={**CAPTURE, "version_id": "post_versions"}),
    Keyed("mementos", ("post_id", "archive", "memento_url"), refs={**CAPTURE, "lookup_capture_id": "captures"},
          rank=lambda row: (row.get("capture_id") is not None, row.get("last_seen_at") or ""),
          earliest=("found_at",), latest=("last_seen_at",), largest=("recovered",), own=("error",)),
    Logged("memento_lookups", "post_id", refs=CAPTURE),
    Logged("wayback_saves", "url", refs=CAPTURE),
    Keyed("transcripts", ("post_id", "lang", "kind"), rank=_rank_by("captured_at")),
    # Attempts: the larger count, not the sum: the same archive merged twice must not count twice.
    Keyed("sources", ("source",), refs={"page_id": "pages"},
          rank=lambda row: (STATE_ORDER.get(row.get("state"), 0), row.get("finished_at") or ""),
          earliest=("queued_at",), largest=("attempts",), own=("state", "error", "finished_at")),
]
FACET_TABLES = ("hashtags", "mentions", "links")  # derived from a post's text: they follow the text kept


# -- reports --------------------------------------------------------------------

@dataclass
class SourceReport:
    path: str
    error: Optional[str] = None  # why nothing of it was merged
    added: dict = field(default_factory=dict)  # table -> rows added
    updated: dict = field(default_factory=dict)  # table -> rows changed
    files_copied: int = 0
    problems: list = field(default_factory=list)  # files not copied, references to nothing

    def as_json(self) -> dict:
        tables = {t: {"added": self.added.get(t, 0), "updated": self.updated.get(t, 0)}
                  for t in dict.fromkeys([*self.added, *self.updated])}
        return {"source": self.path, "merged": self.error is None, "error": self.error, "tables": tables,
                "files_copied": self.files_copied, "problems": self.problems}

    def summary(self) -> str:
        if self.error:
            return f"{self.path}: not merged: {self.error}"
        parts = [f"{t} +{self.added.get(t, 0)}" + (f" ~{self.updated[t]}" if self.updated.get(t) else "")
                 for t in dict.fromkeys([*self.added, *self.updated]) if self.added.get(t) or self.updated.get(t)]
        return (f"{self.path}: {', '.join(parts) or 'nothing new'}; {self.files_copied} file(s) copied"
                + (f"; {len(self.problems)} problem(s)" if self.problems else ""))


@dataclass
class MergeReport:
    target: str
    sources: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.error is None and not s.problems for s in self.sources)

    def as_json(self) -> dict:
        return {"target": self.target, "sources": [s.as_json() for s in self.sources]}


# -- merging ---------------------------------------------------------------------

def merge_archives(target, sources, progress: Callable[[SourceReport], None] = lambda report: None) -> MergeReport:
    """Merge each source archive into target (created when missing), one transaction per source."""
    target = Path(target)
    _check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        store = Store(target)
        SourceQueue(store.db)  # the sources table, so that a new target can take a source's queue
    except sqlite3.Error as exc:
        raise MergeError(f"{target}: cannot open it as an archive ({exc})") from None
    report = MergeReport(str(target))
    for source in sources:
        result = SourceReport(str(source))
        try:
            _merge_one(store, Path(source), result)
        except MergeError as exc:
            result.error = str(exc)
        report.sources.append(result)
        progress(result)
    return report


def _check_target(target: Path) -> None:
    if not target.exists() or target.stat().st_size == 0:
        return
    try:
        conn = _open_read_only(target)
        try:
            tables = _tables(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise MergeError(f"{target}: not an SQLite database ({exc})") from None
    if tables and "archiver_meta" not in tables:
        raise MergeError(f"{target}: an SQLite database but not an archive of archiver (no archiver_meta table)")


def _merge_one(store: Store, source: Path, result: SourceReport) -> None:
    if not source.is_file():
        raise MergeError("no such file")
    if source.resolve() == store.path.resolve() or os.path.samefile(source, store.path):
        raise MergeError("this is the target itself")
    try:
        conn = _open_read_only(source)
    except sqlite3.Error as exc:
        raise MergeError(f"cannot open it ({exc})") from None
    try:
        conn.execute("begin")  # one snapshot for the checks, the files and the rows, even while a worker writes
        _check_source(conn)
        _merge_rows(conn, store.db.conn, result, files=lambda: _copy_files(conn, source, store.path, result))
    except (sqlite3.Error, TypeError, ValueError) as exc:  # a damaged file, or values no archiver writes
        raise MergeError(f"unreadable or inconsistent ({exc}); nothing of it was merged") from None
    finally:
        conn.close()


def _open_read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def _tables(conn) -> set:
    return {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}


def _check_source(conn) -> None:
    tables = _tables(conn)  # raises "file is not a database" for anything else
    if "archiver_meta" not in tables or not {"pages", "posts", "captures"} <= tables:
        raise MergeError("not an archive of archiver (no archiver_meta, pages, posts and captures tables)")
    version = conn.execute("select value from archiver_meta where key = 'schema_version'").fetchone()
    if version is None or not str(version[0]).isdigit():
        raise MergeError("not an archive of archiver (no schema version)")
    if int(version[0]) > SCHEMA_VERSION:
        raise MergeError(f"made by a newer archiver (schema {version[0]}, this one knows {SCHEMA_VERSION}): "
                         "merge with that version")
    problems = [row[0] for row in conn.execute("pragma quick_check")]
    if problems != ["ok"]:
        raise MergeError(f"damaged: {'; '.join(problems[:3])}")


def _merge_rows(conn, target: sqlite3.Connection, result: SourceReport, files: Callable[[], None]) -> None:
    """Every table of the source into the target, in one transaction: all of it, or nothing on any error.
    Its files are copied before the rows naming them are committed (and only when the rows could be merged)."""
    tables = _tables(conn)
    maps: dict = {}  # table -> {source id: target id}
    target.execute("begin immediate")
    try:
        merger = _TableMerger(conn, target, maps, result)
        for rule in RULES:
            if rule.table in tables:
                merger.merge(rule)
        if "posts" in tables:
            for table in FACET_TABLES:
                if table in tables:
                    merger.facets(table)
        files()
        target.commit()
    except BaseException:
        target.rollback()
        result.added.clear()
        result.updated.clear()
        raise


class _TableMerger:
    def __init__(self, source, target, maps: dict, result: SourceReport):
        self.source, self.target, self.maps, self.result = source, target, maps, result
        self.source_texts: set = set()  # posts whose text the merge took from the source

    def columns(self, conn, table: str) -> list:
        return [row[1] for row in conn.execute(f"pragma table_info([{table}])")]

    def rows(self, table: str, columns: list) -> Iterator[dict]:
        listed = ", ".join(f"[{c}]" for c in columns)
        for row in self.source.execute(f"select {listed} from [{table}] order by rowid"):
            yield dict(zip(columns, row))

    def remap(self, rule, row: dict, *, report: bool = True) -> dict:
        """row with each reference rewritten to the target's id (left empty, and said, when it points nowhere)."""
        for column, table in rule.refs.items():
            value = row.get(column)
            if value is None:
                continue
            row[column] = self.maps.get(table, {}).get(value)
            if row[column] is None and report:
                self.result.problems.append(f"{rule.table}.{column} = {value} points to no {table} row: left empty")
        return row

    def merge(self, rule) -> None:
        target_columns = self.columns(self.target, rule.table)
        columns = [c for c in self.columns(self.source, rule.table) if c in target_columns]
        has_int_id = rule.table in _INT_ID_TABLES
        id_map = self.maps.setdefault(rule.table, {}) if has_int_id else None
        added = updated = 0
        for row in self.rows(rule.table, columns):
            source_id = row.pop("id") if has_int_id else None
            row = self.remap(rule, row)
            if isinstance(rule, Logged):
                target_id = self.match_logged(rule, row, source_id)
            else:
                target_id, changed = self.match_keyed(rule, row)
                updated += changed
            if target_id is None:
                target_id = self.insert(rule.table, row)
                added += 1
                if rule.table == "posts":
                    self.source_texts.add(row["id"])
            if has_int_id:
                id_map[source_id] = target_id
        self.result.added[rule.table] = added
        self.result.updated[rule.table] = updated

    def insert(self, table: str, row: dict):
        names = ", ".join(f"[{c}]" for c in row)
        cursor = self.target.execute(f"insert into [{table}] ({names}) values ({', '.join('?' for _ in row)})",
                                     list(row.values()))
        return cursor.lastrowid

    def match_logged(self, rule: Logged, row: dict, source_id) -> Optional[int]:
        """The target row this one is, counting identical rows one to one (the n-th identical source row
        is the n-th identical target row); None when the target lacks it."""
        where, values = _equal_to(row)
        found = [r[0] for r in self.target.execute(f"select id from [{rule.table}] where {where} order by id", values)]
        if not found:
            return None
        twins_before = self.source_twins(rule, row, source_id)
        return found[twins_before] if twins_before < len(found) else None

    def source_twins(self, rule: Logged, row: dict, source_id) -> int:
        """How many identical rows the source has before this one (their references mapped the same)."""
        where, values = _equal_to({rule.narrow_by: row.get(rule.narrow_by)})
        candidates = self.source.execute(f"select * from [{rule.table}] where {where} and id < ?", [*values, source_id])
        names = [d[0] for d in candidates.description]
        count = 0
        for candidate in candidates:
            other = self.remap(rule, {k: v for k, v in zip(names, candidate) if k in row}, report=False)
            count += other == row
        return count

    def match_keyed(self, rule: Keyed, row: dict) -> tuple:
        """(the target's key for this row, whether the target row changed); (None, 0) when it lacks it."""
        where, values = _equal_to({c: row.get(c) for c in rule.key})
        cursor = self.target.execute(f"select * from [{rule.table}] where {where}", values)
        found = cursor.fetchone()
        if found is None:
            return None, 0
        existing = dict(zip([d[0] for d in cursor.description], found))
        merged = _combine(rule, existing, row)
        changes = {c: v for c, v in merged.items() if c in existing and existing[c] != v}
        pk = "id" if "id" in existing else rule.key[0]
        if changes:
            sets = ", ".join(f"[{c}] = ?" for c in changes)
            self.target.execute(f"update [{rule.table}] set {sets} where [{pk}] = ?", [*changes.values(), existing[pk]])
        if rule.table == "posts" and "text" in changes:
            self.source_texts.add(row["id"])
        return existing[pk], int(bool(changes))

    def facets(self, table: str) -> None:
        """A post's hashtags, mentions and links are those of the text it kept: the source's when its text won."""
        columns = [c for c in self.columns(self.source, table) if c in self.columns(self.target, table)]
        added = 0
        for post_id in sorted(self.source_texts):
            self.target.execute(f"delete from [{table}] where post_id = ?", [post_id])
            rows = self.source.execute(f"select {', '.join(columns)} from [{table}] where post_id = ?", [post_id])
            for row in rows:
                self.target.execute(f"insert or replace into [{table}] ({', '.join(columns)}) "
                                    f"values ({', '.join('?' for _ in columns)})", list(row))
                added += 1
        self.result.added[table] = added


# Tables whose rows are numbered by the archive itself: numbers that differ from one archive to another.
_INT_ID_TABLES = {name for name, spec in TABLES.items() if spec["pk"] == "id" and spec["columns"]["id"] is int}


def _equal_to(row: dict) -> tuple:
    """A where clause matching every value of row (null as null), and its parameters."""
    clauses, values = [], []
    for column, value in row.items():
        if value is None:
            clauses.append(f"[{column}] is null")
        else:
            clauses.append(f"[{column}] = ?")
            values.append(value)
    return " and ".join(clauses) or "1", values


def _combine(rule: Keyed, existing: dict, incoming: dict) -> dict:
    """The one row two archives' rows make, the same whichever came first."""
    incoming = {**{c: None for c in existing}, **incoming}
    better, other = (incoming, existing) if _order(rule, incoming) > _order(rule, existing) else (existing, incoming)
    merged = {c: better[c] if better[c] is not None or c in rule.own else other[c] for c in existing}
    for columns, pick in ((rule.earliest, min), (rule.latest, max), (rule.largest, max)):
        for column in columns:
            values = [v for v in (existing[column], incoming[column]) if v is not None]
            merged[column] = pick(values) if values else None
    if rule.fix:
        rule.fix(merged, better, other)
    return merged


def _order(rule: Keyed, row: dict) -> tuple:
    """What makes a row the better one: its rank, then (between equals) its values, ids left out, so that
    the choice does not depend on which archive was merged first."""
    plain = {c: v for c, v in row.items() if c not in rule.refs and c != "id"}
    return (rule.rank(row), json.dumps(sorted(plain.items()), default=str))


# -- files -------------------------------------------------------------------------

SHA256 = re.compile(r"[0-9a-f]{64}")
MEDIA_PATH = re.compile(r"media/([0-9a-f]{2})/([0-9a-f]{64})\.[A-Za-z0-9]{0,16}")


def _copy_files(conn, source: Path, target: Path, result: SourceReport) -> None:
    """Copy the bodies, media, thumbnails and transcripts the source's rows name and the target lacks."""
    source_root, target_root = files_dir(source), files_dir(target)
    source_bodies, target_bodies = BodyStore(source_root / "bodies"), BodyStore(target_root / "bodies")
    for what, sha, relpath in _named_files(conn):
        if not SHA256.fullmatch(sha or ""):
            result.problems.append(f"{what} {sha!r}: not a SHA-256, not copied")
            continue
        if relpath is None:
            origin, destination = source_bodies.path_for(sha), target_bodies.path_for(sha)
        else:
            shape = MEDIA_PATH.fullmatch(relpath)
            if not shape or shape.group(2) != sha or shape.group(1) != sha[:2]:
                result.problems.append(f"{what} {sha}: unexpected path {relpath!r}, not copied")
                continue
            origin, destination = MediaFiles(source_root).path(relpath), MediaFiles(target_root).path(relpath)
        if destination.exists():
            continue
        problem = _copy_verified(origin, destination, sha)
        if problem:
            result.problems.append(f"{what} {sha}: {problem}, not copied ({origin})")
        else:
            result.files_copied += 1


def _named_files(conn) -> Iterator[tuple]:
    """(what, sha256, path relative to the files directory or None for a body) of every file the rows name."""
    tables = _tables(conn)
    for (sha,) in conn.execute("select distinct sha256 from captures where sha256 is not null"):
        yield "body", sha, None
    if "media" in tables:
        for sha, path in conn.execute("select sha256, path from media where path is not null"):
            yield "media", sha, path
        for (path,) in conn.execute("select distinct thumbnail_path from media where thumbnail_path is not null"):
            yield "thumbnail", Path(path).stem, path
    if "transcripts" in tables:
        for sha, path in conn.execute("select distinct sha256, path from transcripts where path is not null"):
            yield "transcript", sha, path


def _copy_verified(origin: Path, destination: Path, sha: str) -> Optional[str]:
    """Copy through a temporary name, hashing as it goes; what is wrong when the bytes are not `sha`."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(destination)
    digest = hashlib.sha256()
    try:
        src = open(origin, "rb")
    except FileNotFoundError:
        return "missing in the source"
    except OSError as exc:
        return f"unreadable in the source ({exc.strerror or exc})"
    with src, written_in_full(temporary, destination.name):
        with open(temporary, "xb") as out:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha:
            temporary.unlink()
            return f"altered in the source (its bytes hash to {digest.hexdigest()})"
        os.replace(temporary, destination)
    return None
