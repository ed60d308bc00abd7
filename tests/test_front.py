"""The front page: a search box, what the archive holds, what is gone, and ways in."""
import json
import re
import sqlite3

from archiver.publish import publish
from archiver.serve import build_datasette
from conftest import datasette_get as get

from test_web import KOZINKA, archive  # noqa: F401  (the archive fixture)

HOSTILE = "x:1700000000000000004"


def found_gone(archive_path, post_id, when="2024-02-01T00:00:00Z"):  # noqa: F811
    """What a later capture records when a post has been deleted."""
    conn = sqlite3.connect(archive_path)
    with conn:
        conn.execute("update posts set status = 'deleted' where id = ?", [post_id])
        conn.execute("insert into post_versions (post_id, captured_at, changes, status) values (?, ?, ?, 'deleted')",
                     [post_id, when, json.dumps({"status": ["ok", "deleted"]})])
    conn.close()


def test_front_page_leads_with_search_and_says_what_is_archived(archive):  # noqa: F811
    html = get(build_datasette(archive), "/").text
    assert re.search(r'<form[^>]+action="/-/search"', html) and 'name="q"' in html
    assert re.search(r"\d+ posts embedded in 3 pages", html) and "hidden behind cookie-consent tools" in html
    assert 'href="/-/search?consent=any"' in html and "hidden behind cookie-consent tools" in html
    assert 'href="/-/search?consent=didomi"' in html
    assert 'href="/-/search?platform=x"' in html and "Test Daily" in html
    assert 'href="/-/map"' in html and 'href="/archive"' in html
    assert "No post has gone since it was archived" in html


def test_posts_found_gone_are_listed_newest_first_and_escaped(archive):  # noqa: F811
    found_gone(archive, KOZINKA, "2024-02-01T00:00:00Z")
    found_gone(archive, HOSTILE, "2024-03-01T00:00:00Z")
    html = get(build_datasette(archive), "/").text
    gone = html[html.index('id="archiver-gone"'):]
    assert gone.index(HOSTILE.replace(":", "~3A")) < gone.index(KOZINKA.replace(":", "~3A"))
    assert "2 posts gone since archived" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_search_by_consent_tool_and_results_say_so(archive):  # noqa: F811
    ds = build_datasette(archive)
    rows = get(ds, "/-/search.json?consent=any&_facets=1").json()
    assert [r["id"] for r in rows["rows"]] == [KOZINKA]
    assert {"value": "didomi", "count": 1} in next(f for f in rows["facets"] if f["name"] == "consent")["values"]
    assert [r["id"] for r in get(ds, "/-/search.json?consent=onetrust").json()["rows"]] == []
    html = get(ds, "/-/search?q=Kozinka").text
    assert "hidden behind didomi" in html


def test_datasette_index_stays_at_its_own_address_and_bundles_get_the_front_page(archive, tmp_path):  # noqa: F811
    ds = build_datasette(archive)
    assert get(ds, "/-/").status_code == 200 and get(ds, "/.json").status_code == 200
    out = tmp_path / "bundle"
    publish(archive, out)
    from datasette.app import Datasette

    bundle = Datasette(immutables=[str(out / "archive.db")])
    html = get(bundle, "/").text
    assert "posts embedded in 3 pages" in html
