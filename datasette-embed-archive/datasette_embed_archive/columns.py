"""Tables that read well at laptop width: what a volunteer reads first, ids last, posts as posts.

Datasette shows a table's columns in the order they were created, which for
posts means id, platform, native_id, url and account_id before any text. When a
table page of the archive is asked for without a choice of columns (`_col` or
`_nocol`), the request is given this project's order instead; a reader who
picks columns gets exactly those. JSON and CSV keep every column as stored.
A post's row page (where the posts table links each id) leads to its post page.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from datasette.utils import tilde_decode
from datasette.utils.asgi import Response

from .paths import post_path
from .sources import find_archive_database

FIRST = {
    "posts": ["text", "author_name", "author_handle", "created_at", "status", "platform", "url"],
    "embedded_posts": ["text", "author_name", "author_handle", "created_at", "status", "media_thumbnails",
                       "blocked_by", "platform", "site_name", "page_title"],
    "media": ["thumbnail_path", "mime", "width", "height", "duration", "taken_at", "latitude", "longitude",
              "status"],
    "pages": ["title", "site_name", "published_at", "status", "url", "last_captured_at"],
}
# Kept for search, not for reading: left out of the default view (`_col=latin` shows it).
UNREAD = {"latin"}
ID_COLUMN = re.compile(r"(^|_)(id|rowid|sha256)$")
TABLE_PAGE = re.compile(r"^/(?P<database>[^/]+)/(?P<table>posts|embedded_posts|media|pages)$")
POST_ROW = re.compile(r"^/(?P<database>[^/]+)/posts/(?P<post_id>[^/.]+)$")


def ordered(table: str, columns: list[str]) -> list[str]:
    """The table's columns to show: the readable ones first, the rest as stored, ids and hashes last."""
    first = [c for c in FIRST.get(table, []) if c in columns]
    rest = [c for c in columns if c not in first and c not in UNREAD]
    return first + [c for c in rest if not ID_COLUMN.search(c)] + [c for c in rest if ID_COLUMN.search(c)]


def readable_columns_wrapper(datasette):
    def wrap(app):
        async def readable(scope, receive, send):
            if scope.get("type") == "http" and scope.get("method") == "GET":
                post_page = await _post_page_of_row(datasette, scope)
                if post_page:
                    await Response.redirect(post_page).asgi_send(send)
                    return
                scope = await _with_order(datasette, scope)
            await app(scope, receive, send)
        return readable
    return wrap


async def _post_page_of_row(datasette, scope):
    match = POST_ROW.match(scope.get("path") or "")
    if not match:
        return None
    archive = await find_archive_database(datasette)
    if archive is None or archive.name != match["database"]:
        return None
    return post_path(datasette, tilde_decode(match["post_id"]))


async def _with_order(datasette, scope) -> dict:
    match = TABLE_PAGE.match(scope.get("path") or "")
    query = (scope.get("query_string") or b"").decode("latin-1")
    if not match or "_col=" in query or "_nocol=" in query:
        return scope
    archive = await find_archive_database(datasette)
    if archive is None or archive.name != match["database"]:
        return scope
    table = match["table"]
    columns = await archive.table_columns(table)
    if not columns:
        return scope
    pks = set(await archive.primary_keys(table)) if await archive.table_exists(table) else set()
    wanted = [("_col", c) for c in ordered(table, columns) if c not in pks]  # a key is shown first anyway
    query_string = urlencode([*parse_qsl(query, keep_blank_values=True), *wanted]).encode("latin-1")
    return {**scope, "query_string": query_string}
