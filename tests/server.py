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


class Routes(dict):
    """path (without query) -> Answer, or a callable(query dict, server) -> Answer."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        server: TestServer = self.server.owner
        parts = urlsplit(self.path)
        server.requests.append(self.path)
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
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class TestServer:
    __test__ = False  # not a test class

    def __init__(self):
        self.routes = Routes()
        self.requests: list[str] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

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
