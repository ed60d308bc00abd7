"""Web archives as sources: CDX and timemap lookups, mementos kept, text recovered from the earliest usable one."""
import json
import re
import sqlite3

import pytest
import sqlite_utils

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.http import Capture
from archiver.serve import build_datasette
from archiver.store import Store
from archiver.wayback import (Memento, UnreadableAnswer, WebArchives, parse_cdx, parse_link_format, parse_timemap,
                              recover_text, url_variants)
from conftest import datasette_get
from server import FIXTURES, Answer

WAYBACK = FIXTURES / "wayback"
GONE = "x:1700000000000000070"
GONE_URL = "https://twitter.com/AmourskyCyrille/status/1700000000000000070"
KOZINKA = "x:1660927314342432768"


def article(*ids) -> bytes:
    quotes = "".join(f'<blockquote class="twitter-tweet"><p>What the page showed of {i}</p>&mdash; Cyrille Amoursky '
                     f'(@AmourskyCyrille) <a href="https://twitter.com/AmourskyCyrille/status/{i}">May 23, 2023</a>'
                     "</blockquote>" for i in ids)
    return f"<!doctype html><html><head><title>Belgorod</title></head><body>{quotes}</body></html>".encode()


def answer(name, content_type="text/plain", status=200, **kwargs):
    return Answer(status, (WAYBACK / name).read_bytes(), content_type, **kwargs)


def play_archives(server, cdx=None, timemaps=None):
    """The CDX API answers by its url parameter; archive.today's timemaps by path; 404 for anything else."""
    cdx = cdx or {}

    def cdx_route(query, srv):
        asked = (query.get("url") or [""])[0]
        return cdx.get(asked, Answer(200, b"", "text/plain"))

    server.routes["/cdx/search/cdx"] = cdx_route
    for url, found in (timemaps or {}).items():
        server.routes[f"/timemap/{url}"] = found


def endpoints(server, names=("wayback", "archive-today")):
    return Endpoints([f"{n}={server.base}" for n in ("x", *names)], environ={})


@pytest.fixture
def gone_at_first(server, db_path):
    """A tweet nobody knows any more when the article is first collected: only the page's words are kept."""
    server.syndication()
    server.routes["/article"] = Answer(body=article("1700000000000000070"))
    Collector(Store(db_path), endpoints=Endpoints([f"x={server.base}"], environ={}),
              allow_private=True).collect([server.url("/article")])
    post = sqlite_utils.Database(db_path)["posts"].get(GONE)
    assert post["status"] == "unavailable" and post["text_source"] == "embed"
    return db_path


def test_real_cdx_answer_is_read_once_per_capture():
    mementos = parse_cdx((WAYBACK / "cdx-nasa.txt").read_bytes(), "https://web.archive.org")
    assert len(mementos) == 1  # the recorded answer lists the same capture three times
    m = mementos[0]
    assert (m.captured_at, m.original_url, m.status_code, m.mime) == (
        "1996-12-31T23:58:47Z", "http://www.nasa.gov:80/", 200, "text/html")
    assert m.raw_url == "https://web.archive.org/web/19961231235847id_/http://www.nasa.gov:80/"
    assert m.memento_url == "https://web.archive.org/web/19961231235847/http://www.nasa.gov:80/"


def test_cdx_json_output_and_bad_answers():
    body = json.dumps([["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
                       ["x", "20230523081500", GONE_URL, "text/html", "-", "D", "10"]]).encode()
    [m] = parse_cdx(body, "https://web.archive.org")
    assert m.status_code is None and m.captured_at == "2023-05-23T08:15:00Z"
    with pytest.raises(UnreadableAnswer):
        parse_cdx(b"<html>not an index</html>", "https://web.archive.org")
    with pytest.raises(UnreadableAnswer):
        parse_cdx(b"[1, 2", "https://web.archive.org")
    with pytest.raises(UnreadableAnswer, match="not a capture"):
        parse_cdx(b"x notatime https://a.example/ text/html 200 D 1", "https://web.archive.org")


def test_real_memento_link_header_reads_as_a_timemap():
    recorded = json.loads((WAYBACK / "memento-fws-birds.html.json").read_text())
    links = parse_link_format(recorded["headers"]["link"])
    assert [p["rel"] for _u, p in links][:3] == ["original", "timemap", "timegate"]
    mementos = parse_timemap(recorded["headers"]["link"].encode(), "wayback", "https://www.fws.gov/birds/")
    assert mementos[0].captured_at == "2005-03-23T15:53:00Z" and len(mementos) == 5
    with pytest.raises(UnreadableAnswer):
        parse_timemap(b"<!doctype html><p>captcha", "archive-today", GONE_URL)  # starts with '<' but no links
    assert parse_timemap(b"", "archive-today", GONE_URL) == []


def test_variants_of_a_tweet():
    variants = url_variants({"platform": "x", "native_id": "1700000000000000070", "url": GONE_URL,
                             "author_handle": "AmourskyCyrille"})
    assert variants[0] == GONE_URL
    assert "https://x.com/AmourskyCyrille/status/1700000000000000070" in variants
    assert "https://mobile.twitter.com/AmourskyCyrille/status/1700000000000000070" in variants
    assert "https://cdn.syndication.twimg.com/tweet-result?id=1700000000000000070" in variants
    assert len(variants) == len({v.lower() for v in variants})


def test_a_real_page_memento_that_is_no_post_gives_its_description_or_nothing():
    body = (WAYBACK / "memento-fws-birds.html").read_bytes()
    capture = Capture(url="u", status_code=200, body=body)
    memento = Memento("wayback", "https://www.fws.gov/birds/", "m", "r", "2017-11-24T15:13:15Z")
    with pytest.raises(UnreadableAnswer, match="no post text"):
        recover_text({"id": "p", "platform": "x", "native_id": "1"}, memento, capture)


def test_a_post_gone_at_first_capture_gets_its_mementos_and_its_text(server, gone_at_first):
    play_archives(server, cdx={"twitter.com/AmourskyCyrille/status/1700000000000000070":
                               answer("cdx-1700000000000000070.txt"),
                               "x.com/AmourskyCyrille/status/1700000000000000070": answer("cdx-blocked.txt", status=403)},
                  timemaps={GONE_URL: answer("timemap-1700000000000000070.txt", "application/link-format")})
    server.routes["/web/20230523081500id_/" + GONE_URL] = answer("memento-1700000000000000070.html", "text/html")
    report = WebArchives(Store(gone_at_first), endpoints(server), allow_private=True).run(
        [sqlite_utils.Database(gone_at_first)["posts"].get(GONE)])
    db = sqlite_utils.Database(gone_at_first)
    rows = list(db["mementos"].rows_where("post_id = ?", [GONE], order_by="captured_at"))
    assert [(r["archive"], r["captured_at"], r["status_code"]) for r in rows] == [
        ("wayback", "2023-05-22T23:10:00Z", 302), ("wayback", "2023-05-23T08:15:00Z", 200),
        ("archive-today", "2023-05-24T10:10:10Z", None), ("wayback", "2023-06-01T12:00:00Z", 200)]
    assert rows[0]["memento_url"] == "https://web.archive.org/web/20230522231000/" + GONE_URL
    assert rows[2]["memento_url"].startswith("https://archive.ph/20230524101010/")
    used = rows[1]
    assert used["recovered"] == 1 and used["capture_id"] and not used["error"]
    evidence = db["captures"].get(used["capture_id"])
    assert evidence["kind"] == "memento" and evidence["url"].endswith("/web/20230523081500id_/" + GONE_URL)
    post = db["posts"].get(GONE)
    assert post["text"] == "Kozinka checkpoint: the column turned back towards Grayvoron at dawn. #Belgorod"
    assert post["text_source"] == "wayback" and post["status"] == "unavailable"
    assert post["author_name"] == "Cyrille Amoursky"
    version = list(db["post_versions"].rows_where("post_id = ?", [GONE]))[-1]
    assert json.loads(version["changes"])["text_source"] == ["embed", "wayback"]
    assert version["capture_id"] == used["capture_id"]
    [media] = list(db["post_media"].rows_where("post_id = ?", [GONE]))
    assert media["source_url"] == ("https://web.archive.org/web/20230523081500im_/"
                                   "https://pbs.twimg.com/media/Fw0Kozinka1.jpg:large")
    # The blocked answer is recorded, not fatal; lookups say what each archive said.
    lookups = {(r["archive"], r["url"]): r for r in db["memento_lookups"].rows}
    assert "Blocked Site Error" in lookups[("wayback", "https://x.com/AmourskyCyrille/status/1700000000000000070")]["error"]
    assert report.counts()["recovered"] == 1 and report.counts()["mementos"] == 4
    # Asking again adds no duplicate mementos, and fetches no other one.
    fetched = len([r for r in server.requests if r.startswith("/web/")])
    WebArchives(Store(gone_at_first), endpoints(server), allow_private=True).run([db["posts"].get(GONE)])
    assert db["mementos"].count == 4
    assert len([r for r in server.requests if r.startswith("/web/")]) == fetched


def test_the_post_page_links_the_mementos_and_says_where_the_text_came_from(server, gone_at_first):
    play_archives(server, cdx={"twitter.com/AmourskyCyrille/status/1700000000000000070":
                               answer("cdx-1700000000000000070.txt")},
                  timemaps={GONE_URL: answer("timemap-1700000000000000070.txt", "application/link-format")})
    server.routes["/web/20230523081500id_/" + GONE_URL] = answer("memento-1700000000000000070.html", "text/html")
    WebArchives(Store(gone_at_first), endpoints(server), allow_private=True).run(
        [sqlite_utils.Database(gone_at_first)["posts"].get(GONE)])
    conn = sqlite3.connect(gone_at_first)
    with conn:  # a hostile archive answer must stay text
        conn.execute("update mementos set original_url = '<img src=x onerror=alert(1)>' where archive = 'archive-today'")
    conn.close()
    html = datasette_get(build_datasette(gone_at_first), "/-/post/x~3A1700000000000000070").text
    assert "recovered from the Wayback Machine" in html
    assert 'href="https://web.archive.org/web/20230523081500/' + GONE_URL + '"' in html
    assert 'href="https://archive.ph/20230524101010/' + GONE_URL + '"' in html
    assert "<img src=x" not in html and "&lt;img src=x" in html
    sentence = re.search(r'<p class="timeline-sentence">(.*?)</p>', html, re.S).group(1)
    assert "Already gone when first archived" in sentence and "the earliest from 2023-05-22" in sentence


def test_the_platforms_own_words_are_never_replaced(server, db_path):
    server.syndication()
    server.routes["/article"] = Answer(body=article("1660927314342432768"))
    Collector(Store(db_path), endpoints=Endpoints([f"x={server.base}"], environ={}),
              allow_private=True).collect([server.url("/article")])
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("update posts set status = 'deleted' where id = ?", [KOZINKA])
    conn.close()
    before = sqlite_utils.Database(db_path)["posts"].get(KOZINKA)
    syndication = ("https://cdn.syndication.twimg.com/tweet-result?id=1660927314342432768&lang=en"
                   "&token=4ks1hkvh6bg")
    play_archives(server, cdx={"cdn.syndication.twimg.com/tweet-result?id=1660927314342432768":
                               answer("cdx-syndication-1660927314342432768.txt")})
    recorded = json.loads((FIXTURES / "x" / "1660927314342432768.json").read_text())
    recorded["text"] = "A different text the archive kept"
    recorded.pop("note_tweet", None)
    # (the test server routes by path: the archived URL's own query is the request's query)
    server.routes["/web/20230524093000id_/" + syndication.split("?")[0]] = Answer(body=json.dumps(recorded).encode(),
                                                                    content_type="application/json")
    report = WebArchives(Store(db_path), endpoints(server, ("wayback",)), allow_private=True).run([before])
    db = sqlite_utils.Database(db_path)
    rows = list(db["mementos"].rows_where("post_id = ?", [KOZINKA]))
    assert len(rows) == 1, server.requests  # the capture of another id sharing the prefix is left out
    assert rows[0]["error"] is None, rows[0]["error"]
    assert rows[0]["recovered"] == 1 and rows[0]["text"] == "A different text the archive kept"
    post = db["posts"].get(KOZINKA)
    assert post["text"] == before["text"] and post["text_source"] == "platform"
    assert report.posts[0].text_kept


def test_unusable_mementos_are_recorded_and_the_next_one_tried(server, gone_at_first):
    play_archives(server, cdx={"twitter.com/AmourskyCyrille/status/1700000000000000070":
                               answer("cdx-1700000000000000070.txt")})
    server.routes["/web/20230523081500id_/" + GONE_URL] = answer("no-memento.html", "text/html", status=404)
    server.routes["/web/20230601120000id_/" + GONE_URL] = Answer(body=b"<html><body><div>" * 5000 + b"\x00\xff")
    report = WebArchives(Store(gone_at_first), endpoints(server, ("wayback",)), allow_private=True).run(
        [sqlite_utils.Database(gone_at_first)["posts"].get(GONE)])
    db = sqlite_utils.Database(gone_at_first)
    errors = {r["captured_at"]: r["error"] for r in db["mementos"].rows_where("post_id = ?", [GONE])}
    assert "404" in errors["2023-05-23T08:15:00Z"] and "no post text" in errors["2023-06-01T12:00:00Z"]
    assert db["posts"].get(GONE)["text_source"] == "embed" and report.counts()["recovered"] == 0


def test_offline_archives_are_not_asked(server, gone_at_first):
    play_archives(server)
    report = WebArchives(Store(gone_at_first), Endpoints([f"x={server.base}"], environ={}), allow_private=True).run(
        [sqlite_utils.Database(gone_at_first)["posts"].get(GONE)])
    assert not any(r.startswith(("/cdx", "/timemap", "/web/")) for r in server.requests)
    assert any("not asked" in p for p in report.posts[0].problems)


def test_recover_command(server, gone_at_first, archiver_cli):
    play_archives(server, cdx={"twitter.com/AmourskyCyrille/status/1700000000000000070":
                               answer("cdx-1700000000000000070.txt")})
    server.routes["/web/20230523081500id_/" + GONE_URL] = answer("memento-1700000000000000070.html", "text/html")
    result = archiver_cli("recover", "--db", gone_at_first, "--endpoint", f"wayback={server.base}",
                          "--endpoint", f"archive-today={server.base}", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["recovered"] == 1 and summary["posts"] >= 1
    assert f"{GONE}: text recovered from https://web.archive.org/web/20230523081500/{GONE_URL}" in result.stderr
    result = archiver_cli("recover", "--db", gone_at_first, "x:404", "--archive", "wayback",
                          "--endpoint", f"wayback={server.base}")
    assert result.returncode == 1 and "x:404: no such post" in result.stderr


def test_collect_looks_up_the_posts_it_finds_gone_unless_told_not_to(server, tmp_path, archiver_cli):
    server.syndication()
    server.routes["/article"] = Answer(body=article("1700000000000000070"))
    play_archives(server, cdx={"twitter.com/AmourskyCyrille/status/1700000000000000070":
                               answer("cdx-1700000000000000070.txt")})
    server.routes["/web/20230523081500id_/" + GONE_URL] = answer("memento-1700000000000000070.html", "text/html")
    options = ["--endpoint", f"x={server.base}", "--endpoint", f"wayback={server.base}", "--no-video"]
    result = archiver_cli("collect", server.url("/article"), "--db", tmp_path / "off.db", "--no-wayback", *options)
    assert result.returncode == 0, result.stderr
    assert not any(r.startswith("/cdx") for r in server.requests)
    result = archiver_cli("collect", server.url("/article"), "--db", tmp_path / "on.db", *options)
    assert result.returncode == 0, result.stderr
    assert "web archives: 3 capture(s) of 1 gone post(s), text recovered for 1" in result.stderr
    post = sqlite_utils.Database(tmp_path / "on.db")["posts"].get(GONE)
    assert post["text_source"] == "wayback" and post["text"].startswith("Kozinka checkpoint")


def test_search_filters_and_counts_posts_gone_since_capture(server, gone_at_first):
    conn = sqlite3.connect(gone_at_first)
    with conn:  # a second post, seen available and then deleted
        conn.execute("insert into posts (id, platform, native_id, url, text, status) values "
                     "('x:1', 'x', '1', 'https://x.com/i/status/1', 'Seen then deleted', 'deleted')")
        conn.execute("insert into post_versions (post_id, captured_at, changes, status) values "
                     "('x:1', '2023-06-08T10:00:00Z', '{\"status\": [\"ok\", \"deleted\"]}', 'deleted')")
    conn.close()
    ds = build_datasette(gone_at_first)
    found = datasette_get(ds, "/-/search.json?gone=since+capture&_facets=1").json()
    assert [p["id"] for p in found["rows"]] == ["x:1"]
    facets = datasette_get(ds, "/-/search.json?_facets=only").json()["facets"]
    gone = next(f for f in facets if f["name"] == "gone")
    assert {v["value"]: v["count"] for v in gone["values"]} == {"since capture": 1, "at first capture": 1}
    at_first = datasette_get(ds, "/-/search.json?gone=at+first+capture").json()
    assert [p["id"] for p in at_first["rows"]] == [GONE]


def test_a_recovered_post_exports_with_its_mementos_and_matches_the_schema(server, gone_at_first):
    import io

    import jsonschema
    from referencing import Registry, Resource

    from archiver.export import export_jsonl

    play_archives(server, cdx={"twitter.com/AmourskyCyrille/status/1700000000000000070":
                               answer("cdx-1700000000000000070.txt")})
    server.routes["/web/20230523081500id_/" + GONE_URL] = answer("memento-1700000000000000070.html", "text/html")
    WebArchives(Store(gone_at_first), endpoints(server, ("wayback",)), allow_private=True).run(
        [sqlite_utils.Database(gone_at_first)["posts"].get(GONE)])
    out = io.StringIO()
    export_jsonl(gone_at_first, out)
    record = next(r for r in map(json.loads, out.getvalue().splitlines()) if r["id"] == GONE)
    assert record["text_source"] == "wayback"
    assert [(m["captured_at"], m["recovered"]) for m in record["mementos"]][:2] == [
        ("2023-05-22T23:10:00Z", False), ("2023-05-23T08:15:00Z", True)]
    schemas = {name: json.loads((FIXTURES.parent.parent / "schemas" / f"{name}.schema.json").read_text())
               for name in ("post", "page")}
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas.values()])
    validator = jsonschema.Draft202012Validator(schemas["post"], registry=registry)
    assert not [e.message for e in validator.iter_errors(record)]
