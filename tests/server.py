"""A real HTTP server on 127.0.0.1 for the tests: routes map a path to a canned answer.

Recorded platform responses live under fixtures/<platform>/ and are served by
the same routes a real endpoint would answer (e.g. /tweet-result?id=…).
"""
from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: Optional[str] = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)
    gzip: bool = False
    delay: float = 0.0
    trickle: float = 0.0  # seconds between the body's bytes, sent one at a time
    trickle_headers: float = 0.0  # the same for the status line and headers
    endless: bool = False  # the body repeated until the client hangs up (no Content-Length)


class Routes(dict):
    """path (without query) -> Answer, or a callable(query dict, server) -> Answer."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        server: TestServer = self.server.owner
        parts = urlsplit(self.path)
        server.requests.append(self.path)
        server.headers.append(dict(self.headers))
        route = server.routes.get(parts.path)
        if route is None:
            answer = Answer(404, b"not found", "text/plain")
        elif callable(route):
            answer = route(parse_qs(parts.query), server)
        else:
            answer = route
        if answer.delay:
            time.sleep(answer.delay)
        body = gzip.compress(answer.body) if answer.gzip else answer.body
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        if answer.gzip:
            self.send_header("Content-Encoding", "gzip")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.endless:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
        try:
            self._send_headers(answer.trickle_headers)
            self._send_body(body, answer)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client hung up, as a fetch past its deadline does

    def _send_headers(self, pause: float):
        if not pause:
            self.end_headers()
            return
        self._headers_buffer.append(b"\r\n")
        head = b"".join(self._headers_buffer)
        self._headers_buffer = []
        self._trickle(head, pause)

    def _send_body(self, body: bytes, answer: Answer):
        if answer.endless:
            while True:
                self.wfile.write(body)
        elif answer.trickle:
            self._trickle(body, answer.trickle)
        else:
            self.wfile.write(body)

    def _trickle(self, data: bytes, pause: float):
        for i in range(len(data)):
            self.wfile.write(data[i:i + 1])
            self.wfile.flush()
            time.sleep(pause)

    def log_message(self, *args):
        pass


class TestServer:
    __test__ = False  # not a test class

    def __init__(self, host: str = "127.0.0.1", ssl_context=None):
        self.routes = Routes()
        self.requests: list[str] = []
        self.headers: list[dict] = []  # each request's headers, in order
        self.httpd = ThreadingHTTPServer((host, 0), _Handler)
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if ssl_context is not None else "http"
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return self.base + path

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- helpers for common routes ----------------------------------------------
    def page(self, path: str, fixture: str, **kwargs) -> str:
        self.routes[path] = Answer(body=(FIXTURES / "pages" / fixture).read_bytes(), **kwargs)
        return self.url(path)

    def syndication(self, answers: Optional[dict] = None) -> None:
        """Answer /tweet-result from fixtures/x/<id>.json, or from `answers` (id -> Answer)."""
        answers = answers or {}

        def tweet_result(query, server):
            post_id = (query.get("id") or [""])[0]
            if post_id in answers:
                return answers[post_id]
            path = FIXTURES / "x" / f"{post_id}.json"
            if post_id.isdigit() and path.exists():
                return Answer(body=path.read_bytes(), content_type="application/json")
            return Answer(404, b"", "application/json")

        self.routes["/tweet-result"] = tweet_result

    def fixture(self, platform: str, name: str, status: int = 200, content_type: str = "application/json",
                **kwargs) -> Answer:
        """An Answer whose body is fixtures/<platform>/<name>."""
        return Answer(status, (FIXTURES / platform / name).read_bytes(), content_type, **kwargs)

    def by_query(self, path: str, param: str, answers: dict) -> None:
        """Answer `path` by the value of one query parameter (id, url, uri…); 404 JSON for any other."""

        def route(query, server):
            value = (query.get(param) or [""])[0]
            return answers.get(value, Answer(404, b'{"error": "NotFound", "message": "not found"}',
                                             "application/json"))

        self.routes[path] = route
