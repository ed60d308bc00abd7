"""The annotation log as a hash chain: each event carries the hash of the one before it and its own.

Triggers keep the log append-only while they exist; the chain shows afterwards
whether it stayed so. An event changed in place no longer hashes to its `hash`;
an event removed or changed breaks the `prev_hash` link of the one after it;
and the last event's hash (the head), once published, pins everything before it.

An event's hash is built in two steps so that a published copy can be checked
without saying who wrote what:

    actor_digest   = HMAC-SHA256(log key, JSON [id, actor_id])
    content_digest = SHA-256(JSON [id, post_id, kind, value, latitude, longitude,
                                   created_at, visibility, actor_digest])
    hash           = SHA-256(JSON [prev_hash or "", content_digest])

(JSON: UTF-8, no spaces, non-ASCII as is.) The log key is a random secret kept
in annotations.db (`log_key`). A bundle publishes every event's id, prev_hash,
hash and content_digest, and the actor_digest of its public events: a reader
checks that the links reach the published head, and that each public event's
words are the ones that were logged. The keyed digest does not reveal the
volunteer, and a private event's content digest cannot be guessed from it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from typing import Iterable, Optional

CONTENT = ("id", "post_id", "kind", "value", "latitude", "longitude", "created_at", "visibility")
HASHED = (*CONTENT, "actor_id")  # the columns an event's hash covers
TRIGGERS = ("events_no_update", "events_no_delete", "events_no_replace", "events_extend_chain")
KEY_SQL = "create table if not exists log_key (key text not null)"


def sha256_json(document) -> str:
    encoded = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def actor_digest(key: str, event: dict) -> str:
    message = json.dumps([event["id"], event["actor_id"]], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(bytes.fromhex(key), message.encode("utf-8"), hashlib.sha256).hexdigest()


def content_digest(event: dict, digest_of_actor: str) -> str:
    return sha256_json([*(event.get(column) for column in CONTENT), digest_of_actor])


def link_hash(prev_hash: Optional[str], digest: str) -> str:
    return sha256_json([prev_hash or "", digest])


def event_hash(key: str, prev_hash: Optional[str], event: dict) -> str:
    return link_hash(prev_hash, content_digest(event, actor_digest(key, event)))


def log_key(conn: sqlite3.Connection, *, create: bool = False) -> Optional[str]:
    """The log's secret key (hex); made on first use when `create`."""
    if create:
        conn.execute(KEY_SQL)
    try:
        row = conn.execute("select key from log_key limit 1").fetchone()
    except sqlite3.OperationalError:  # a log from before the key (see annotations._upgrade_chain)
        return None
    if row is None and create:
        key = secrets.token_hex(32)
        conn.execute("insert into log_key (key) values (?)", [key])
        return key
    return row[0] if row else None


def head(conn: sqlite3.Connection) -> tuple[int, Optional[str]]:
    """(id, hash) of the last event; (0, None) for an empty log."""
    row = conn.execute("select id, hash from events order by id desc limit 1").fetchone()
    return (row[0], row[1]) if row else (0, None)


def chain(key: str, events: list[dict], last: tuple[int, Optional[str]]) -> list[dict]:
    """The events with the ids and hashes that extend a log whose last event is `last`."""
    last_id, last_hash = last
    chained = []
    for offset, event in enumerate(events, start=1):
        row = {**event, "id": last_id + offset, "prev_hash": last_hash}
        row["hash"] = last_hash = event_hash(key, row["prev_hash"], row)
        chained.append(row)
    return chained


def rows_as_dicts(conn: sqlite3.Connection, sql: str, params=()):
    """The rows of sql as dicts, leaving the connection's own row factory as it was."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return (dict(row) for row in cursor.execute(sql, params))


def logged_events(conn: sqlite3.Connection):
    return rows_as_dicts(conn, f"select {', '.join(HASHED)}, prev_hash, hash from events order by id")


def check(conn: sqlite3.Connection) -> list[str]:
    """What is wrong with the log: events changed or removed, triggers missing (empty when intact)."""
    problems = []
    present = {name for (name,) in conn.execute("select name from sqlite_master where type = 'trigger'")}
    missing = [name for name in TRIGGERS if name not in present]
    if missing:
        problems.append(f"the log's append-only triggers are missing ({', '.join(missing)}): it can be rewritten")
    key = log_key(conn)
    if key is None:
        return [*problems, "the log has no key (log_key): its hashes cannot be checked"]
    return problems + chain_problems(logged_events(conn), lambda event: event_hash(key, event["prev_hash"], event))


def chain_problems(events: Iterable[dict], hash_of) -> list[str]:
    problems, previous = [], None
    for event in events:
        if event["prev_hash"] != previous:
            problems.append(f"event {event['id']}: the event before it was changed or removed (the chain is broken)")
        if hash_of(event) != event["hash"]:
            problems.append(f"event {event['id']} was changed after it was recorded")
        previous = event["hash"]
    return problems


# What a published bundle carries, and how its readers check it.

def published_chain(conn: sqlite3.Connection, *, include_private: bool = False) -> Iterable[dict]:
    """Every event's place in the chain, for a bundle: id, prev_hash, hash, content_digest,
    and the actor_digest of the events the bundle shows (public ones, or all with include_private)."""
    key = log_key(conn)
    for event in logged_events(conn):
        digest = actor_digest(key, event)
        shown = include_private or event["visibility"] == "public"
        yield {"id": event["id"], "prev_hash": event["prev_hash"], "hash": event["hash"],
               "content_digest": content_digest(event, digest), "actor_digest": digest if shown else None}


def check_published(chain_rows: Iterable[dict], public_events: Iterable[dict],
                    head: Optional[tuple[int, str]] = None) -> list[str]:
    """A reader's check of a bundle: the links reach the head, and public events say what was logged."""
    rows = list(chain_rows)
    problems = chain_problems(rows, lambda row: link_hash(row["prev_hash"], row["content_digest"]))
    by_id = {row["id"]: row for row in rows}
    public_events = list(public_events)
    shown = {event["id"] for event in public_events}
    for row in rows:  # a public event in the chain (it has an actor digest) must be in the bundle
        if row.get("actor_digest") and row["id"] not in shown:
            problems.append(f"public event {row['id']} was removed from public_events")
    for event in public_events:
        row = by_id.get(event["id"])
        if row is None or not row.get("actor_digest"):
            problems.append(f"public event {event['id']} is not in the chain")
        elif content_digest({**event, "visibility": "public"}, row["actor_digest"]) != row["content_digest"]:
            problems.append(f"public event {event['id']} does not say what was logged")
    if head is not None and rows and (rows[-1]["id"], rows[-1]["hash"]) != tuple(head):
        problems.append(f"the chain ends at event {rows[-1]['id']}, not at the published head (event {head[0]})")
    return problems


def check_bundle(conn: sqlite3.Connection) -> tuple[int, list[str]]:
    """(events checked, problems) for a published bundle's `events_chain` and `public_events`."""
    chain_rows = list(rows_as_dicts(conn, "select * from events_chain order by id"))
    public = rows_as_dicts(conn, f"select {', '.join(CONTENT)} from public_events order by id")
    return len(chain_rows), check_published(chain_rows, public)
