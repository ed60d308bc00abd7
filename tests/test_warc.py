"""WARC export: request/response pairs with digests, readable by warcio's own index and check."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.store import Store
from fixtures.media import samples
from server import Answer

WARCIO = Path(sys.executable).with_name("warcio")


@pytest.fixture
def archive(server, db_path):
    """A page served gzipped behind a redirect, its post from X, and the post's photo."""
    tweet = json.loads((Path(__file__).parent / "fixtures" / "x" / "1660927314342432768.json").read_text())
    server.routes["/photo.jpg"] = Answer(body=samples.jpeg(), content_type="image/jpeg")
    tweet["mediaDetails"] = [{"type": "photo", "media_url_https": server.url("/photo.jpg")}]
    tweet["user"].pop("profile_image_url_https", None)
    server.syndication({"1660927314342432768": Answer(body=json.dumps(tweet).encode(),
                                                      content_type="application/json")})
    server.page("/article", "belgorod-didomi.html", gzip=True)
    server.routes["/old"] = Answer(301, b"", None, headers={"Location": "/article"})
    Collector(Store(db_path), endpoints=Endpoints([f"x={server.base}"]), allow_private=True).collect(
        [server.url("/old"), str(Path(__file__).parent / "fixtures" / "pages" / "two-tweets.html")])
    return db_path


def test_export_writes_request_response_pairs_with_digests(archive, tmp_path, archiver_cli):
    out = tmp_path / "archive.warc.gz"
    result = archiver_cli("export", "--db", archive, "--warc", out)
    assert result.returncode == 0, result.stderr
    assert "capture(s) written" in result.stderr
    with open(out, "rb") as f:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers,
                    r.http_headers, r.content_stream().read()) for r in ArchiveIterator(f)]
    types = [r[0] for r in records]
    assert types[0] == "warcinfo" and types.count("request") == types.count("response") >= 4
    assert "resource" in types  # the saved file
    responses = {uri: (headers, http, body) for kind, uri, headers, http, body in records if kind == "response"}
    article = responses[next(u for u in responses if u.endswith("/article"))]
    assert article[1].get_statuscode() == "200" and b"Belgorod" in article[2]
    assert article[1].get_header("Content-Encoding") is None  # stored decoded, and said so
    assert article[1].get_header("Content-Length") == str(len(article[2]))
    assert article[0].get_header("WARC-Payload-Digest").startswith("sha1:")
    redirect = responses[next(u for u in responses if u.endswith("/old"))]
    assert redirect[1].get_statuscode() == "301" and redirect[1].get_header("Location") == "/article"
    photo = responses[next(u for u in responses if u.endswith("/photo.jpg"))]
    assert photo[2] == samples.jpeg() and photo[1].get_header("Content-Type") == "image/jpeg"
    requests = [(uri, http) for kind, uri, headers, http, body in records if kind == "request"]
    uri, http = next(r for r in requests if r[0].endswith("/photo.jpg"))
    assert http.protocol == "GET" and http.get_header("User-Agent").startswith("archiver/")
    assert http.get_header("Host") == uri.split("/")[2]


def test_standard_tools_read_the_export(archive, tmp_path):
    from archiver.warc import export_warc

    out = tmp_path / "out.warc.gz"
    assert export_warc(archive, out) >= 5
    check = subprocess.run([WARCIO, "check", "-v", out], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "digest fail" not in check.stdout
    index = subprocess.run([WARCIO, "index", "-f", "warc-type,warc-target-uri,http:status", out],
                           capture_output=True, text=True)
    assert index.returncode == 0, index.stderr
    lines = [json.loads(line) for line in index.stdout.splitlines()]
    assert any(line["warc-type"] == "response" and line.get("http:status") == "200" for line in lines)
    assert sum(line["warc-type"] == "response" for line in lines) >= 4


def test_a_missing_body_is_skipped_with_a_warning(archive, tmp_path):
    from archiver.media.files import files_dir
    from archiver.warc import export_warc

    body = next((files_dir(archive) / "bodies").rglob("*"))
    while body.is_dir():
        body = next(body.iterdir())
    body.unlink()
    warnings = []
    export_warc(archive, tmp_path / "out.warc.gz", warn=warnings.append)
    assert len(warnings) >= 1 and "is missing" in warnings[0]
