"""The annotation log as a hash chain: each event carries the hash of the one before it and its own.

Triggers keep the log append-only while they exist; the chain shows afterwards
whether it stayed so. An event changed in place no longer hashes to its `hash`;
an event removed or changed breaks the `prev_hash` link of the one after it;
and the last event's hash (the head), once published, pins everything before it.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Optional

# What an event's hash covers: every column a volunteer's annotation is made of.
HASHED = ("id", "post_id", "kind", "value", "latitude", "longitude", "actor_id", "created_at", "visibility")
TRIGGERS = ("events_no_update", "events_no_delete", "events_no_replace", "events_extend_chain")


def event_hash(prev_hash: Optional[str], event: dict) -> str:
    document = [prev_hash or "", *(event.get(column) for column in HASHED)]
    encoded = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def head(conn: sqlite3.Connection) -> tuple[int, Optional[str]]:
    """(id, hash) of the last event; (0, None) for an empty log."""
    row = conn.execute("select id, hash from events order by id desc limit 1").fetchone()
    return (row[0], row[1]) if row else (0, None)


def chain(events: list[dict], last: tuple[int, Optional[str]]) -> list[dict]:
    """The events with the ids and hashes that extend a log whose last event is `last`."""
    last_id, last_hash = last
    chained = []
    for offset, event in enumerate(events, start=1):
        row = {**event, "id": last_id + offset, "prev_hash": last_hash}
        row["hash"] = last_hash = event_hash(row["prev_hash"], row)
        chained.append(row)
    return chained


def rows_as_dicts(conn: sqlite3.Connection, sql: str):
    """The rows of sql as dicts, leaving the connection's own row factory as it was."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return (dict(row) for row in cursor.execute(sql))


def check(conn: sqlite3.Connection) -> list[str]:
    """What is wrong with the log: events changed or removed, triggers missing (empty when intact)."""
    problems = []
    present = {name for (name,) in conn.execute("select name from sqlite_master where type = 'trigger'")}
    missing = [name for name in TRIGGERS if name not in present]
    if missing:
        problems.append(f"the log's append-only triggers are missing ({', '.join(missing)}): it can be rewritten")
    previous = None
    for event in rows_as_dicts(conn, f"select {', '.join(HASHED)}, prev_hash, hash from events order by id"):
        if event["prev_hash"] != previous:
            problems.append(f"event {event['id']}: the event before it was changed or removed (the chain is broken)")
        if event_hash(event["prev_hash"], event) != event["hash"]:
            problems.append(f"event {event['id']} was changed after it was recorded")
        previous = event["hash"]
    return problems
