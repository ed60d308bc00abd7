"""The archive in Datasette: search, facets, the post page, and escaping of hostile text."""
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.serve import build_datasette
from archiver.store import Store
from conftest import datasette_get as get

KOZINKA = "x:1660927314342432768"


@pytest.fixture
def archive(server, tmp_path):
    """An archive holding the scenario page, a page with two posts, and one with hostile text."""
    server.syndication()
    sources = [server.page("/belgorod", "belgorod-didomi.html"), server.page("/two", "two-tweets.html"),
               server.page("/xss", "xss-post.html")]
    db_path = tmp_path / "archive.db"
    Collector(Store(db_path), endpoints=Endpoints([f"x={server.base}"]), allow_private=True).collect(sources)
    return db_path




def test_search_finds_kozinka(archive):
    ds = build_datasette(archive)
    response = get(ds, "/archive/posts.json?_search=Kozinka&_shape=objects")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["rows"]] == [KOZINKA]
    html = get(ds, "/archive/posts?_search=Kozinka")
    assert html.status_code == 200 and "#Kozinka checkpoint" in html.text


def test_facets_and_default_sort(archive):
    ds = build_datasette(archive)
    data = get(ds, "/archive/posts.json?_extra=facet_results").json()
    facets = data["facet_results"]["results"]
    assert {"platform", "status", "author_handle"} <= set(facets)
    statuses = {item["value"]: item["count"] for item in facets["status"]["results"]}
    with sqlite3.connect(archive) as conn:  # whatever the collector stored (thread parents included)
        assert statuses == dict(conn.execute("select status, count(*) from posts group by status").fetchall())
    assert statuses["ok"] == 2 and statuses["unavailable"] >= 2
    rows = get(ds, "/archive/posts.json?_shape=objects").json()["rows"]
    dates = [r["created_at"] for r in rows if r["created_at"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    sites = get(ds, "/archive/embedded_posts.json?_extra=facet_results").json()["facet_results"]["results"]
    assert {i["value"] for i in sites["site_name"]["results"]} == {"Test Daily", "Second Test Site"}


def test_embedded_posts_view_is_searchable(archive):
    ds = build_datasette(archive)
    rows = get(ds, "/archive/embedded_posts.json?_search=Kozinka&_shape=objects").json()["rows"]
    assert [(r["post_id"], r["blocked_by"], r["site_name"]) for r in rows] == [(KOZINKA, "didomi", "Test Daily")]


def test_post_page_is_readable(archive):
    ds = build_datasette(archive)
    page = get(ds, "/-/post/x~3A1660927314342432768")
    assert page.status_code == 200
    text = page.text
    assert "Cyrille Amoursky" in text and "@AmourskyCyrille" in text
    assert 'datetime="2023-05-23T07:58:11Z"' in text
    assert 'href="https://x.com/AmourskyCyrille/status/1660927314342432768"' in text
    assert "hidden behind didomi" in text
    assert "archiver-status-ok" in text
    assert get(ds, "/-/post/x~3A404").status_code == 404


def test_hostile_text_is_escaped(archive):
    ds = build_datasette(archive)
    page = get(ds, "/-/post/x~3A1700000000000000004").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page
    table = get(ds, "/archive/posts?_search=payload").text
    assert "<script>alert(" not in table and "<img src=x onerror" not in table


def test_serve_over_real_http(archive):
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "serve", "--db", str(archive), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(base + "archive/posts?_search=Kozinka", timeout=5) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert body is not None and "#Kozinka checkpoint" in body
        with urllib.request.urlopen(base + "-/post/x~3A1660927314342432768", timeout=5) as response:
            assert "View the original post" in response.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
