"""collect --save-to-wayback: Save Page Now for the article and each post, spaced, failures recorded."""
import sqlite_utils

from archiver.endpoints import Endpoints
from archiver.http import Capture
from archiver.store import Store
from archiver.wayback import WebArchives
from archiver.wayback_save import SavePageNow, memento_from
from server import Answer

TWEET = "https://x.com/AmourskyCyrille/status/1660927314342432768"


def test_the_capture_made_is_read_from_where_the_answer_points():
    located = Capture(url="u", status_code=200, headers={"Content-Location": f"/web/20230524101010/{TWEET}"})
    assert memento_from(located) == ("20230524101010", TWEET)
    redirected = Capture(url="u", status_code=200, final_url=f"https://web.archive.org/web/20230524101010/{TWEET}")
    assert memento_from(redirected) == ("20230524101010", TWEET)
    assert memento_from(Capture(url="u", status_code=200)) is None


def test_saves_are_spaced_recorded_and_stop_at_the_rate_limit(server, db_path):
    server.routes[f"/save/{TWEET}"] = Answer(200, b"<html>saved</html>",
                                            headers={"Content-Location": f"/web/20230524101010/{TWEET}"})
    server.routes["/save/https://news.example/article"] = Answer(429, b"Too Many Requests", "text/plain")
    store = Store(db_path)
    store.db["posts"].insert({"id": "x:1660927314342432768", "platform": "x", "native_id": "1660927314342432768",
                              "url": TWEET, "status": "ok"})
    archives = WebArchives(store, Endpoints([f"wayback={server.base}"], environ={}), allow_private=True)
    pauses = []
    saver = SavePageNow(archives, interval=5, sleep=pauses.append)
    report = saver.save_all([(TWEET, "x:1660927314342432768"), ("https://news.example/article", None),
                             ("https://news.example/other", None)])
    assert (report.saved, report.failed, report.not_asked) == (1, 1, 1)
    assert len(pauses) == 1 and 4 < pauses[0] <= 5  # the second request waited for the interval
    db = sqlite_utils.Database(db_path)
    rows = list(db["wayback_saves"].rows_where(order_by="id"))
    assert rows[0]["memento_url"] == f"https://web.archive.org/web/20230524101010/{TWEET}" and not rows[0]["error"]
    assert "HTTP 429" in rows[1]["error"] and rows[1]["status_code"] == 429
    assert rows[2]["error"].startswith("not asked: rate limited") and rows[2]["capture_id"] is None
    [memento] = list(db["mementos"].rows)
    assert memento["post_id"] == "x:1660927314342432768" and memento["captured_at"] == "2023-05-24T10:10:10Z"
    assert not any(r.startswith("/save/https://news.example/other") for r in server.requests)



def test_collect_saves_the_article_and_its_posts_on_request(server, tmp_path, archiver_cli):
    server.syndication()
    article = server.page("/belgorod", "belgorod-didomi.html")

    result = archiver_cli("collect", article, "--db", tmp_path / "a.db", "--save-to-wayback", "--no-video",
                          "--endpoint", f"x={server.base}", "--endpoint", f"wayback={server.base}",
                          env={"ARCHIVER_SAVE_INTERVAL": "0"})
    assert result.returncode == 0, result.stderr
    saved = [r for r in server.requests if r.startswith("/save/")]
    assert f"/save/{article}" in saved and f"/save/{TWEET}" in saved
    db = sqlite_utils.Database(tmp_path / "a.db")
    rows = list(db["wayback_saves"].rows)
    assert {r["url"] for r in rows} >= {article, TWEET}
    assert all(r["error"] for r in rows)  # this server has no /save route: each failure is recorded
    assert "Save Page Now: 0 saved" in result.stderr
