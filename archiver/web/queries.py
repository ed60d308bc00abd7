"""The reads behind the plugin's pages: one post with its context."""
from __future__ import annotations

from typing import Optional


async def find_archive_database(datasette):
    """The served database that holds the archive's posts table (the first one found)."""
    for database in datasette.databases.values():
        if database.name.startswith("_"):
            continue
        if await database.table_exists("posts") and await database.table_exists("embeds"):
            return database
    return None


async def _rows(database, sql: str, params) -> list[dict]:
    result = await database.execute(sql, params)
    return [dict(row) for row in result.rows]


async def load_post_page(database, post_id: str) -> Optional[dict]:
    posts = await _rows(database, "select * from posts where id = ?", [post_id])
    if not posts:
        return None
    post = posts[0]
    account = None
    if post.get("account_id"):
        found = await _rows(database, "select * from accounts where id = ?", [post["account_id"]])
        account = found[0] if found else None
    embeds = await _rows(database, """
        select embeds.*, pages.url as page_url, pages.final_url as page_final_url, pages.title as page_title,
               pages.site_name as page_site_name, pages.published_at as page_published_at
        from embeds join pages on pages.id = embeds.page_id
        where embeds.post_id = ? order by pages.last_captured_at desc""", [post_id])
    versions = await _rows(database, "select * from post_versions where post_id = ? order by id", [post_id])
    media = await _rows(database, "select * from post_media where post_id = ? order by position", [post_id])
    related_ids = [i for i in (post.get("reply_to_id"), post.get("quote_of_id"), post.get("thread_id")) if i]
    related = {}
    if related_ids:
        placeholders = ",".join("?" for _ in related_ids)
        for row in await _rows(database, f"select id, author_handle, text, status from posts where id in ({placeholders})",
                               related_ids):
            related[row["id"]] = row
    return {"post": post, "account": account, "embeds": embeds, "versions": versions, "media": media,
            "related": related}
