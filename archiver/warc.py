"""Every capture as WARC, so web-archiving tools (warcio, pywb, ReplayWeb.page) can read and replay the archive.

Each HTTP capture becomes a request/response pair, with the redirects that led
to it as their own pairs; a page read from a saved file becomes a `resource`
record, and so does yt-dlp's info JSON about a post (kind "info", application/json). warcio adds the block and payload digests. Bodies are stored decoded
(requests undoes gzip), so the response headers say so: Content-Encoding and
Transfer-Encoding are dropped and Content-Length is the stored body's length.
"""
from __future__ import annotations

import json
import sqlite3
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from . import __version__
from .http import BodyStore
from .media.files import files_dir

DROPPED_RESPONSE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
# Captures that are no HTTP exchange of ours: a saved page read from a file, yt-dlp's info JSON on a post.
RESOURCE_KINDS = ("file", "info")


def export_warc(db_path, path, *, warn: Optional[Callable[[str], None]] = None) -> int:
    """Write every capture with a response to `path` (gzipped WARC 1.1); returns how many captures were written."""
    warn = warn or (lambda line: None)
    bodies = BodyStore(files_dir(db_path) / "bodies")
    conn = sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    written = 0
    tmp = Path(path).with_name(Path(path).name + ".part")
    try:
        with open(tmp, "wb") as out:
            writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
            writer.write_record(writer.create_warcinfo_record(Path(path).name, {
                "software": f"archiver {__version__}", "format": "WARC File Format 1.1",
                "description": "Captures of an archiver archive: pages, platform API answers, media"}))
            for capture in conn.execute("select * from captures order by id"):
                body = _body(bodies, capture, warn)
                if body is None:
                    continue
                if capture["kind"] in RESOURCE_KINDS:
                    writer.write_record(_resource(writer, capture, body))
                else:
                    for hop in json.loads(capture["redirects"] or "[]"):
                        _write_pair(writer, capture, hop["url"], hop["status"], {"Location": hop["location"]}, b"")
                    _write_pair(writer, capture, capture["final_url"] or capture["url"], capture["status_code"],
                                json.loads(capture["headers"] or "{}"), body)
                written += 1
        tmp.replace(path)  # a reader never sees half a file under the name asked for
    finally:
        tmp.unlink(missing_ok=True)
        conn.close()
    return written


def _body(bodies: BodyStore, capture, warn) -> Optional[bytes]:
    """The stored body; None for captures that got no response (DNS failure, refused address)."""
    if capture["kind"] not in RESOURCE_KINDS and capture["status_code"] is None:
        return None
    if capture["kind"] == "info" and not capture["sha256"]:  # yt-dlp refused: no JSON to write
        return None
    if not capture["sha256"]:
        return b""
    try:
        return bodies.get(capture["sha256"])
    except OSError:
        warn(f"capture {capture['id']} ({capture['url']}): body {capture['sha256']} is missing; not written")
        return None


def _write_pair(writer: WARCWriter, capture, url: str, status: int, headers: dict, body: bytes) -> None:
    date = {"WARC-Date": capture["fetched_at"]}
    reason = _reason(status)
    response_headers = [(k, str(v)) for k, v in headers.items() if k.lower() not in DROPPED_RESPONSE_HEADERS]
    response_headers.append(("Content-Length", str(len(body))))
    response = writer.create_warc_record(
        url, "response", payload=BytesIO(body), length=len(body), warc_headers_dict=dict(date),
        http_headers=StatusAndHeaders(f"{status} {reason}".strip(), response_headers, protocol="HTTP/1.1"))
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = {"Host": parts.netloc, **json.loads(capture["request_headers"] or "{}")}
    request = writer.create_warc_record(
        url, "request", payload=BytesIO(b""), length=0, warc_headers_dict=dict(date),
        http_headers=StatusAndHeaders(f"{capture['method'] or 'GET'} {target} HTTP/1.1",
                                      list(request_headers.items()), is_http_request=True))
    writer.write_request_response_pair(request, response)


def _resource(writer: WARCWriter, capture, body: bytes):
    return writer.create_warc_record(capture["url"], "resource", payload=BytesIO(body), length=len(body),
                                     warc_content_type=capture["content_type"] or "text/html",
                                     warc_headers_dict={"WARC-Date": capture["fetched_at"]})


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
