"""The archive's media in Datasette: files and thumbnails.

Files are served from the archive's own origin, so only the types sniffed and
verified at download (JPEG, PNG, GIF, WebP; MP4, MOV, WebM; MP3, Ogg, M4A, WAV,
FLAC) are served inline,
and only when the bytes on disk still sniff as that type; anything else, HTML
and SVG included, is a download. Every answer carries nosniff and a sandboxing
Content-Security-Policy, so no browser runs what a post's author uploaded.
"""
from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Optional

from datasette.utils import tilde_decode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from .mediatype import INLINE_TYPES, sniff
from .queries import load_media
from .storage import THUMBNAIL_MIME, files_dir

SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Columns holding one media sha256, or (media_thumbnails) several separated by commas. (Foreign-key
# columns such as post_media.media_sha256 are shown by Datasette as links to the media row instead.)
MEDIA_COLUMNS = {("post_media", "media_sha256"), ("post_media", "poster_sha256"), ("media", "sha256"),
                 ("accounts", "avatar_sha256")}
THUMBNAILS_COLUMN = "media_thumbnails"
SNIFF_BYTES = 2048  # what mediatype.sniff reads
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "public, max-age=31536000, immutable",  # content-addressed: the bytes never change
}


def media_url(datasette, sha256: str, thumbnail: bool = False) -> str:
    return datasette.urls.path(f"/-/media/{sha256}" + ("/thumbnail" if thumbnail else ""))


def thumbnail_link(datasette, sha256: str) -> Markup:
    # Sized inline: table cells would otherwise show the 400 px thumbnail at full size.
    return Markup('<a class="archiver-thumb" href="{}"><img src="{}" alt="media {}" loading="lazy" '
                  'style="max-width:160px;max-height:120px"></a>').format(
        media_url(datasette, sha256), media_url(datasette, sha256, thumbnail=True), sha256[:12])


def render_media_cell(row, value: str, column, table, datasette):
    """Thumbnails for the columns that hold media hashes (None for any other cell)."""
    if (table, column) in MEDIA_COLUMNS and SHA256.match(value):
        return thumbnail_link(datasette, value)
    if (table, column) == ("media", "thumbnail_path") and SHA256.match(str(row["sha256"])):
        return thumbnail_link(datasette, row["sha256"])
    if column == THUMBNAILS_COLUMN:
        shas = [v for v in value.split(",") if SHA256.match(v)]
        return Markup(" ").join(thumbnail_link(datasette, sha) for sha in shas) if shas else None
    return None


async def media_database(datasette):
    """The served archive that holds a media table, with its files directory."""
    for database in datasette.databases.values():
        if not database.name.startswith("_") and database.path and await database.table_exists("media"):
            return database
    return None


async def media_file(datasette, request):
    sha256, thumbnail = request.url_vars["sha256"], bool(request.url_vars.get("thumbnail"))
    database = await media_database(datasette)
    if database is None:
        raise NotFound("No archive with media is being served")
    row = (await database.execute("select mime, path, thumbnail_path from media where sha256 = ?", [sha256])).first()
    relpath = (row["thumbnail_path"] if thumbnail else row["path"]) if row else None
    path = _inside(files_dir(database.path), relpath)
    if path is None:
        raise NotFound("No such media file in the archive")
    claimed = THUMBNAIL_MIME if thumbnail else row["mime"]
    headers = {**SAFE_HEADERS, "Accept-Ranges": "bytes"}
    head, size = await asyncio.to_thread(_head_and_size, path)
    if not (claimed in INLINE_TYPES and sniff(head) == claimed):
        # Not a type we show (HTML, SVG, unknown), or the file no longer is what was verified.
        claimed = "application/octet-stream"
        headers["Content-Disposition"] = f'attachment; filename="{sha256}.bin"'
    wanted = _byte_range(request.headers.get("range"), size)
    if wanted is None:
        return FileSlice(path, 0, size, 200, claimed, headers)
    start, end = wanted  # browsers (Safari always) ask for videos in ranges
    if start >= size:
        return Response(b"", status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return FileSlice(path, start, end + 1 - start, 206, claimed, headers)


def _head_and_size(path: Path) -> tuple[bytes, int]:
    """The first bytes (enough to sniff the type) and the size of a file."""
    with open(path, "rb") as f:
        return f.read(SNIFF_BYTES), os.fstat(f.fileno()).st_size


class FileSlice:
    """An answer of `length` bytes of a file from `start`, read in chunks off the event loop.

    A video may be hundreds of MB: it is never held in memory, and no read blocks the
    server while other requests wait.
    """

    CHUNK = 256 * 1024

    def __init__(self, path: Path, start: int, length: int, status: int, content_type: str, headers: dict):
        self.path, self.start, self.length = path, start, length
        self.status, self.content_type, self.headers = status, content_type, headers

    async def asgi_send(self, send):
        headers = {**self.headers, "Content-Type": self.content_type, "Content-Length": str(self.length)}
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [[k.lower().encode("latin-1"), str(v).encode("latin-1")] for k, v in headers.items()]})
        remaining = self.length
        with open(self.path, "rb") as f:
            await asyncio.to_thread(f.seek, self.start)
            while remaining > 0:
                chunk = await asyncio.to_thread(f.read, min(self.CHUNK, remaining))
                if not chunk:  # the file shrank since its size was read: end the body here
                    break
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
        if remaining > 0 or self.length == 0:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def _byte_range(header: Optional[str], size: int) -> Optional[tuple[int, int]]:
    """(first, last) byte of a single `bytes=` range; None to send the whole file."""
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header or "")
    if not m or m.groups() == ("", ""):
        return None
    first, last = m.groups()
    if first == "":  # the last N bytes
        return max(size - int(last), 0), size - 1
    last = min(int(last), size - 1) if last else size - 1
    return (int(first), last) if int(first) <= last or int(first) >= size else None


def _inside(root: Path, relpath: Optional[str]) -> Optional[Path]:
    """root/relpath when it is a file under root; paths come from the database, still never trusted."""
    if not relpath:
        return None
    root = root.resolve()
    path = (root / relpath).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def post_media_vars(datasette, database, request):
    """The post page's media files with what was verified of each (an awaitable for extra_template_vars)."""

    async def media_of_post():
        db = datasette.get_database(database) if database else await media_database(datasette)
        if not await db.table_exists("media"):
            return {}
        post_id = tilde_decode(request.url_vars["post_id"])
        return {"archiver_media_files": (await load_media(db, [post_id])).get(post_id, [])}

    return media_of_post
