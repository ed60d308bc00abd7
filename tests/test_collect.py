"""Collect, end to end, against a real local server playing the news site and X."""
import json

import pytest
import sqlite_utils

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.store import Store
from server import FIXTURES, Answer

KOZINKA_ID = "1660927314342432768"


def collect(server, db_path, *sources, warnings=None, **options):
    """Collect sources against the test server (X pointed at it); options go to the Collector (linked, limits…)."""
    store = Store(db_path)
    collector = Collector(store, endpoints=Endpoints([f"x={server.base}"]), allow_private=True,
                          warn=(warnings.append if warnings is not None else lambda line: None), **options)
    collector.fetcher.backoff = 0.01
    collector.fetcher.retries = 1
    return collector.collect(sources), sqlite_utils.Database(db_path)


def test_scenario_post_behind_didomi_is_archived_and_searchable(server, db_path):
    url = server.page("/monde/belgorod", "belgorod-didomi.html")
    server.syndication()
    report, db = collect(server, db_path, url)
    assert [r.error for r in report.results] == [None]

    page = next(db["pages"].rows)
    assert page["url"] == url and page["site_name"] == "Test Daily" and page["lang"] == "fr"
    assert page["title"] == "Incursion dans la région de Belgorod : le point"
    assert page["published_at"] == "2023-05-23T08:41:00Z"

    embed = next(db["embeds"].rows)
    assert embed["platform"] == "x" and embed["post_id"] == f"x:{KOZINKA_ID}"
    assert embed["blocked_by"] == "didomi"
    assert embed["fallback_author"] == "Cyrille Amoursky"
    assert "#Kozinka checkpoint" in embed["fallback_text"]

    post = db["posts"].get(f"x:{KOZINKA_ID}")
    assert post["status"] == "ok" and post["text_source"] == "platform"
    assert post["author_handle"] == "AmourskyCyrille" and post["author_name"] == "Cyrille Amoursky"
    assert post["created_at"] == "2023-05-23T07:58:11Z"
    assert post["reply_to_id"] == "x:1660702207417188352" and post["thread_id"] == "x:1659846190010445825"
    assert post["text"].endswith("What's next? 34/n")  # the media link is not part of the text
    assert db["accounts"].get("x:42")["handle"] == "AmourskyCyrille"
    media = list(db["post_media"].rows)
    assert [(m["kind"], m["source_url"]) for m in media] == [
        ("video", "https://video.twimg.com/ext_tw_video/1/pu/vid/1280x720/high.mp4")]

    found = list(db.query("select posts.id from posts join posts_fts on posts.rowid = posts_fts.rowid "
                          "where posts_fts match 'Kozinka'"))
    assert found == [{"id": f"x:{KOZINKA_ID}"}]
    # The page and the API answers (the post, then its parent, which X no longer has) are evidence.
    kinds = sorted(c["kind"] for c in db["captures"].rows if c["kind"] != "media")  # media: test_media.py
    assert kinds == ["api", "api", "page"]
    assert db["posts"].get("x:1660702207417188352")["status"] == "unavailable"
    api = next(db["captures"].rows_where("kind = 'api'"))
    assert "token=" in api["url"] and api["status_code"] == 200 and len(api["sha256"]) == 64


def test_recollecting_adds_no_duplicates(server, db_path):
    url = server.page("/a", "belgorod-didomi.html")
    server.syndication()
    collect(server, db_path, url)
    db = sqlite_utils.Database(db_path)
    first = db["posts"].get(f"x:{KOZINKA_ID}")
    first_page = next(db["pages"].rows)
    collect(server, db_path, url)
    # Two posts: the embedded one and the parent it replies to (gone from X, and known to be gone).
    assert (db["pages"].count, db["embeds"].count, db["posts"].count, db["accounts"].count) == (1, 1, 2, 1)
    assert db["post_versions"].count == 0  # nothing changed
    again = db["posts"].get(f"x:{KOZINKA_ID}")
    assert again["first_captured_at"] == first["first_captured_at"]
    assert next(db["pages"].rows)["first_captured_at"] == first_page["first_captured_at"]
    # every fetch is evidence, also the second time (media retries: test_media.py)
    assert db["captures"].count_where("kind != 'media'") == 6  # page, post, parent; twice


def test_deletion_after_first_capture_writes_a_version(server, db_path):
    url = server.page("/a", "belgorod-didomi.html")
    server.syndication()
    collect(server, db_path, url)
    server.syndication({KOZINKA_ID: Answer(body=(FIXTURES / "x" / "tombstone-deleted.json").read_bytes(),
                                           content_type="application/json")})
    collect(server, db_path, url)
    db = sqlite_utils.Database(db_path)
    post = db["posts"].get(f"x:{KOZINKA_ID}")
    assert post["status"] == "deleted"
    assert post["status_detail"] == "This Post was deleted by the Post author."
    assert "#Kozinka" in post["text"]  # the text captured before deletion stays
    versions = list(db["post_versions"].rows)
    assert len(versions) == 1
    assert json.loads(versions[0]["changes"])["status"] == ["ok", "deleted"]


def test_x_answers_nothing_fallback_is_kept_and_searchable(server, db_path):
    url = server.page("/a", "belgorod-didomi.html")  # no syndication route: X answers 404
    warnings = []
    report, db = collect(server, db_path, url, warnings=warnings)
    post = db["posts"].get(f"x:{KOZINKA_ID}")
    assert post["status"] == "unavailable" and post["text_source"] == "embed"
    assert "#Kozinka checkpoint" in post["text"] and post["author_handle"] == "AmourskyCyrille"
    assert post["created_at"] == "2023-05-23"
    assert any("unavailable" in w for w in warnings)
    assert list(db.query("select rowid from posts_fts where posts_fts match 'Kozinka'"))


def test_network_failure_leaves_post_unresolved_with_fallback(server, db_path, monkeypatch):
    # A name under .invalid never resolves (RFC 6761): a real DNS failure without reaching anything.
    monkeypatch.delenv("ARCHIVER_OFFLINE")
    url = server.page("/a", "belgorod-didomi.html")
    store = Store(db_path)
    collector = Collector(store, endpoints=Endpoints(["x=http://no-such-host.invalid"]), allow_private=True)
    collector.collect([url])
    post = sqlite_utils.Database(db_path)["posts"].get(f"x:{KOZINKA_ID}")
    assert post["status"] == "unresolved"
    assert "could not resolve host no-such-host.invalid" in post["status_detail"]
    assert "#Kozinka" in post["text"]


@pytest.mark.parametrize("answer, expected_status, detail", [
    (Answer(body=b"<html>Rate limited</html>", content_type="text/html"), "unresolved", "HTML where JSON"),
    (Answer(body=b"{not json", content_type="application/json"), "unresolved", "not JSON"),
    (Answer(body=b"", content_type="application/json"), "unavailable", "no such post"),
    (Answer(body=(FIXTURES / "x" / "tombstone-suspended.json").read_bytes()), "unavailable", "suspended account"),
    (Answer(body=b'["a list"]', content_type="application/json"), "unavailable", "empty answer"),
    (Answer(body=b'{"__typename": "Tweet", "text": 42, "user": "nobody"}'), "unavailable", "without post text"),
])
def test_bad_syndication_answers(server, db_path, answer, expected_status, detail):
    url = server.page("/a", "belgorod-didomi.html")
    server.syndication({KOZINKA_ID: answer})
    collect(server, db_path, url)
    post = sqlite_utils.Database(db_path)["posts"].get(f"x:{KOZINKA_ID}")
    assert post["status"] == expected_status
    assert detail in post["status_detail"]
    assert "#Kozinka" in post["text"]  # the page's fallback is never lost


def test_a_failed_refetch_keeps_what_was_resolved(server, db_path):
    url = server.page("/a", "belgorod-didomi.html")
    server.syndication()
    collect(server, db_path, url)
    server.syndication({KOZINKA_ID: Answer(503, b"", "text/plain")})
    collect(server, db_path, url)
    post = sqlite_utils.Database(db_path)["posts"].get(f"x:{KOZINKA_ID}")
    assert post["status"] == "ok" and post["text_source"] == "platform"


def test_batch_keeps_what_succeeded(server, db_path):
    good = server.page("/good", "two-tweets.html")
    server.routes["/gone"] = Answer(410, b"gone")
    server.routes["/pdf"] = Answer(body=b"%PDF-1.4", content_type="application/pdf")
    server.routes["/loop"] = Answer(302, headers={"Location": "/loop"})
    server.syndication()
    warnings = []
    report, db = collect(server, db_path, server.url("/gone"), good, server.url("/pdf"), server.url("/loop"),
                         "no/such/file.html", warnings=warnings)
    assert [r.error is None for r in report.results] == [False, True, False, False, False]
    pages = {p["url"]: p for p in db["pages"].rows}
    assert pages[server.url("/gone")]["error"] == "HTTP 410 Gone"
    assert pages[server.url("/pdf")]["error"] == "not an HTML page (content type application/pdf)"
    assert pages[server.url("/loop")]["error"].startswith("redirect loop")
    assert pages["no/such/file.html"]["error"] == "not an http(s) URL nor a readable file"
    statuses = {p["id"]: p["status"] for p in db["posts"].rows}
    assert statuses == {"x:1700000000000000001": "ok", "x:1700000000000000002": "unavailable"}
    assert len([w for w in warnings if "HTTP 410" in w]) == 1


def test_saved_file_in_legacy_charset(db_path, server):
    report, db = collect(server, db_path, str(FIXTURES / "pages" / "latin1-no-charset.html"))
    assert report.results[0].error is None
    assert next(db["pages"].rows)["title"] == "Café crème"
    embed = next(db["embeds"].rows)
    assert embed["fallback_text"] == "Un café à la frontière, été 2023."
    capture = next(db["captures"].rows)
    assert capture["kind"] == "file" and capture["url"].startswith("file://")


def test_malformed_blockquote_is_reported_and_the_rest_kept(server, db_path):
    url = server.page("/broken", "malformed-blockquote.html")
    server.syndication()
    warnings = []
    report, db = collect(server, db_path, url, warnings=warnings)
    assert report.results[0].error is None
    page = next(db["pages"].rows)
    problems = json.loads(page["problems"])
    assert any("blockquote without a link to its post" in p for p in problems)
    assert any("blockquote without a link to its post" in w for w in warnings)
    # The second, unclosed blockquote still names its post.
    assert [e["post_id"] for e in db["embeds"].rows] == ["x:1700000000000000001"]


@pytest.mark.parametrize("linked, expected", [
    (False, [("x:1660927314342432768", "embedded")]),
    (True, [("x:1700000000000000001", "linked"), ("x:1660927314342432768", "embedded")]),
])
def test_linked_posts_are_collected_only_when_asked(server, db_path, linked, expected):
    url = server.page("/linked", "linked-article.html")
    server.syndication()
    collect(server, db_path, url, linked=linked)
    db = sqlite_utils.Database(db_path)
    assert [(e["post_id"], e["relation"]) for e in db["embeds"].rows_where(order_by="position")] == expected
    if linked:
        assert db["posts"].get("x:1700000000000000001")["status"] == "ok"


def test_a_posts_own_page_keeps_its_post_as_the_pages_own(server, db_path):
    # A post's own page (collected by the post's URL) states the post's URL as its own: the post is kept,
    # as the page's own ("self"), not as an embed of itself; a post the page embeds stays an embed.
    own = f"https://twitter.com/AmourskyCyrille/status/{KOZINKA_ID}"
    other = "1700000000000000001"
    body = (f'<html><head><link rel="canonical" href="{own}"></head><body>'
            f'<blockquote class="twitter-tweet"><a href="{own}">May 23, 2023</a></blockquote>'
            f'<blockquote class="twitter-tweet"><a href="https://twitter.com/someone/status/{other}">x</a>'
            "</blockquote></body></html>").encode()
    server.routes["/status-page"] = Answer(body=body, content_type="text/html; charset=utf-8")
    server.syndication()
    collect(server, db_path, server.url("/status-page"))
    db = sqlite_utils.Database(db_path)
    assert sorted((e["post_id"], e["relation"]) for e in db["embeds"].rows) == [
        (f"x:{KOZINKA_ID}", "self"), (f"x:{other}", "embedded")]
    assert db["posts"].get(f"x:{KOZINKA_ID}")["status"] == "ok"
