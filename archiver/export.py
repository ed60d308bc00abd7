"""`archiver export --format jsonl`: one self-contained JSON record per post.

Each record carries its account, media, thread, facets, versions and the pages
that embedded it, so a line can be read (and cited) without the database. The
shapes are schemas/post.schema.json and schemas/page.schema.json.
"""
from __future__ import annotations

import json
from typing import IO, Iterator

import sqlite_utils


def export_jsonl(db_path, out: IO[str]) -> int:
    """Write one line per post to out; returns how many."""
    count = 0
    for record in post_records(sqlite_utils.Database(db_path)):
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
        count += 1
    return count


def post_records(db: sqlite_utils.Database) -> Iterator[dict]:
    tables = set(db.table_names())
    for post in db.query("select * from posts order by created_at is null, created_at, id"):
        yield post_record(db, post, tables)


def post_record(db, post: dict, tables: set) -> dict:
    return {
        "id": post["id"], "platform": post["platform"], "native_id": post["native_id"], "url": post["url"],
        "status": post["status"], "status_detail": post.get("status_detail"),
        "text": post.get("text"), "text_source": post.get("text_source"), "lang": post.get("lang"),
        "created_at": post.get("created_at"),
        "counts": {k: post.get(f"{k}_count") for k in ("like", "repost", "reply", "view")},
        "account": _account(db, post.get("account_id"), post),
        "thread": _thread(db, post),
        "forwarded_from": post.get("forwarded_from"),
        "media": _media(db, post["id"], tables),
        "hashtags": _column(db, tables, "hashtags", "tag", post["id"]),
        "mentions": _column(db, tables, "mentions", "handle", post["id"]),
        "links": _column(db, tables, "links", "url", post["id"]),
        "pages": [page_record(row) for row in db.query(
            "select pages.*, embeds.position as embed_position, embeds.relation, embeds.blocked_by, "
            "embeds.recovered_from, embeds.found_by, embeds.fallback_text, embeds.fallback_author, "
            "embeds.fallback_date "
            "from embeds join pages on pages.id = embeds.page_id where embeds.post_id = ? "
            "order by pages.id, embeds.position", [post["id"]])],
        "versions": [{"captured_at": v["captured_at"], "status": v["status"], "changes": _json(v["changes"]),
                      "capture_id": v["capture_id"]}
                     for v in db.query("select * from post_versions where post_id = ? order by captured_at, id", [post["id"]])],
        "mementos": [{"archive": m["archive"], "memento_url": m["memento_url"], "original_url": m["original_url"],
                      "captured_at": m["captured_at"], "status_code": m["status_code"],
                      "recovered": bool(m["recovered"]), "capture_id": m["capture_id"]}
                     for m in (db.query("select * from mementos where post_id = ? order by captured_at, id",
                                        [post["id"]]) if "mementos" in tables else [])],
        "capture": _capture(db, post.get("capture_id")),
        "video": _video(db, post, tables),
        "first_captured_at": post.get("first_captured_at"), "last_captured_at": post.get("last_captured_at"),
    }


def page_record(row: dict) -> dict:
    """A page as it embedded one post (schemas/page.schema.json)."""
    return {
        "url": row["url"], "final_url": row.get("final_url"), "title": row.get("title"),
        "site_name": row.get("site_name"), "lang": row.get("lang"), "published_at": row.get("published_at"),
        "status": row.get("status"), "first_captured_at": row.get("first_captured_at"),
        "last_captured_at": row.get("last_captured_at"),
        "embed": {"position": row.get("embed_position"), "relation": row.get("relation"),
                  "blocked_by": row.get("blocked_by"), "recovered_from": row.get("recovered_from"),
                  "found_by": row.get("found_by"),
                  "fallback_text": row.get("fallback_text"), "fallback_author": row.get("fallback_author"),
                  "fallback_date": row.get("fallback_date")},
    }


def _account(db, account_id, post: dict):
    row = next(db.query("select * from accounts where id = ?", [account_id]), None) if account_id else None
    if row is None:  # only what the embed showed, if anything
        if not (post.get("author_handle") or post.get("author_name")):
            return None
        return {"id": None, "platform": post["platform"], "handle": post.get("author_handle"),
                "display_name": post.get("author_name"), "url": None, "avatar_url": None}
    return {k: row.get(k) for k in ("id", "platform", "handle", "display_name", "url", "avatar_url")}


def _thread(db, post: dict) -> dict:
    members = []
    if post.get("thread_id"):
        members = [r["id"] for r in db.query(
            "select id from posts where thread_id = ? order by thread_position is null, thread_position, created_at",
            [post["thread_id"]])]
    return {"id": post.get("thread_id"), "position": post.get("thread_position"),
            "reply_to_id": post.get("reply_to_id"), "quote_of_id": post.get("quote_of_id"), "posts": members}


def _media(db, post_id: str, tables: set) -> list:
    join = "left join media on media.sha256 = post_media.media_sha256" if "media" in tables else ""
    extra = ", media.mime, media.size, media.width, media.height" if join else ""
    rows = db.query(f"select post_media.*{extra} from post_media {join} where post_media.post_id = ? "
                    "order by post_media.position", [post_id])
    return [{"position": r["position"], "kind": r["kind"], "source_url": r["source_url"],
             "poster_url": r.get("poster_url"), "alt_text": r.get("alt_text"), "status": r.get("status"),
             "sha256": r.get("media_sha256"), "mime": r.get("mime"), "size": r.get("size"),
             "width": r.get("width"), "height": r.get("height")} for r in rows]


def _column(db, tables: set, table: str, column: str, post_id: str) -> list:
    if table not in tables:
        return []
    return [r[column] for r in db.query(f"select {column} from {table} where post_id = ? order by rowid", [post_id])]


def _video(db, post: dict, tables: set):
    """What yt-dlp said of the post's video, when it was asked (media/ytdlp.py)."""
    transcripts = [dict(r) for r in db.query(
        "select lang, kind, format, sha256, text from transcripts where post_id = ? order by kind desc, lang",
        [post["id"]])] if "transcripts" in tables else []
    if not (post.get("video_info_capture_id") or post.get("duration") is not None or transcripts):
        return None
    chapters = _json(post.get("chapters")) if post.get("chapters") else []
    return {"duration": post.get("duration"), "chapters": chapters if isinstance(chapters, list) else [],
            "info_capture": _capture(db, post.get("video_info_capture_id")), "transcripts": transcripts}


def _capture(db, capture_id):
    row = next(db.query("select id, url, status_code, sha256, fetched_at from captures where id = ?",
                        [capture_id]), None) if capture_id else None
    return dict(row) if row else None


def _json(text):
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {"unreadable": text}
