"""The reads behind the plugin's pages: one post with its context, its annotations, a thread."""
from __future__ import annotations

import sqlite3
from typing import Optional

from .sources import Sources
from .timeline import build_timeline


async def rows_of(database, sql: str, params, **kwargs) -> list[dict]:
    """A query's rows as dicts (kwargs as Datasette's execute takes them: custom_time_limit…)."""
    result = await database.execute(sql, params, **kwargs)
    return [dict(row) for row in result.rows]


async def load_post_page(database, post_id: str) -> Optional[dict]:
    # Every read of the page in one trip to Datasette's query threads: under load each trip
    # waits its turn behind the other pages' queries, and a post page needs about a dozen.
    return await database.execute_fn(lambda conn: _post_page(conn, post_id))


def _all(conn, sql: str, params=()) -> list[dict]:
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return [dict(row) for row in cursor.execute(sql, params)]


def _post_page(conn, post_id: str) -> Optional[dict]:
    posts = _all(conn, "select * from posts where id = ?", [post_id])
    if not posts:
        return None
    post = posts[0]
    tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}
    account = None
    if post.get("account_id"):
        found = _all(conn, "select * from accounts where id = ?", [post["account_id"]])
        account = found[0] if found else None
    embeds = _all(conn, """
        select embeds.*, pages.url as page_url, pages.final_url as page_final_url, pages.title as page_title,
               pages.site_name as page_site_name, pages.published_at as page_published_at
        from embeds join pages on pages.id = embeds.page_id
        where embeds.post_id = ? order by pages.last_captured_at desc""", [post_id])
    versions = _all(conn, "select * from post_versions where post_id = ? order by captured_at, id", [post_id])
    media = _all(conn, "select * from post_media where post_id = ? order by position", [post_id])
    related_ids = [i for i in (post.get("reply_to_id"), post.get("quote_of_id"), post.get("thread_id")) if i]
    related = {}
    if related_ids:
        placeholders = ",".join("?" for _ in related_ids)
        for row in _all(conn, f"select id, author_handle, text, status from posts where id in ({placeholders})",
                        related_ids):
            related[row["id"]] = row

    def rows_if_table(table: str, sql: str) -> list[dict]:  # tables an earlier archive may not have yet
        return _all(conn, sql, [post_id]) if table in tables else []

    transcripts = rows_if_table("transcripts", "select lang, kind, format, sha256, text from transcripts "
                                               "where post_id = ? order by kind desc, lang")
    checks = rows_if_table("post_checks", "select * from post_checks where post_id = ? order by checked_at, id")
    mementos = rows_if_table("mementos", "select * from mementos where post_id = ? order by captured_at, id")
    return {"post": post, "account": account, "embeds": embeds, "versions": versions, "media": media,
            "related": related, "transcripts": transcripts, "chapters": _chapters(post.get("chapters")),
            "checks": checks, "mementos": mementos,
            "timeline": build_timeline(post, versions, checks, mementos)}


def _chapters(text) -> list:
    """A video's chapters as the collector stored them (JSON); nothing when unreadable."""
    import json

    try:
        chapters = json.loads(text) if text else []
    except ValueError:
        return []
    return [c for c in chapters if isinstance(c, dict)] if isinstance(chapters, list) else []


async def load_annotations(sources: Sources, post_id: str) -> dict:
    """The post's current tags, status, place and notes, and the events behind them, newest first."""
    if not sources.has_annotations:
        return {"tags": [], "status": None, "place": None, "notes": [], "history": []}
    def read(conn) -> dict:  # in one trip, like the post itself
        def rows(kind, order=""):
            return _all(conn, f"select * from {sources.rel(kind)} where post_id = ? {order}", [post_id])

        status, place = rows("status"), rows("place")
        return {"tags": rows("tags", "order by tag"), "status": status[0] if status else None,
                "place": place[0] if place else None, "notes": rows("notes", "order by event_id"),
                "history": rows("events", "order by id desc")}

    return await sources.query_db.execute_fn(read)


async def load_thread(database, post_id: str) -> Optional[dict]:
    """The whole thread `post_id` belongs to, in order, with each post's media.

    The root is the post's thread_id (or the post itself); members are the
    posts that name that root, ordered by thread_position, then time.
    """
    found = await rows_of(database, "select id, thread_id from posts where id = ?", [post_id])
    if not found:
        return None
    root = found[0]["thread_id"] or found[0]["id"]
    posts = await rows_of(database, """
        select * from posts where id = :root or thread_id = :root
        order by id != :root, thread_position is null, thread_position, created_at, id""", {"root": root})
    media = await load_media(database, [p["id"] for p in posts])
    for post in posts:
        post["media"] = media.get(post["id"], [])
    return {"root": root, "posts": posts, "current": post_id}


async def load_media(database, post_ids: list) -> dict[str, list]:
    """post id -> its media, in order, each with what was verified of the file (and whether this copy has it)."""
    media: dict[str, list] = {}
    if not post_ids:
        return media
    marks = ",".join("?" for _ in post_ids)
    for item in await rows_of(database, f"""
            select post_media.*, media.mime, media.width, media.height, media.duration, media.size,
                   media.latitude, media.longitude, media.taken_at, media.phash, media.thumbnail_path,
                   media.path is not null as has_file, media.status as file_status, media.error as file_error
            from post_media left join media on media.sha256 = post_media.media_sha256
            where post_media.post_id in ({marks}) order by post_media.post_id, post_media.position""", post_ids):
        media.setdefault(item["post_id"], []).append(item)
    return media
