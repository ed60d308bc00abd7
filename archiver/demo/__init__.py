"""`archiver demo`: collect the bundled sample pages from a local server, then serve the archive.

The local server plays both the news sites and the platforms' endpoints, from
files shipped in demo/sample, so the demo needs no network. It listens on a
fixed port (8002 unless told otherwise), so the sample pages keep the same
URLs from run to run: running the demo again updates the same archive rather
than adding the pages twice. It keeps running while the archive is served, so
the archive's links to the "original" pages work.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..platforms import match_post_url

SAMPLE = Path(__file__).parent / "sample"
# The sample JSON names X's media CDNs; the demo server answers for them itself (see sample/README.md).
CDN_HOSTS = ("https://pbs.twimg.com", "https://video.twimg.com", "https://i.ytimg.com")
MEDIA_TYPES = {".jpg": "image/jpeg", ".mp4": "video/mp4"}


class SampleHandler(BaseHTTPRequestHandler):
    """Pages under /site/, X's /tweet-result?id=… answered from x/<id>.json (404 when absent),
    and X's media CDNs under /cdn/<host>/… from media/<file name> (404 when absent)."""

    server_version = "archiver-demo"

    def do_GET(self):  # noqa: N802 - the http.server API
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/tweet-result":
            post_id = (query.get("id") or [""])[0]
            self._json(SAMPLE / "x" / f"{post_id}.json" if post_id.isdigit() else None)
        elif parts.path == "/oembed":  # YouTube's oEmbed, for the videos in youtube/<id>.json
            ref = match_post_url((query.get("url") or [""])[0])
            self._json(SAMPLE / "youtube" / f"{ref.native_id}.json" if ref and ref.platform == "youtube" else None)
        elif parts.path.startswith("/cdn/"):
            name = Path(parts.path).name
            if not Path(name).suffix:  # pbs.twimg.com/media/<id>?format=jpg&name=orig
                name += "." + (parse_qs(parts.query).get("format") or ["bin"])[0]
            self._file(SAMPLE / "media" / name, MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream"))
        elif parts.path.startswith("/site/") and parts.path.endswith(".html"):
            self._file(SAMPLE / "site" / Path(parts.path).name, "text/html; charset=utf-8")
        elif parts.path == "/":
            links = "".join(f'<li><a href="/site/{p.name}">{p.name}</a></li>' for p in sample_pages())
            self._send(200, "text/html; charset=utf-8", f"<ul>{links}</ul>".encode())
        else:
            self._send(404, "text/plain", b"not found")

    def _json(self, path):
        """A sample JSON answer, its CDN links pointed at this server (404 when there is none)."""
        if path is None or not path.is_file():
            return self._send(404, "text/plain", b"")
        body = path.read_text(encoding="utf-8")
        base = f"http://{self.headers.get('Host')}/cdn/"
        for host in CDN_HOSTS:
            body = body.replace(host + "/", base + host.split("//")[1] + "/")
        self._send(200, "application/json", body.encode("utf-8"))

    def _file(self, path, content_type):
        if path is None or not path.is_file():
            self._send(404, "text/plain", b"")
            return
        self._send(200, content_type, path.read_bytes())

    def _send(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the demo's terminal for the demo
        pass


def sample_pages() -> list[Path]:
    return sorted((SAMPLE / "site").glob("*.html"))


DEFAULT_SITE_PORT = 8002


class DemoError(Exception):
    pass


@contextmanager
def sample_server(port: int = 0):
    """A running sample server on 127.0.0.1 (port 0: any free one); yields its base URL."""
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), SampleHandler)
    except OSError as exc:
        raise DemoError(f"the sample sites cannot listen on port {port} ({exc.strerror}): "
                        "pass --site-port with a free port, the same one each time to keep one archive") from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_demo(workdir, *, port: int = 8001, site_port: int = DEFAULT_SITE_PORT, serve: bool = True) -> int:
    import click

    from ..collect_command import run_collect
    from ..endpoints import Endpoints
    from ..serve import serve_archive

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "archive.db"
    click.echo("Demo: a local server plays three news sites, X's syndication endpoint and YouTube's oEmbed "
               "(reconstructed samples, no network).", err=True)
    # Platforms the sample server does not play are not asked either.
    os.environ.setdefault("ARCHIVER_OFFLINE", "1")
    os.environ.setdefault("ARCHIVER_RATES", "*=none")  # its platforms are a local server
    try:
        with sample_server(site_port) as base:
            sources = [f"{base}/site/{page.name}" for page in sample_pages()]
            endpoints = Endpoints([f"x={base}", f"youtube={base}"])
            status = run_collect(sources, db_path=str(db_path), endpoints=endpoints, allow_private=True,
                                 linked=False, refresh=True)  # the whole pipeline, every time
            if status != 0 or not serve:
                return status
            password = demo_login()

            def ready(url):
                click.echo(f"\nOpen {url} — try searching Kozinka: {url}-/search?q=Kozinka\n"
                           f"To annotate, log in at {url}-/login as {DEMO_USER} with password {password}\n"
                           "(a user made for this demo run only; see `archiver users` for real ones)\n"
                           f"The sample sites stay at {base}/ while the archive is served.\n", err=True)

            return serve_archive(db_path, port=port, on_ready=ready)
    except DemoError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2


DEMO_USER = "demo"


def demo_login() -> str:
    """A throwaway user for this demo run: a fresh password, its hash only in this process's environment."""
    import os
    import secrets

    from ..passwords import hash_password
    from ..users import env_name

    password = secrets.token_urlsafe(9)
    os.environ[env_name(DEMO_USER)] = hash_password(password)
    return password
