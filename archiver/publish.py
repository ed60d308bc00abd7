"""`archiver publish`: a self-contained, read-only copy of the archive for anyone to browse and check.

The bundle is one directory:

    archive.db        posts, pages, embeds, accounts, media metadata, and the
                      public annotations as tables; full-text search
    archive-files/    thumbnails (and full media with --media), same layout as the archive's
    datasette.yml     configuration for read-only serving (no write queries, no logins)
    metadata.yml      titles, descriptions, licenses
    inspect.json      `datasette inspect` output, so counts need no table scans
    wheels/           the datasette-embed-archive plugin (search, post, thread, media and map pages)
    requirements.txt  every package the plugin needs, pinned to the versions archiver ran with
    README.md         how to serve and verify it
    Dockerfile        a container that installs exactly those and serves the archive
    MANIFEST          SHA-256 of every other file (`sha256sum -c MANIFEST`)

Served with `datasette serve -i` the database is immutable: every write is refused.
Private annotations, and the event log with its actors, are left out unless asked.
"""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Optional

import yaml

from . import annotations, eventlog
from .media.files import files_dir
from .plugin_wheel import pinned_requirements, write_plugin_wheel
from .serve import CONFIG_DATABASE, load_yaml
from .store import TABLES, Store

DB_NAME = f"{CONFIG_DATABASE}.db"  # the name datasette.yml and metadata.yml are written for
# Captures stay with the collector: request and response headers, bodies kept on its disk only.
WITHHELD = {"captures"}
ARCHIVE_TABLES = [name for name in TABLES if name not in WITHHELD]
SERVE_ARGS = ["-i", DB_NAME, "--inspect-file", "inspect.json", "-c", "datasette.yml", "-m", "metadata.yml"]
# Annotation tables only for volunteers (dropped from the bundle's config unless published).
FULL_ONLY = ("events", *annotations.CURRENT_VIEWS)


class PublishError(Exception):
    pass


@dataclass
class Published:
    outdir: Path
    counts: dict = field(default_factory=dict)
    files: list = field(default_factory=list)

    @property
    def serve_command(self) -> str:
        return "datasette serve " + " ".join(SERVE_ARGS)


def publish(db_path, outdir, *, annotations_path=None, media: bool = False, include_private: bool = False,
            force: bool = False) -> Published:
    db_path, outdir = Path(db_path), Path(outdir)
    _prepare(outdir, force)
    bundle_db = outdir / DB_NAME
    annotations_path = Path(annotations_path) if annotations_path else annotations.path_beside(db_path)
    counts = _write_database(db_path, annotations_path, bundle_db, include_private)
    counts["files"] = _copy_media(bundle_db, files_dir(db_path), files_dir(bundle_db), full=media)
    _write_config(outdir, include_private)
    _inspect(outdir)
    install = _write_plugin(outdir)
    _write_readme(outdir, counts, media, include_private, install)
    _write_dockerfile(outdir, install)
    files = _write_manifest(outdir)
    return Published(outdir, counts, files)


def _prepare(outdir: Path, force: bool) -> None:
    if outdir.exists() and any(outdir.iterdir()):
        # Only ever replace a directory that is itself a bundle.
        if not force or not (outdir / "MANIFEST").exists():
            raise PublishError(f"{outdir} exists and is not empty" +
                               ("" if force else " (use --force to replace an earlier bundle)"))
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)


def _write_database(db_path: Path, annotations_path: Path, bundle_db: Path, include_private: bool) -> dict:
    # The archive's own schema (tables, indexes, FTS with triggers), then its rows.
    Store(bundle_db, bodies_dir=bundle_db.parent / "unused").db.conn.close()
    conn = sqlite3.connect(bundle_db)
    try:
        conn.execute("pragma journal_mode = delete")  # one file, no -wal beside it
        conn.execute("attach database ? as src", [str(db_path)])
        counts = {}
        with conn:
            for table in WITHHELD:
                conn.execute(f"drop table if exists {table}")
            for table in ARCHIVE_TABLES:
                counts[table] = _copy_table(conn, table)
            with _annotations_source(annotations_path) as source:
                _bring_up_to_date(source)  # before attaching: the upgrade writes to the log
                conn.execute("attach database ? as ann", [str(source)])
                for view in ("public_events", *annotations.PUBLIC_VIEWS, *(FULL_ONLY if include_private else ())):
                    conn.execute(f"create table {view} as select * from ann.{view}")
                    counts[view] = conn.execute(f"select count(*) from {view}").fetchone()[0]
                counts["chain_head"] = _write_chain(conn, source, include_private)
            conn.execute("create index public_tags_post on public_tags (post_id)")
            conn.execute("create index public_tags_tag on public_tags (tag)")
            conn.execute("create index public_status_post on public_status (post_id)")
            conn.execute("create index public_place_post on public_place (post_id)")
        conn.execute("detach database ann")
        conn.execute("detach database src")
        for fts in ("posts_fts", "pages_fts"):
            conn.execute(f"insert into {fts}({fts}) values ('optimize')")
        conn.commit()
    finally:
        conn.close()
    return counts


def _bring_up_to_date(source: Path) -> None:
    """A log from an earlier version gets today's chain (annotations._upgrade_chain), or the publish stops."""
    try:
        annotations.connect(source).close()
    except annotations.BrokenLogError as exc:
        raise PublishError(f"{exc} (see `archiver verify`)") from None


def _write_chain(conn: sqlite3.Connection, source: Path, include_private: bool) -> Optional[dict]:
    """The whole log's hash chain, without what private events say (see eventlog.py): its head
    pins every event, and readers can check each public event against it."""
    conn.execute("create table events_chain (id integer primary key, prev_hash text, hash text not null, "
                 "content_digest text not null, actor_digest text)")
    log = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        rows = eventlog.published_chain(log, include_private=include_private)
        conn.executemany("insert into events_chain values (:id, :prev_hash, :hash, :content_digest, :actor_digest)",
                         rows)
    finally:
        log.close()
    head = conn.execute("select id, hash from events_chain order by id desc limit 1").fetchone()
    return {"id": head[0], "hash": head[1]} if head else None


def _copy_table(conn: sqlite3.Connection, table: str) -> int:
    if not conn.execute("select 1 from src.sqlite_master where type = 'table' and name = ?", [table]).fetchone():
        return 0
    ours = [r[1] for r in conn.execute(f"pragma main.table_info({table})")]
    theirs = {r[1] for r in conn.execute(f"pragma src.table_info({table})")}
    columns = ", ".join(f'"{c}"' for c in ours if c in theirs)
    return conn.execute(f"insert into main.{table} ({columns}) select {columns} from src.{table}").rowcount


class _annotations_source:
    """The annotations database to read, or an empty one when the archive was never annotated."""

    def __init__(self, path: Path):
        self.path, self.tmp = path, None

    def __enter__(self) -> Path:
        if self.path.exists():
            return self.path
        self.tmp = tempfile.TemporaryDirectory()
        path = Path(self.tmp.name) / annotations.FILENAME
        annotations.connect(path).close()
        return path

    def __exit__(self, *exc):
        if self.tmp:
            self.tmp.cleanup()


def _copy_media(bundle_db: Path, source_dir: Path, target_dir: Path, *, full: bool) -> int:
    """Copy the thumbnails (and with full=True the media) that the media table points to.

    A path whose file is missing, or that would leave the files directory, is
    set to null in the bundle: the bundle never points at what it lacks.
    """
    conn = sqlite3.connect(bundle_db)
    copied = 0
    try:
        columns = [r[1] for r in conn.execute("pragma table_info(media)")]
        wanted = [c for c in ("thumbnail_path", "path") if c in columns and (full or c != "path")]
        with conn:
            if "path" in columns and not full:
                conn.execute("update media set path = null")
            for column in wanted:
                for sha, relpath in conn.execute(f"select sha256, {column} from media where {column} is not null").fetchall():
                    source = (source_dir / relpath).resolve()
                    if source_dir.resolve() not in source.parents or not source.is_file():
                        conn.execute(f"update media set {column} = null where sha256 = ?", [sha])
                        continue
                    target = target_dir / relpath
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
                    copied += 1
        conn.execute("vacuum")
    finally:
        conn.close()
    return copied


def _write_config(outdir: Path, include_private: bool) -> None:
    config = load_yaml("datasette.yml")
    databases = config.get("databases") or {}
    archive = databases.get(CONFIG_DATABASE) or {}
    # Only reading: no stored write queries, no logins, no other databases.
    queries = {name: q for name, q in (archive.get("queries") or {}).items() if not q.get("write")}
    tables = dict(archive.get("tables") or {})
    for name, spec in ((databases.get("annotations") or {}).get("tables") or {}).items():
        if include_private or name not in FULL_ONLY:
            tables[name] = {k: v for k, v in spec.items() if k != "allow"}
    plugins = {k: v for k, v in (config.get("plugins") or {}).items() if k != "archiver"}  # logins stay home
    bundle_config = {"settings": config.get("settings") or {}, "plugins": plugins,
                     "databases": {CONFIG_DATABASE: {**archive, "queries": queries, "tables": tables}}}
    metadata = load_yaml("metadata.yml")
    mdbs = metadata.get("databases") or {}
    meta_archive = dict(mdbs.get(CONFIG_DATABASE) or {})
    meta_tables = dict(meta_archive.get("tables") or {})
    for name, spec in ((mdbs.get("annotations") or {}).get("tables") or {}).items():
        if include_private or name not in FULL_ONLY:
            meta_tables[name] = spec
    meta_archive["tables"] = meta_tables
    meta_archive["description"] = ("A read-only published copy of the archive, with the volunteers' public "
                                   "annotations" + (" and private ones" if include_private else "") + ".")
    metadata["databases"] = {CONFIG_DATABASE: meta_archive}
    for name, document in (("datasette.yml", bundle_config), ("metadata.yml", metadata)):
        with open(outdir / name, "w", encoding="utf-8") as f:
            yaml.safe_dump(document, f, sort_keys=False, allow_unicode=True)


def _inspect(outdir: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "datasette", "inspect", DB_NAME, "--inspect-file", "inspect.json"],
                            cwd=outdir, capture_output=True, text=True)
    if result.returncode != 0:
        raise PublishError(f"datasette inspect failed: {result.stderr.strip()}")


def _write_plugin(outdir: Path) -> str:
    """The plugin's wheel and its pinned requirements; returns the pip arguments that install them."""
    try:
        wheel = write_plugin_wheel(outdir / "wheels")
        pins = pinned_requirements()
    except metadata.PackageNotFoundError as exc:
        raise PublishError(f"cannot package the web pages: {exc.name} is not installed here") from None
    (outdir / "requirements.txt").write_text(
        "# What the datasette-embed-archive plugin in wheels/ needs, as archiver ran it.\n" + "\n".join(pins) + "\n",
        encoding="utf-8")
    return f"-r requirements.txt {wheel.relative_to(outdir).as_posix()}"


def _write_readme(outdir: Path, counts: dict, media: bool, include_private: bool, install: str) -> None:
    command = "datasette serve " + " ".join(SERVE_ARGS)
    text = f"""# Published archive

A read-only copy of an archive of social-media posts embedded in news
articles, made with archiver: {counts.get('posts', 0)} posts, {counts.get('pages', 0)} pages,
{counts.get('embeds', 0)} embeds, {counts.get('public_events', 0)} public annotation events.
{_chain_sentence(counts.get('chain_head'))}
{"Private annotations and the annotation log with its authors are included." if include_private else
 "Private annotations and the authors of annotations are not included."}
{"Media files are included." if media else "Thumbnails are included; the full media files are not."}

## Serve it

    python3 -m venv .venv && . .venv/bin/activate
    pip install {install}
    {command}

then open http://127.0.0.1:8001/: search at `/-/search`, each post at
`/-/post/<id>`, threads at `/-/thread/<id>`, the map at `/-/map`. The
database is opened immutable (`-i`): nothing can be written to it.
`wheels/` holds the datasette-embed-archive plugin that draws those pages,
and `requirements.txt` pins what it needs to the versions it was published
with.

Or with Docker:

    docker build -t archive . && docker run -p 8001:8001 archive

## Check it

    sha256sum -c MANIFEST

`MANIFEST` lists the SHA-256 of every other file in this directory.
{_chain_section(counts.get('chain_head'))}"""
    (outdir / "README.md").write_text(text, encoding="utf-8")


def _chain_sentence(head) -> str:
    if not head:
        return "No annotation was recorded."
    return f"The annotation log's hash chain ends at event {head['id']} with hash {head['hash']}."


def _chain_section(head) -> str:
    if not head:
        return ""
    return """
## Check the annotation log

Table `events_chain` holds every event's place in the log's hash chain (id,
prev_hash, hash, content_digest) and, for each event shown here, the keyed
digest of the volunteer who recorded it (actor_digest), which does not reveal
who that was. With JSON written as UTF-8 without spaces:

    hash           = SHA-256(JSON [prev_hash or "", content_digest])
    content_digest = SHA-256(JSON [id, post_id, kind, value, latitude, longitude,
                                   created_at, visibility, actor_digest])

The first says the chain is unbroken up to the head named above; the second,
with a row of `public_events`, says that public event reads as it was logged.
`archiver verify --db archive.db` checks both.
"""


def _write_dockerfile(outdir: Path, install: str) -> None:
    cmd = ", ".join(f'"{a}"' for a in ["datasette", "serve", *SERVE_ARGS, "-h", "0.0.0.0", "-p", "8001"])
    (outdir / "Dockerfile").write_text(f"""FROM python:3.12-slim
WORKDIR /archive
COPY requirements.txt /archive/
COPY wheels /archive/wheels
RUN pip install --no-cache-dir {install}
COPY . /archive
EXPOSE 8001
CMD [{cmd}]
""", encoding="utf-8")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(outdir: Path) -> list[str]:
    files = sorted(p.relative_to(outdir).as_posix() for p in outdir.rglob("*") if p.is_file() and p.name != "MANIFEST")
    lines = [f"{sha256_file(outdir / name)}  {name}" for name in files]
    (outdir / "MANIFEST").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return files


def verify(outdir) -> list[str]:
    """The files whose SHA-256 no longer matches the MANIFEST (empty when the bundle is intact)."""
    outdir = Path(outdir)
    bad = []
    for line in (outdir / "MANIFEST").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = outdir / name
        if not path.is_file() or sha256_file(path) != digest:
            bad.append(name)
    return bad
