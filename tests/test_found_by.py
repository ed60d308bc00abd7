"""Why each embed was found: the rule, the element, and what it was recovered from, kept with the embed."""
import sqlite_utils

from archiver.collect import Collector
from archiver.discover import discover_document as discover
from archiver.endpoints import Endpoints
from archiver.serve import build_datasette
from archiver.store import Store
from conftest import datasette_get as get
from server import FIXTURES


def test_discovery_says_why_it_found_each_embed():
    page = """<html><body><article><p>Text.</p>
      <blockquote class="twitter-tweet"><p>Plain</p><a href="https://twitter.com/a/status/1700000000000000001">x</a></blockquote>
      <iframe src="https://www.youtube.com/embed/aqz-KE-bpKQ"></iframe>
      <script type="didomi/html"><blockquote class="twitter-tweet"><a href="https://twitter.com/b/status/1700000000000000002">y</a></blockquote></script>
    </article></body></html>"""
    found = {e.native_id: e.found_by for e in discover(page).embeds}
    assert found["1700000000000000001"] == "a platform's embed blockquote, <blockquote>"
    assert found["aqz-KE-bpKQ"] == "a platform URL in an attribute, <iframe>"
    assert found["1700000000000000002"].startswith("a platform's embed blockquote, <blockquote>, recovered from")


def test_the_archive_keeps_it_and_the_post_page_shows_it(server, tmp_path):
    url = server.page("/belgorod", "belgorod-didomi.html")
    server.syndication()
    db_path = tmp_path / "archive.db"
    Collector(Store(db_path), endpoints=Endpoints([f"x={server.base}"]), allow_private=True).collect([url])
    embed = next(sqlite_utils.Database(db_path)["embeds"].rows)
    assert embed["found_by"].startswith("a platform's embed blockquote") and "didomi" in embed["found_by"]
    html = get(build_datasette(db_path), "/-/post/x~3A1660927314342432768").text
    assert "Found by a platform&#39;s embed blockquote" in html
