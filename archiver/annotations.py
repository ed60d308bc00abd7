"""annotations.db: what volunteers add to the archive, as an append-only event log.

The collector owns archive.db; annotations live in their own file so that
Datasette can write them while the collector keeps writing the archive.
Nothing a volunteer writes is ever overwritten: removing a tag is an `untag`
event, a new status is a new `status` event, and triggers refuse UPDATE and
DELETE on the log, so the log is the audit trail. Views derive the current
state from it.

`annotate()` is the one code path that writes events; the command line and
the web UI both call it.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional

from datasette_embed_archive.annotation_state import STATUSES, state_sql

from . import eventlog

KINDS = ("tag", "untag", "note", "status", "geo")
VISIBILITIES = ("public", "private")
MAX_TAG = 100
MAX_NOTE = 20_000
FILENAME = "annotations.db"

EVENTS_SQL = f"""
create table if not exists events (
    id integer primary key,
    post_id text not null,
    kind text not null check (kind in ({", ".join(repr(k) for k in KINDS)})),
    value text,
    latitude real check (latitude is null or latitude between -90 and 90),
    longitude real check (longitude is null or longitude between -180 and 180),
    actor_id text not null,
    created_at text not null,
    visibility text not null default 'public' check (visibility in ({", ".join(repr(v) for v in VISIBILITIES)})),
    prev_hash text,  -- the hash of the event before (see eventlog.py)
    hash text
);
create index if not exists events_post_id on events (post_id, id);
create index if not exists events_kind on events (kind, post_id);
create trigger if not exists events_no_update before update on events
begin select raise(abort, 'annotation events are append-only: add a new event instead'); end;
create trigger if not exists events_no_delete before delete on events
begin select raise(abort, 'annotation events are append-only: add an untag or a new status instead'); end;
"""
# Created once the chain columns exist. INSERT OR REPLACE deletes without firing delete triggers:
# an id already used is refused before that can happen.
CHAIN_TRIGGERS_SQL = """
create trigger if not exists events_no_replace before insert on events
when exists (select 1 from events where id = new.id)
begin select raise(abort, 'annotation events are append-only: an event id is never used twice'); end;
create trigger if not exists events_extend_chain before insert on events
when new.prev_hash is not (select hash from events order by id desc limit 1)
begin select raise(abort, 'annotation events extend the hash chain: prev_hash must be the last event''s hash'); end;
"""


def _views(prefix: str, source: str, actor: bool) -> dict[str, str]:
    # The public views leave the actor out: who wrote what is for the team.
    return {f"{prefix}_{kind}": state_sql(kind, source, actor=actor) for kind in ("tags", "notes", "status", "place")}


VIEWS = {
    "public_events": """select id, post_id, kind, value, latitude, longitude, created_at, visibility
                        from events where visibility = 'public'""",
    **_views("current", "events", actor=True),
    **_views("public", "public_events", actor=False),
}
CURRENT_VIEWS = [name for name in VIEWS if name.startswith("current_")]
PUBLIC_VIEWS = [name for name in VIEWS if name.startswith("public_") and name != "public_events"]


class AnnotationError(ValueError):
    """An annotation that cannot be recorded (bad status, empty tag, coordinates out of range…)."""


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def path_beside(archive_path) -> Path:
    """annotations.db lives beside the archive it annotates."""
    return Path(archive_path).with_name(FILENAME)


class BrokenLogError(sqlite3.DatabaseError):
    """A log from an earlier version whose chain is already broken: it is left as it is, for `archiver verify`."""


def ensure_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(EVENTS_SQL)
    _upgrade_chain(conn)
    conn.executescript(CHAIN_TRIGGERS_SQL)
    existing = dict(conn.execute("select name, sql from sqlite_master where type = 'view'").fetchall())
    for name, sql in VIEWS.items():
        wanted = f"CREATE VIEW {name} as {sql}"  # as sqlite_master keeps it
        if existing.get(name) != wanted:  # rewritten only when this version defines it differently
            conn.execute(f"drop view if exists {name}")
            conn.execute(wanted)
    conn.commit()


def _upgrade_chain(conn: sqlite3.Connection) -> None:
    """Chain a log made before the chain, or before its key, under today's hashes: once, in order.

    A log that was chained without a key is re-hashed only if its old chain is intact, so the
    upgrade never blesses a rewrite; a broken one is refused and left for `archiver verify`.
    """
    if _chained(conn) and eventlog.log_key(conn) is not None:
        return
    conn.execute("begin immediate")
    try:
        if _chained(conn) and eventlog.log_key(conn) is not None:  # another process just did it
            conn.execute("commit")
            return
        if not _chained(conn):
            conn.execute("alter table events add column prev_hash text")
            conn.execute("alter table events add column hash text")
        elif eventlog.log_key(conn) is None and (broken := _keyless_chain_problems(conn)):
            raise BrokenLogError("the annotation log's hash chain is broken, so it is not upgraded: "
                                 + "; ".join(broken[:3]))
        key = eventlog.log_key(conn, create=True)
        conn.execute("drop trigger if exists events_no_update")  # the one rewrite the log ever gets
        previous = None
        for row in list(eventlog.rows_as_dicts(conn, "select * from events order by id")):
            row_hash = eventlog.event_hash(key, previous, row)
            conn.execute("update events set prev_hash = ?, hash = ? where id = ?", [previous, row_hash, row["id"]])
            previous = row_hash
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    conn.executescript(EVENTS_SQL)  # puts the update trigger back


def _chained(conn: sqlite3.Connection) -> bool:
    return "hash" in {row[1] for row in conn.execute("pragma table_info(events)")}


def _keyless_chain_problems(conn: sqlite3.Connection) -> list[str]:
    """The check of a chain made before the log had a key (its hash covered actor_id itself)."""
    order = ("id", "post_id", "kind", "value", "latitude", "longitude", "actor_id", "created_at", "visibility")

    def keyless_hash(event):
        return eventlog.sha256_json([event["prev_hash"] or "", *(event[column] for column in order)])

    return eventlog.chain_problems(eventlog.logged_events(conn), keyless_hash)


def connect(path) -> sqlite3.Connection:
    """Open (creating if missing) an annotations database, ready to write."""
    conn = sqlite3.connect(str(path), timeout=30)
    conn.execute("pragma journal_mode = wal")  # readers (Datasette) never block the writer
    ensure_schema(conn)
    return conn


def parse_geo(text: str) -> tuple[float, float]:
    """'50.42,36.91' -> (50.42, 36.91); raises AnnotationError when it is not a place on Earth."""
    try:
        lat_text, lon_text = str(text).split(",")
        latitude, longitude = float(lat_text), float(lon_text)
    except ValueError:
        raise AnnotationError(f"a place is LATITUDE,LONGITUDE in decimal degrees, not {text!r}") from None
    return check_coordinates(latitude, longitude)


def check_coordinates(latitude, longitude) -> tuple[float, float]:
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise AnnotationError("latitude and longitude must be numbers") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise AnnotationError(f"no such place: latitude {latitude}, longitude {longitude}")
    return latitude, longitude


def normalize_tag(tag: str) -> str:
    """A tag as written, trimmed, with single spaces (its case is kept: see same_spelling)."""
    tag = " ".join(str(tag).split())
    if not tag:
        raise AnnotationError("a tag cannot be empty")
    if len(tag) > MAX_TAG:
        raise AnnotationError(f"a tag is at most {MAX_TAG} characters")
    return tag


@dataclass
class Changes:
    """What one volunteer adds to one post in one go (any subset)."""

    tags: Iterable[str] = ()
    untags: Iterable[str] = ()
    note: Optional[str] = None
    status: Optional[str] = None
    geo: Optional[tuple] = None  # (latitude, longitude)
    place: Optional[str] = None  # a label for the place, e.g. "Kozinka checkpoint"
    private: bool = False


def build_events(post_id: str, actor_id: str, changes: Changes, now: Optional[str] = None) -> list[dict]:
    """Validated event rows for `changes`; raises AnnotationError on the first bad field."""
    post_id = (post_id or "").strip()
    actor_id = (actor_id or "").strip()
    if not post_id:
        raise AnnotationError("which post? the post id is missing")
    if not actor_id:
        raise AnnotationError("who? an annotation needs an actor")
    base = {"post_id": post_id, "actor_id": actor_id, "created_at": now or utc_now(),
            "visibility": "private" if changes.private else "public", "value": None,
            "latitude": None, "longitude": None}
    events = [{**base, "kind": "tag", "value": normalize_tag(t)} for t in changes.tags or ()]
    events += [{**base, "kind": "untag", "value": normalize_tag(t)} for t in changes.untags or ()]
    if changes.note is not None and changes.note.strip():
        if len(changes.note) > MAX_NOTE:
            raise AnnotationError(f"a note is at most {MAX_NOTE} characters")
        events.append({**base, "kind": "note", "value": changes.note.strip()})
    if changes.status:
        status = changes.status.strip().lower()
        if status not in STATUSES:
            raise AnnotationError(f"status is one of {', '.join(STATUSES)}, not {changes.status!r}")
        events.append({**base, "kind": "status", "value": status})
    if changes.geo is not None:
        latitude, longitude = check_coordinates(*changes.geo)
        events.append({**base, "kind": "geo", "value": (changes.place or "").strip() or None,
                       "latitude": latitude, "longitude": longitude})
    if not events:
        raise AnnotationError("nothing to record: give a tag, a note, a status or a place")
    return events


def same_spelling(conn: sqlite3.Connection, events: list[dict]) -> list[dict]:
    """Tags compare without case: a tag takes the spelling it was first written with in this log.

    "kozinka checkpoint" after "Kozinka checkpoint" (or "КОЗИНКА" after "Козинка") is the same
    tag, so that facets, filters and untags meet it; the first volunteer's capitals stay.
    """
    wanted = {event["value"].casefold() for event in events if event["kind"] in ("tag", "untag")}
    if not wanted:
        return events
    # A public tag follows public spellings only: a private tag's capitals must not show in public.
    first = {"public": {}, "private": {}}
    for value, visibility in conn.execute("select value, visibility from events where kind = 'tag' order by id"):
        first["private"].setdefault(value.casefold(), value)
        if visibility == "public":
            first["public"].setdefault(value.casefold(), value)
    return [{**event, "value": first[event["visibility"]].get(event["value"].casefold(), event["value"])}
            if event["kind"] in ("tag", "untag") else event for event in events]


def annotate(conn: sqlite3.Connection, post_id: str, actor_id: str, changes: Changes,
             now: Optional[str] = None) -> list[int]:
    """Append the events for `changes` in one transaction; returns their ids."""
    events = build_events(post_id, actor_id, changes, now)
    columns = (*eventlog.HASHED, "prev_hash", "hash")
    sql = f"insert into events ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})"
    # One transaction whatever the connection's isolation mode (Datasette's writer is autocommit).
    owns = not conn.in_transaction
    if owns:
        conn.execute("begin immediate")
    try:
        events = same_spelling(conn, events)
        chained = eventlog.chain(eventlog.log_key(conn), events, eventlog.head(conn))
        ids = [conn.execute(sql, [event[c] for c in columns]).lastrowid for event in chained]
    except BaseException:
        if owns:
            conn.execute("rollback")
        raise
    if owns:
        conn.execute("commit")
    return ids
