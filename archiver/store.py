"""archive.db: schema, upserts and full-text search, with sqlite-utils.

Table and column names here are a contract (saved queries, scripts and the
Datasette configuration rely on them): add, never rename.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import sqlite_utils

from .http import Capture, utc_now
from .models import Account, Embed, PageMeta, Post


def first_row(rows):
    """The first row of a query, its statement finished at once: a statement left half-read
    keeps a read snapshot open, and the connection's next write then fails at once with
    "database is locked" whenever another connection has written since."""
    return (list(rows) or [None])[0]


def latin_for(*texts) -> Optional[str]:
    """The Latin spellings of the texts' Cyrillic words, for the full-text index (None without any)."""
    from datasette_embed_archive.translit import latin_shadow

    return latin_shadow(*texts)

SCHEMA_VERSION = 1
# What the posts' full-text search covers: the text, the author, and what is said in the video.
# `latin`: the Latin spellings of the Cyrillic words of text, author and transcript (see latin_for),
# so that "Kozinka" finds "Козинка".
POSTS_FTS_COLUMNS = ["text", "author_handle", "author_name", "transcript", "latin"]
HAS_CYRILLIC = "glob '*[Ѐ-ԯ]*'"  # SQLite GLOB ranges are code points: U+0400-U+052F
# How long a write waits for another collect's transaction on the same archive.
BUSY_TIMEOUT_MS = 60_000
LOCKED_RETRIES = 8  # about 10 s in all (see _PatientDatabase)

# Fields of a post compared between captures; a difference writes a post_versions row.
VERSIONED_FIELDS = ("status", "status_detail", "text", "author_handle", "author_name", "created_at",
                    "like_count", "repost_count", "reply_count", "view_count", "reply_to_id", "quote_of_id")

TABLES = {
    "pages": dict(columns={
        "id": int, "url": str, "final_url": str, "title": str, "site_name": str, "lang": str,
        "published_at": str, "canonical_url": str, "status": str, "error": str, "problems": str,
        "capture_id": int,
        "first_captured_at": str, "last_captured_at": str,
    }, pk="id", not_null={"url"}),
    "accounts": dict(columns={
        "id": str, "platform": str, "native_id": str, "handle": str, "display_name": str, "url": str,
        "avatar_url": str, "first_captured_at": str, "last_captured_at": str,
        "avatar_sha256": str, "avatar_source_url": str, "avatar_status": str, "avatar_error": str,
    }, pk="id"),
    "posts": dict(columns={
        "id": str, "platform": str, "native_id": str, "url": str, "account_id": str, "author_handle": str,
        "author_name": str, "text": str, "text_source": str, "lang": str, "created_at": str,
        "reply_to_id": str, "quote_of_id": str, "thread_id": str, "thread_position": int,
        "like_count": int, "repost_count": int, "reply_count": int, "view_count": int,
        "status": str, "status_detail": str, "capture_id": int,
        "first_captured_at": str, "last_captured_at": str, "last_attempt_at": str, "forwarded_from": str,
        "duration": float, "chapters": str, "video_info_capture_id": int, "transcript": str, "latin": str,
    }, pk="id", foreign_keys=[("account_id", "accounts", "id")]),
    "embeds": dict(columns={
        "id": int, "page_id": int, "position": int, "platform": str, "post_url": str, "post_id": str,
        "relation": str, "blocked_by": str, "recovered_from": str, "fallback_text": str,
        "fallback_author": str, "fallback_handle": str, "fallback_date": str, "html": str,
        "first_seen_at": str, "last_seen_at": str, "found_by": str,
    }, pk="id", foreign_keys=[("page_id", "pages", "id"), ("post_id", "posts", "id")]),
    "placeholders": dict(columns={
        "id": int, "page_id": int, "blocked_by": str, "detail": str, "html": str,
        "first_seen_at": str, "last_seen_at": str,
    }, pk="id", foreign_keys=[("page_id", "pages", "id")]),
    "media": dict(columns={
        "sha256": str, "mime": str, "size": int, "width": int, "height": int, "duration": float,
        "phash": str, "exif": str, "latitude": float, "longitude": float, "taken_at": str,
        "path": str, "thumbnail_path": str, "status": str, "error": str, "first_captured_at": str,
        "format": str, "capture_id": int,
    }, pk="sha256"),
    "post_media": dict(columns={
        "id": int, "post_id": str, "position": int, "media_sha256": str, "kind": str, "source_url": str,
        "poster_url": str, "alt_text": str, "status": str, "error": str, "attempts": int,
        "last_attempt_at": str, "poster_sha256": str, "capture_id": int, "via": str,
        "at_seconds": float,
        # The collect fetching the row ("host pid") and since when (to the microsecond), cleared when
        # its attempt ends: another collect on the archive leaves the row to it (media/claims.py).
        "claimed_by": str, "claimed_at": str,
    }, pk="id", foreign_keys=[("post_id", "posts", "id"), ("media_sha256", "media", "sha256")]),
    "captures": dict(columns={
        "id": int, "url": str, "final_url": str, "kind": str, "method": str, "status_code": int,
        "content_type": str, "sha256": str, "size": int, "fetched_at": str, "error": str,
        "headers": str, "request_headers": str, "redirects": str,
    }, pk="id"),
    "post_versions": dict(columns={
        "id": int, "post_id": str, "captured_at": str, "changes": str, "status": str, "text": str,
        "capture_id": int, "previous_capture_id": int,
    }, pk="id", foreign_keys=[("post_id", "posts", "id")]),
    # Each time `archiver recheck` asked a platform about a stored post, with what it answered
    # (version_id: the post_versions row the answer wrote, when something changed).
    "post_checks": dict(columns={
        "id": int, "post_id": str, "checked_at": str, "status": str, "status_detail": str, "capture_id": int,
        "version_id": int,
    }, pk="id", foreign_keys=[("post_id", "posts", "id")]),
    # Captures of a post's URLs (and their variants) in web archives (wayback.py): one row per memento.
    # archive: 'wayback' or 'archive-today'; url: the URL asked; memento_url: the capture as readers open it;
    # raw_url: its own bytes (Wayback's id_); capture_id: the memento fetched, kept as evidence; recovered: its
    # text is the one the post shows (text_source 'wayback' or 'archive-today'); text/author_*: what it showed.
    "mementos": dict(columns={
        "id": int, "post_id": str, "archive": str, "url": str, "original_url": str, "memento_url": str,
        "raw_url": str, "captured_at": str, "status_code": int, "mime": str, "digest": str, "length": int,
        "lookup_capture_id": int, "found_at": str, "last_seen_at": str, "capture_id": int, "fetched_at": str,
        "error": str, "text": str, "author_handle": str, "author_name": str, "created_at": str, "recovered": int,
    }, pk="id", foreign_keys=[("post_id", "posts", "id")]),
    # Each time a web archive was asked about one of a post's URLs, what it found or why it could not say.
    "memento_lookups": dict(columns={
        "id": int, "post_id": str, "archive": str, "url": str, "looked_up_at": str, "capture_id": int,
        "found": int, "error": str,
    }, pk="id", foreign_keys=[("post_id", "posts", "id")]),
    # Each request to the Wayback Machine's Save Page Now (collect --save-to-wayback): an article (post_id null)
    # or a post URL, the capture it made (memento_url) or why it failed (error).
    "wayback_saves": dict(columns={
        "id": int, "url": str, "post_id": str, "requested_at": str, "status_code": int, "capture_id": int,
        "memento_url": str, "error": str,
    }, pk="id"),
    # Subtitles and automatic captions of a post's video (media/transcripts.py); the file is in the media store.
    "transcripts": dict(columns={
        "id": int, "post_id": str, "lang": str, "kind": str, "format": str, "sha256": str, "path": str,
        "text": str, "captured_at": str,
    }, pk="id", foreign_keys=[("post_id", "posts", "id")]),
    # Facets of each post (see entities.py), rewritten whenever the post's text is.
    "hashtags": dict(columns={"post_id": str, "tag": str, "as_written": str},
                     pk=("post_id", "tag"), foreign_keys=[("post_id", "posts", "id")]),
    "mentions": dict(columns={"post_id": str, "handle": str, "platform": str},
                     pk=("post_id", "handle"), foreign_keys=[("post_id", "posts", "id")]),
    "links": dict(columns={"post_id": str, "url": str, "domain": str},
                  pk=("post_id", "url"), foreign_keys=[("post_id", "posts", "id")]),
}

INDEXES = [
    ("pages", ["url"], True),
    ("embeds", ["page_id", "post_id", "position", "relation"], True),
    ("embeds", ["post_id"], False),
    ("placeholders", ["page_id", "blocked_by", "detail"], True),
    ("posts", ["created_at"], False),
    # Facet columns: counting them on a big archive should not scan the table.
    ("posts", ["platform"], False),
    ("posts", ["status"], False),
    ("posts", ["author_handle"], False),
    ("posts", ["thread_id"], False),
    ("posts", ["account_id"], False),
    ("post_media", ["post_id", "position"], True),
    ("post_versions", ["post_id"], False),
    ("post_checks", ["post_id", "checked_at"], False),
    ("mementos", ["post_id", "archive", "memento_url"], True),
    ("memento_lookups", ["post_id"], False),
    ("transcripts", ["post_id", "lang", "kind"], True),
    ("captures", ["url"], False),
    ("captures", ["sha256"], False),
    ("hashtags", ["tag"], False),
    ("mentions", ["handle"], False),
    ("links", ["domain"], False),
]

VIEWS = {
    # One row per embed with its page and post, for browsing by site.
    "embedded_posts": """
        select posts.rowid as post_rowid, posts.id as post_id, posts.platform, posts.author_handle, posts.author_name, posts.text,
               posts.created_at, posts.status, posts.url as post_url, pages.site_name, pages.title as page_title,
               pages.url as page_url, embeds.blocked_by, embeds.relation, embeds.position,
               (select group_concat(post_media.media_sha256, ',') from post_media
                where post_media.post_id = posts.id and post_media.status in ('done', 'partial')) as media_thumbnails
        from embeds join pages on pages.id = embeds.page_id join posts on posts.id = embeds.post_id
    """,
    # Every thread in reading order: root first, then replies and the author's continuation.
    "threads": """
        select thread_id, thread_position, id as post_id, platform, author_handle, author_name, created_at,
               status, text, url, reply_to_id, quote_of_id
        from posts where thread_id is not null
        order by thread_id, thread_position is null, thread_position, created_at
    """,
}


class _PatientDatabase(sqlite_utils.Database):
    """sqlite-utils' Database, trying a statement again when SQLite refuses to start its transaction.

    The busy timeout makes a writer wait for another connection's write, except when SQLite
    sees that waiting cannot help (this connection's read snapshot is older than the last
    commit): then it answers "database is locked" at once. Outside a transaction nothing has
    happened yet, so the statement is simply tried again, a little later, on a fresh snapshot.
    """

    @contextmanager
    def atomic(self):
        """sqlite-utils' transaction (its update and insert methods use it), begun IMMEDIATE.

        sqlite-utils begins a deferred transaction: the write inside it first takes a read
        snapshot, and when another process commits while it waits for the write lock, SQLite
        refuses at once ("database is locked") instead of waiting. BEGIN IMMEDIATE takes the
        write lock first and waits for it (busy_timeout). Nested: a savepoint, as before."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.execute("begin immediate")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        try:
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    def execute(self, sql, parameters=None):
        for attempt in range(LOCKED_RETRIES + 1):
            in_transaction = self.conn.in_transaction
            try:
                return super().execute(sql, parameters)
            except sqlite3.OperationalError as exc:
                # FTS5 says "vtable constructor failed" when the lock strikes while it opens its table.
                busy = "database is locked" in str(exc) or "vtable constructor failed" in str(exc)
                if not busy or in_transaction or attempt == LOCKED_RETRIES:
                    raise
                time.sleep(0.02 * 2 ** attempt)


class Store:
    """The archive database. One instance per collect run."""

    def __init__(self, path, *, bodies_dir: Optional[Path] = None):
        self.path = Path(path)
        self.db = _PatientDatabase(self.path)
        # Set first: two collects on one archive wait for each other instead of failing "database is locked".
        self.db.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
        # Writes take the write lock first (BEGIN IMMEDIATE), waiting for it: a deferred BEGIN
        # reads first, and when another connection writes in between, SQLite refuses the write
        # at once ("database is locked") instead of waiting.
        self.db.conn.isolation_level = "IMMEDIATE"
        self.db.execute("pragma journal_mode = wal")
        # In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a power cut may
        # lose the last commits, never the database's consistency (and a lost source is simply
        # pending again). A commit per capture costs a fraction of what it did.
        self.db.execute("pragma synchronous = normal")
        self.db.execute("pragma foreign_keys = on")
        self.bodies_dir = Path(bodies_dir) if bodies_dir else self.path.with_name(self.path.stem + "-files") / "bodies"
        with self._schema_lock():
            self.ensure_schema()
            # Open the full-text tables now, one connection at a time: FTS5 reads its configuration
            # when a connection first uses a table, and a busy archive makes that fail later
            # ("vtable constructor failed") instead of waiting.
            for fts in ("posts_fts", "pages_fts"):
                self.db.execute(f"select count(*) from {fts} where rowid = 0").fetchall()

    @contextmanager
    def _schema_lock(self):
        """One process at a time creates or upgrades the schema; another collect starting on the same
        new archive waits, then finds every table there. (SQLite's own lock cannot span it: creating
        the full-text index commits on its own.)"""
        try:
            import fcntl
        except ImportError:  # not POSIX: nothing to hold
            yield
            return
        lock_path = self.bodies_dir.parent / ".schema.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- schema --------------------------------------------------------------
    def ensure_schema(self) -> None:
        with self.db.conn:
            for name, spec in TABLES.items():
                table = self.db[name]
                if not table.exists():
                    table.create(spec["columns"], pk=spec["pk"], not_null=spec.get("not_null"),
                                 foreign_keys=spec.get("foreign_keys"))
                else:  # an older archive: add the columns it lacks
                    missing = {c: t for c, t in spec["columns"].items() if c not in table.columns_dict}
                    for column, col_type in missing.items():
                        table.add_column(column, col_type)
            for table, columns, unique in INDEXES:
                self.db[table].create_index(columns, unique=unique, if_not_exists=True)
            for name, sql in VIEWS.items():
                self.db.create_view(name, sql, replace=True)
            self.db.execute("create table if not exists archiver_meta (key text primary key, value text)")
            self.db.execute("insert or replace into archiver_meta values ('schema_version', ?)", [str(SCHEMA_VERSION)])
        fts = self.db["posts"].detect_fts()
        if not fts or not set(POSTS_FTS_COLUMNS) <= set(self.db[fts].columns_dict):
            # An archive from before transcripts or Latin spellings: its index is made again with them.
            self._fill_latin()
            self.db["posts"].enable_fts(POSTS_FTS_COLUMNS, create_triggers=True, replace=bool(fts),
                                        tokenize="unicode61 remove_diacritics 2")
        if not self.db["pages"].detect_fts():
            self.db["pages"].enable_fts(["title", "site_name", "url"], create_triggers=True,
                                        tokenize="unicode61 remove_diacritics 2")

    def _fill_latin(self) -> None:
        rows = self.db.execute(f"select id, text, author_name, transcript from posts where latin is null and "
                               f"(text {HAS_CYRILLIC} or author_name {HAS_CYRILLIC} or transcript {HAS_CYRILLIC})"
                               ).fetchall()
        with self.db.conn:
            for post_id, text, author_name, transcript in rows:
                self.db["posts"].update(post_id, {"latin": latin_for(text, author_name, transcript)})

    # -- captures ----------------------------------------------------------
    def record_capture(self, capture: Capture) -> int:
        row = {
            "url": capture.url, "final_url": capture.final_url, "kind": capture.kind, "method": capture.method,
            "status_code": capture.status_code, "content_type": capture.content_type, "sha256": capture.sha256,
            "size": capture.size, "fetched_at": capture.fetched_at, "error": capture.error,
            "headers": json.dumps(capture.headers), "request_headers": json.dumps(capture.request_headers),
            "redirects": json.dumps(capture.redirects) if capture.redirects else None,
        }
        capture.id = self.db["captures"].insert(row).last_pk
        return capture.id

    def record_file_capture(self, path: str, sha256: str, size: int) -> int:
        """A page read from a saved file is evidence too: its bytes are kept like a response."""
        return self.db["captures"].insert({
            "url": Path(path).resolve().as_uri(), "kind": "file", "method": "READ", "sha256": sha256,
            "size": size, "fetched_at": utc_now(),
        }).last_pk

    # -- pages and embeds --------------------------------------------------
    def upsert_page(self, url: str, *, final_url: Optional[str], meta: Optional[PageMeta], capture_id: Optional[int],
                    error: Optional[str], now: str) -> int:
        table = self.db["pages"]
        row = {"url": url, "final_url": final_url, "capture_id": capture_id, "last_captured_at": now,
               "status": "error" if error else "ok", "error": error}
        if meta is not None:
            row.update({k: v for k, v in asdict(meta).items() if v is not None})
        new_id = self._insert_new("pages", {**row, "first_captured_at": now}, ("url",))
        if new_id is not None:
            return new_id
        existing_id = first_row(table.rows_where("url = ?", [url], select="id", limit=1))["id"]
        if error:  # a failed re-fetch keeps what the earlier capture found
            row = {k: row[k] for k in ("last_captured_at", "status", "error")}
        table.update(existing_id, row)
        return existing_id

    def _insert_new(self, table: str, row: dict, key: tuple) -> Optional[int]:
        """Insert row unless one with the same key is there (perhaps written a moment ago by
        another collect on this archive); the new rowid, or None when it was there."""
        columns = ", ".join(f"[{c}]" for c in row)
        sql = (f"insert into [{table}] ({columns}) values ({', '.join('?' for _ in row)}) "
               f"on conflict({', '.join(key)}) do nothing")
        with self.db.atomic():
            cursor = self.db.execute(sql, list(row.values()))
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def upsert_embed(self, page_id: int, embed: Embed, now: str) -> None:
        row = {
            "page_id": page_id, "position": embed.position, "platform": embed.platform, "post_url": embed.url,
            "post_id": embed.post_id, "relation": embed.relation, "blocked_by": embed.blocked_by,
            "recovered_from": embed.recovered_from, "fallback_text": embed.fallback_text,
            "fallback_author": embed.fallback_author, "fallback_handle": embed.fallback_handle,
            "fallback_date": embed.fallback_date, "html": embed.html, "last_seen_at": now,
            "found_by": embed.found_by,
        }
        if self._insert_new("embeds", {**row, "first_seen_at": now}, ("page_id", "post_id", "position", "relation")) is None:
            self.db["embeds"].update(first_row(self.db["embeds"].rows_where(
                "page_id = ? and post_id = ? and position = ? and relation = ?",
                [page_id, embed.post_id, embed.position, embed.relation], select="id", limit=1))["id"], row)

    def upsert_placeholder(self, page_id: int, blocked_by: str, detail: str, html: Optional[str], now: str) -> None:
        row = {"page_id": page_id, "blocked_by": blocked_by, "detail": detail, "html": html,
               "first_seen_at": now, "last_seen_at": now}
        if self._insert_new("placeholders", row, ("page_id", "blocked_by", "detail")) is None:
            with self.db.atomic():
                self.db.execute("update placeholders set last_seen_at = ? where page_id = ? and blocked_by = ? "
                                "and detail = ?", [now, page_id, blocked_by, detail])

    # -- posts ---------------------------------------------------------------
    def upsert_account(self, account: Account, now: str) -> str:
        table = self.db["accounts"]
        row = {k: v for k, v in {
            "id": account.id, "platform": account.platform, "native_id": account.native_id,
            "handle": account.handle, "display_name": account.display_name, "url": account.url,
            "avatar_url": account.avatar_url, "last_captured_at": now,
        }.items() if v is not None}
        if self._insert_new("accounts", {**row, "first_captured_at": now}, ("id",)) is None:
            table.update(account.id, row)
        return account.id

    def upsert_post(self, post: Post, now: str) -> str:
        """Insert or update a post; a change against the stored row writes a post_versions row.

        A failed attempt (unresolved) never overwrites what an earlier capture
        resolved: the evidence stays, and only the attempt is noted.
        """
        table = self.db["posts"]
        account_id = self.upsert_account(post.account, now) if post.account and post.account.handle else None
        row = {
            "id": post.id, "platform": post.platform, "native_id": post.native_id, "url": post.url,
            "account_id": account_id, "author_handle": post.account.handle if post.account else None,
            "author_name": post.account.display_name if post.account else None, "text": post.text,
            "text_source": post.text_source if post.text is not None else None, "lang": post.lang,
            "created_at": post.created_at, "reply_to_id": post.reply_to_id, "quote_of_id": post.quote_of_id,
            "thread_id": post.thread_id, "thread_position": post.thread_position, "like_count": post.like_count,
            "repost_count": post.repost_count, "reply_count": post.reply_count, "view_count": post.view_count,
            "status": post.status, "status_detail": post.status_detail, "capture_id": post.raw_capture_id,
            "last_attempt_at": now, "forwarded_from": post.forwarded_from, "duration": post.duration,
            "chapters": json.dumps(post.chapters, ensure_ascii=False) if post.chapters else None,
            "video_info_capture_id": post.video_info_capture_id,
        }
        row["latin"] = latin_for(post.text, row["author_name"])
        if self._insert_new("posts", {**row, "first_captured_at": now, "last_captured_at": now}, ("id",)) is not None:
            self._replace_media(post)
            self._replace_facets(post)
            return post.id
        existing = table.get(post.id)
        if post.status == "unresolved" and existing["status"] != "unresolved":
            table.update(post.id, {"last_attempt_at": now})
            return post.id
        # What the platform did not say this time is kept from before (a tombstone has no text).
        update = {k: v for k, v in row.items() if v is not None}
        update["last_captured_at"] = now
        if post.status != "ok":
            for keep in ("text", "text_source", "author_handle", "author_name", "account_id", "created_at"):
                if existing.get(keep) is not None:
                    update.pop(keep, None)
        changes = {f: [existing.get(f), update[f]] for f in VERSIONED_FIELDS
                   if f in update and update[f] != existing.get(f)}
        if post.status == existing["status"] == "ok":
            # A note on an available post ("video not downloadable: …") comes and goes with the
            # tools asking; the post did not change.
            changes.pop("status_detail", None)
        if post.status != existing["status"]:
            changes["status"] = [existing["status"], post.status]
        kept = {**existing, **update}
        update["latin"] = latin_for(kept.get("text"), kept.get("author_name"), kept.get("transcript"))
        table.update(post.id, update)
        if changes:
            self.db["post_versions"].insert({
                "post_id": post.id, "captured_at": now, "changes": json.dumps(changes, ensure_ascii=False),
                "status": post.status, "text": update.get("text", existing.get("text")),
                "capture_id": post.raw_capture_id, "previous_capture_id": existing.get("capture_id"),
            })
        if post.media:
            self._replace_media(post)
        if post.status == "ok" and post.text is not None:
            self._replace_facets(post)
        return post.id

    def _replace_facets(self, post: Post) -> None:
        from .entities import facet_rows

        # Plain SQL in one transaction: sqlite-utils' insert_all looks its rows up again by rowid
        # afterwards, and another collect replacing the same rows in between made that fail.
        with self.db.atomic():
            for table, rows in facet_rows(post).items():
                self.db.execute(f"delete from [{table}] where post_id = ?", [post.id])
                if rows:
                    columns = list(rows[0])
                    self.db.conn.executemany(
                        f"insert or replace into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
                        f"values ({', '.join('?' for _ in columns)})", [[row[c] for c in columns] for row in rows])

    def _replace_media(self, post: Post) -> None:
        for position, item in enumerate(post.media):
            key = {"post_id": post.id, "position": position}
            row = {**key, "kind": item.kind, "source_url": item.source_url, "poster_url": item.poster_url,
                   "alt_text": item.alt_text, "via": item.via}
            if self._insert_new("post_media", {**row, "status": "pending", "attempts": 0},
                                ("post_id", "position")) is not None:
                continue
            existing = first_row(self.db["post_media"].rows_where("post_id = ? and position = ?",
                                                             [post.id, position], limit=1))
            if existing.get("via") == "yt-dlp" and item.via != "yt-dlp" and existing["status"] != "pending":
                continue  # a video yt-dlp fetched is not replaced by an answer asked without it (a preview)
            if existing["source_url"] != item.source_url:  # a new file (or a new CDN link): fetch again
                row.update({"status": "pending", "attempts": 0})
            self.db["post_media"].update(existing["id"], row)

    # -- reading -------------------------------------------------------------
    def counts(self) -> dict:
        return {name: self.db[name].count for name in ("pages", "embeds", "posts", "accounts", "captures")}
