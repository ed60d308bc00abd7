"""archiver recheck: stored posts asked again, each change a post_versions row, the timeline on the post page."""
import json
import re
import sqlite3
import threading
import time

import pytest
import sqlite_utils

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.hostgate import HostGate
from archiver.recheck import RecheckOptions, recheck, select_posts
from archiver.timeparse import parse_age
from archiver.serve import build_datasette
from archiver.store import Store
from conftest import datasette_get
from server import FIXTURES, Answer

KOZINKA = "x:1660927314342432768"
NATIVE = "1660927314342432768"


def endpoints(server):
    return Endpoints([f"{n}={server.base}" for n in Endpoints.defaults()], environ={})


@pytest.fixture
def archived(server, db_path):
    """The Belgorod article collected on 2023-05-24, its tweet seen again on 2023-06-01."""
    server.syndication()
    url = server.page("/belgorod", "belgorod-didomi.html")
    Collector(Store(db_path), endpoints=Endpoints([f"x={server.base}"], environ={}), allow_private=True).collect([url])
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("update posts set first_captured_at = '2023-05-24T09:00:00Z', "
                     "last_captured_at = '2023-05-24T09:00:00Z', last_attempt_at = '2023-05-24T09:00:00Z'")
        conn.execute("insert into post_checks (post_id, checked_at, status) values (?, '2023-06-01T09:00:00Z', 'ok')",
                     [KOZINKA])
    conn.close()
    return db_path


def run(server, db_path, **options):
    store = Store(db_path)
    return recheck(store, endpoints(server), RecheckOptions(**options), allow_private=True)


def test_parse_age():
    assert parse_age("7d").days == 7 and parse_age("24h").total_seconds() == 86400
    assert parse_age("90m").total_seconds() == 5400 and parse_age("2w").days == 14 and parse_age("0").seconds == 0
    with pytest.raises(ValueError):
        parse_age("soon")


def test_a_deleted_tweet_gets_its_version_and_keeps_its_earlier_text(server, archived):
    before = sqlite_utils.Database(archived)["posts"].get(KOZINKA)
    server.syndication({NATIVE: server.fixture("x", "tombstone-deleted.json")})
    report = run(server, archived)
    assert report.counts()["checked"] >= 1 and report.counts()["gone"] >= 1
    db = sqlite_utils.Database(archived)
    post = db["posts"].get(KOZINKA)
    assert post["status"] == "deleted" and post["status_detail"] == "This Post was deleted by the Post author."
    assert post["text"] == before["text"] and post["text_source"] == "platform"  # the words stay
    version = list(db["post_versions"].rows_where("post_id = ?", [KOZINKA]))[-1]
    assert json.loads(version["changes"])["status"] == ["ok", "deleted"]
    assert version["capture_id"] and db["captures"].get(version["capture_id"])["url"].startswith(server.base)
    check = list(db["post_checks"].rows_where("post_id = ?", [KOZINKA], order_by="id"))[-1]
    assert check["status"] == "deleted" and check["version_id"] == version["id"]
    # Only the post's platform was asked: no article page again.
    assert not any(r.startswith("/belgorod") for r in server.requests[1:])


def test_the_post_page_shows_the_timeline_and_the_earlier_text(server, archived):
    server.syndication({NATIVE: server.fixture("x", "tombstone-suspended.json")})
    run(server, archived)
    conn = sqlite3.connect(archived)
    with conn:
        conn.execute("update post_versions set captured_at = '2023-06-08T10:00:00Z' where post_id = ?", [KOZINKA])
        conn.execute("update post_checks set checked_at = '2023-06-08T10:00:00Z' where post_id = ? "
                     "and checked_at > '2024'", [KOZINKA])
    conn.close()
    html = datasette_get(build_datasette(archived), "/-/post/x~3A" + NATIVE).text
    timeline = re.search(r'<section class="archiver-section archiver-timeline">.*?</section>', html, re.S).group(0)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", timeline))
    assert "Seen 2023-05-24 and 2023-06-01" in text
    assert "gone since 2023-06-08" in text and "suspended account" in text
    assert "Kozinka" in html  # the text as last seen stays on the page
    assert "as it read before it was gone (last seen 2023-06-01)" in html
    assert "“This Post is from a suspended account.”" in text


def test_an_edit_keeps_the_earlier_text_readable(server, archived):
    edited = json.loads((FIXTURES / "x" / f"{NATIVE}.json").read_text())
    edited["text"] = "Edited: <script>alert(1)</script> new words"
    edited.pop("note_tweet", None)
    server.syndication({NATIVE: Answer(body=json.dumps(edited).encode(), content_type="application/json")})
    report = run(server, archived)
    assert report.counts()["edited"] == 1
    db = sqlite_utils.Database(archived)
    old = list(db["post_versions"].rows_where("post_id = ?", [KOZINKA], order_by="id"))[-1]
    assert json.loads(old["changes"])["text"][1].startswith("Edited:")
    html = datasette_get(build_datasette(archived), "/-/post/x~3A" + NATIVE).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Earlier text" in html


def test_a_failed_answer_changes_nothing(server, archived):
    server.syndication({NATIVE: Answer(503, b"", "text/plain")})
    server.routes["/status/" + NATIVE] = Answer(503, b"", "text/plain")
    server.routes["/oembed"] = Answer(503, b"", "text/plain")
    report = run(server, archived)
    post = sqlite_utils.Database(archived)["posts"].get(KOZINKA)
    outcome = next(o for o in report.outcomes if o.post_id == KOZINKA)
    assert post["status"] == "ok" and outcome.failed and not outcome.changed
    assert not list(sqlite_utils.Database(archived)["post_versions"].rows_where("post_id = ?", [KOZINKA]))


def test_selection_by_age_platform_status_and_limit(archived):
    store = Store(archived)
    assert [r["id"] for r in select_posts(store, RecheckOptions(platforms=("x",), statuses=("ok",)))] == [KOZINKA]
    assert select_posts(store, RecheckOptions(platforms=("telegram",))) == []
    assert select_posts(store, RecheckOptions(statuses=("deleted",))) == []
    assert len(select_posts(store, RecheckOptions(limit=1))) == 1
    conn = sqlite3.connect(archived)
    with conn:
        conn.execute("update posts set last_attempt_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")
    conn.close()
    assert select_posts(store, RecheckOptions(older_than=parse_age("7d"))) == []


def test_at_most_per_host_requests_at_once():
    active, peak, lock = [0], [0], threading.Lock()

    class Slow:
        def fetch(self, url, **kwargs):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(0.05)
            with lock:
                active[0] -= 1

    gate = HostGate(per_host=2)  # what every Fetcher sends through (recheck sets --per-host on it)

    def limited_fetch(url):
        with gate.slot("cdn.syndication.twimg.com"):
            Slow().fetch(url)

    threads = [threading.Thread(target=limited_fetch, args=("https://cdn.syndication.twimg.com/x",)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2


def test_command_line_summary_and_json(server, archived, archiver_cli):
    server.syndication({NATIVE: server.fixture("x", "tombstone-deleted.json")})
    result = archiver_cli("recheck", "--db", archived, "--endpoint", f"x={server.base}", "--json",
                          "--platform", "x", "--status", "ok")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["checked"] == 1 and summary["gone"] == 1 and summary["changes"][0]["after"] == "deleted"
    assert "1 post(s) rechecked: 1 changed (1 gone" in result.stderr
    assert f"{KOZINKA}: ok -> deleted" in result.stderr
    result = archiver_cli("recheck", "--db", archived, "--older-than", "soon")
    assert result.returncode == 2 and "expected an age" in result.stderr


def test_every_runs_again_after_the_interval(server, archived, monkeypatch):
    from archiver import recheck_command

    pauses = []
    monkeypatch.setattr(recheck_command.time, "sleep", pauses.append)
    server.syndication()
    status = recheck_command.run_recheck(db_path=archived, endpoints=endpoints(server),
                                         options=RecheckOptions(platforms=("x",), statuses=("ok",)),
                                         allow_private=True, quiet=True, every=3600, runs=2)
    assert status == 0 and len(pauses) == 1 and 3500 < pauses[0] <= 3600
    checks = list(sqlite_utils.Database(archived)["post_checks"].rows_where("post_id = ?", [KOZINKA]))
    assert len(checks) == 3  # the one made by the fixture, then one per run


def test_a_removed_video_is_seen_gone_in_the_platforms_words(server, db_path, monkeypatch):
    from pathlib import Path

    from archiver.media.ytdlp import VideoOptions
    from archiver.models import Post

    monkeypatch.setenv("ARCHIVER_TEST_MEDIA_SERVER", server.base)  # the yt-dlp replay plugin answers
    store = Store(db_path)
    video_url = "https://www.youtube.com/watch?v=rem0vedVid1"
    store.upsert_post(Post("youtube", "rem0vedVid1", video_url, status="ok", text="Convoy at dawn"),
                      "2023-05-24T09:00:00Z")
    plugins = str(Path(__file__).parent / "ytdlp_plugins")
    options = RecheckOptions(workers=2, video=VideoOptions(video=False, plugin_dirs=(plugins,)))
    report = recheck(store, endpoints(server), options, allow_private=True)
    post = store.db["posts"].get("youtube:rem0vedVid1")
    assert (post["status"], post["status_detail"]) == \
        ("deleted", "yt-dlp: Video unavailable. This video has been removed by the uploader")
    assert post["text"] == "Convoy at dawn"  # what was seen before stays readable
    assert [o.gone for o in report.outcomes] == [True]
    check = next(store.db["post_checks"].rows_where("post_id = 'youtube:rem0vedVid1'"))
    assert check["status"] == "deleted" and check["version_id"]


def test_a_note_on_an_available_post_changing_is_no_new_version(db_path):
    from archiver.models import Post

    store = Store(db_path)
    url = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
    store.upsert_post(Post("youtube", "aqz-KE-bpKQ", url, status="ok", text="Convoy"), "2023-05-24T09:00:00Z")
    store.upsert_post(Post("youtube", "aqz-KE-bpKQ", url, status="ok", text="Convoy",
                           status_detail="video not downloadable: Sign in to confirm you're not a bot"),
                      "2023-06-01T09:00:00Z")
    assert store.db["post_versions"].count == 0  # a note on an available post, not a change of it
    store.upsert_post(Post("youtube", "aqz-KE-bpKQ", url, status="deleted", status_detail="removed by the uploader"),
                      "2023-06-08T09:00:00Z")
    assert store.db["post_versions"].count == 1  # gone: that is a change
