"""The fake web a collection benchmark runs against: news sites, the X API and a media host,
each a real HTTP server on its own loopback address that answers every request after a fixed
latency, counts the requests it has in flight and logs when each one came.

    web = FakeWeb(latency=0.1).start()
    web.articles(500)             # URLs of 500 articles spread over the ten sites
    web.endpoint_options()        # ["--endpoint", "x=http://127.0.0.12:…"]

Every article is tests/fixtures/pages/two-tweets.html with post ids of its own; every post is
fixtures/x/1700000000000000001.json with that id, an author per site and one photo of its own
(a real JPEG whose bytes differ per post, so each is downloaded, hashed and thumbnailed).
"""
from __future__ import annotations

import io
import json
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from server import FIXTURES, Answer, TestServer  # noqa: E402  (the tests' local HTTP server)

SITES = [f"127.0.0.{n}" for n in range(2, 12)]  # ten news sites, one host each
API_HOST = "127.0.0.12"  # X's syndication API
MEDIA_HOST = "127.0.0.13"  # photos and avatars
FIRST_POST_ID = 1_800_000_000_000_000_000
PAGE_TEMPLATE = FIXTURES / "pages" / "two-tweets.html"
TEMPLATE_IDS = ("1700000000000000001", "1700000000000000002")  # the posts two-tweets.html embeds
POST_TEMPLATE = FIXTURES / "x" / "1700000000000000001.json"


@dataclass
class HostLog:
    """What one server saw: requests in flight now and at most, and (monotonic time, path) of each."""

    in_flight: int = 0
    most_in_flight: int = 0
    requests: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def request(self, path: str):
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.requests.append((time.monotonic(), path))
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def reset_peak(self) -> None:
        with self.lock:
            self.most_in_flight = self.in_flight

    def since(self, moment: float) -> list:
        """Paths (with their queries) requested at or after `moment` (time.monotonic())."""
        with self.lock:
            return [path for t, path in self.requests if t >= moment]


class LatentHost:
    """A TestServer on `host` whose every answer (404s too) waits `latency` seconds, as a server far
    away would; a request is counted in flight from its arrival until its answer starts."""

    def __init__(self, name: str, host: str, latency: float):
        self.name, self.latency = name, latency
        self.log = HostLog()
        self.server = TestServer(host)
        self.server.httpd.RequestHandlerClass = _counting(self.server.httpd.RequestHandlerClass, self)
        self.server.httpd.daemon_threads = True
        self.server.httpd.handle_error = _quiet_about_hangups(self.server.httpd.handle_error)

    @property
    def base(self) -> str:
        return self.server.base

    def start(self) -> "LatentHost":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()


def _counting(handler_class, host: LatentHost):
    class Counting(handler_class):
        def do_GET(self):  # noqa: N802
            # In flight until the answer starts: a client that has its answer may send the next
            # request before this thread gets back here, which would count one too many.
            with host.log.request(self.path):
                time.sleep(host.latency)
            super().do_GET()

    return Counting


def _quiet_about_hangups(handle_error):
    """A client killed mid-request resets its connections: expected here, not worth a traceback."""
    def handle(request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            handle_error(request, client_address)

    return handle


class FakeWeb:
    def __init__(self, latency: float = 0.1):
        self.latency = latency
        self.sites = [LatentHost(f"site {n + 1}", address, latency) for n, address in enumerate(SITES)]
        self.api = LatentHost("X API", API_HOST, latency)
        self.media = LatentHost("media", MEDIA_HOST, latency)
        self.page_template = PAGE_TEMPLATE.read_text(encoding="utf-8")
        self.post_template = json.loads(POST_TEMPLATE.read_text(encoding="utf-8"))
        self.photo = _base_photo()
        self.api.server.routes["/tweet-result"] = self._tweet_result
        self.pages = 0

    @property
    def hosts(self) -> list:
        return [*self.sites, self.api, self.media]

    def start(self) -> "FakeWeb":
        for host in self.hosts:
            host.start()
        return self

    def stop(self) -> None:
        for host in self.hosts:
            host.stop()

    def endpoint_options(self) -> list:
        return ["--endpoint", f"x={self.api.base}"]

    # -- content ---------------------------------------------------------------
    def articles(self, count: int) -> list:
        """URLs of `count` articles, article n on site n % 10 (routes added as needed)."""
        for n in range(self.pages, count):
            site = self.sites[n % len(self.sites)]
            page = self.page_template
            for template_id, post_id in zip(TEMPLATE_IDS, self.post_ids(n)):
                page = page.replace(template_id, str(post_id))
            site.server.routes[f"/article/{n}"] = Answer(body=page.encode("utf-8"))
            for post_id in self.post_ids(n):
                self.media.server.routes[f"/media/{post_id}.jpg"] = self._photo(str(post_id))
        for k, site in enumerate(self.sites):
            self.media.server.routes[f"/avatar/{k}_400x400.jpg"] = self._photo(f"avatar {k}")
        self.pages = max(self.pages, count)
        return [self.article_url(n) for n in range(count)]

    def article_url(self, n: int) -> str:
        return self.sites[n % len(self.sites)].server.url(f"/article/{n}")

    def _photo(self, comment: str):
        """A route answering the photo marked with `comment`, made when asked (thousands would not fit in memory)."""
        return lambda query, server: Answer(body=_with_comment(self.photo, comment), content_type="image/jpeg")

    @staticmethod
    def post_ids(n: int) -> tuple:
        return FIRST_POST_ID + 2 * n, FIRST_POST_ID + 2 * n + 1

    def _tweet_result(self, query, server):
        post_id = (query.get("id") or [""])[0]
        if not post_id.isdigit() or not FIRST_POST_ID <= int(post_id) < FIRST_POST_ID + 2 * self.pages:
            return Answer(404, b"", "application/json")
        site = (int(post_id) - FIRST_POST_ID) // 2 % len(self.sites)
        post = dict(self.post_template, id_str=post_id, text=f"Post {post_id} about the border. https://t.co/abc")
        post["user"] = {"id_str": str(100 + site), "name": f"Watcher {site}", "screen_name": f"watcher_{site}",
                        "profile_image_url_https": self.media.server.url(f"/avatar/{site}_normal.jpg")}
        post["mediaDetails"] = [{"type": "photo", "url": "https://t.co/photo",
                                 "media_url_https": self.media.server.url(f"/media/{post_id}.jpg"),
                                 "original_info": {"width": 1200, "height": 800}}]
        return Answer(body=json.dumps(post).encode("utf-8"), content_type="application/json")

    # -- what the servers saw -------------------------------------------------------
    def reset_peaks(self) -> None:
        for host in self.hosts:
            host.log.reset_peak()

    def requests_since(self, moment: float) -> dict:
        """host name -> URLs requested since `moment` (time.monotonic())."""
        return {host.name: [host.base + path for path in host.log.since(moment)] for host in self.hosts}


def _base_photo() -> bytes:
    """A 1200x800 JPEG of about the size of a news photo (170 kB: blurred noise over a gradient)."""
    from PIL import Image, ImageFilter

    noise = Image.merge("RGB", [Image.effect_noise((1200, 800), 60) for _ in range(3)])
    gradient = Image.linear_gradient("L").resize((1200, 800)).convert("RGB")
    image = Image.blend(noise.filter(ImageFilter.GaussianBlur(1)), gradient, 0.5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _with_comment(jpeg: bytes, comment: str) -> bytes:
    """The same picture with a JPEG comment segment after the start marker: other bytes, other SHA-256."""
    data = comment.encode("utf-8")
    return jpeg[:2] + b"\xff\xfe" + (len(data) + 2).to_bytes(2, "big") + data + jpeg[2:]
