"""The command line as a user meets it: exit codes, one clear line per failure, no tracebacks."""
import json
import socket

import sqlite_utils

from conftest import run_archiver
from server import FIXTURES, Answer


def test_collect_reports_and_stores(server, tmp_path):
    url = server.page("/a", "belgorod-didomi.html")
    server.syndication()
    db = tmp_path / "archive.db"
    result = run_archiver("collect", url, "--db", db, "--endpoint", f"x={server.base}", "--allow-private")
    assert result.returncode == 0, result.stderr
    assert "1 of 1 page(s) collected, 1 embed(s); posts: 1 ok" in result.stderr
    assert sqlite_utils.Database(db)["posts"].get("x:1660927314342432768")["status"] == "ok"


def test_endpoint_from_environment(server, tmp_path):
    url = server.page("/a", "belgorod-didomi.html")
    server.syndication()
    result = run_archiver("collect", url, "--db", tmp_path / "a.db",
                          env={"ARCHIVER_ENDPOINT_X": server.base, "ARCHIVER_ALLOW_PRIVATE": "1"})
    assert "posts: 1 ok" in result.stderr
    assert any(r.startswith("/tweet-result?id=1660927314342432768&") for r in server.requests)


def test_partial_failure_exits_zero_total_failure_exits_one(server, tmp_path):
    good = server.page("/a", "two-tweets.html")
    server.routes["/500"] = Answer(500, b"oops")
    server.syndication()
    db = tmp_path / "archive.db"
    partial = run_archiver("collect", server.url("/500"), good, "--db", db, "--endpoint", f"x={server.base}")
    assert partial.returncode == 0
    assert "HTTP 500" in partial.stderr and "Traceback" not in partial.stderr
    # A name under .invalid never resolves (RFC 6761): a real DNS failure without reaching anything.
    failed = run_archiver("collect", server.url("/500"), "http://no-such-host.invalid/", "--db", db,
                          env={"ARCHIVER_OFFLINE": ""})
    assert failed.returncode == 1
    assert "could not resolve host no-such-host.invalid (DNS failure)" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert "0 of 2 page(s) collected" in failed.stderr


def test_sources_from_a_list_file(server, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"# articles\n{server.page('/a', 'two-tweets.html')}\n\n{FIXTURES / 'pages' / 'xss-post.html'}\n")
    server.syndication()
    result = run_archiver("collect", "--from", listing, "--db", tmp_path / "a.db", "--endpoint", f"x={server.base}")
    assert "2 of 2 page(s) collected, 3 embed(s)" in result.stderr


def test_bad_endpoint_option_is_a_usage_error(tmp_path):
    result = run_archiver("collect", "x.html", "--endpoint", "nonsense", "--db", tmp_path / "a.db")
    assert result.returncode == 2 and "expected NAME=URL" in result.stderr and "Traceback" not in result.stderr
    result = run_archiver("collect", "x.html", "--endpoint", "myspace=http://a", "--db", tmp_path / "a.db")
    assert result.returncode == 2 and "unknown endpoint name(s): myspace" in result.stderr


def test_endpoints_lists_defaults_and_overrides():
    result = run_archiver("endpoints", env={"ARCHIVER_ENDPOINT_X": "http://127.0.0.1:9"})
    assert result.returncode == 0
    line = next(l for l in result.stdout.splitlines() if l.startswith("x "))
    assert "https://cdn.syndication.twimg.com" in line and "-> http://127.0.0.1:9" in line


def test_discover_json_contract(tmp_path):
    result = run_archiver("discover", "--json", FIXTURES / "pages" / "belgorod-didomi.html")
    assert result.returncode == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 1
    record = records[0]
    assert record["page"].endswith("belgorod-didomi.html")
    assert record["platform"] == "x" and record["blocked_by"] == "didomi"
    assert record["url"] == "https://x.com/AmourskyCyrille/status/1660927314342432768"


def test_demo_collects_the_sample_without_network(tmp_path):
    result = run_archiver("demo", "--dir", tmp_path, "--no-serve", "--site-port", "0")
    assert result.returncode == 0, result.stderr
    assert "3 of 3 page(s) collected" in result.stderr
    db = sqlite_utils.Database(tmp_path / "archive.db")
    hits = list(db.query("select posts.id, posts.status from posts join posts_fts on posts.rowid = posts_fts.rowid "
                         "where posts_fts match 'Kozinka'"))
    assert {"id": "x:1660927314342432768", "status": "ok"} in hits
    statuses = {r["status"] for r in db["posts"].rows}
    assert {"ok", "deleted", "unavailable"} <= statuses


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_demo_run_twice_gives_the_same_archive(tmp_path):
    port = str(free_port())
    tables = ("pages", "embeds", "posts", "accounts", "media", "post_media", "post_versions")

    def run_and_count():
        result = run_archiver("demo", "--dir", tmp_path, "--no-serve", "--site-port", port)
        assert result.returncode == 0, result.stderr
        db = sqlite_utils.Database(tmp_path / "archive.db")
        return {t: db[t].count for t in tables}, sorted(r["url"] for r in db["pages"].rows)

    first, again = run_and_count(), run_and_count()
    assert first == again and first[0]["pages"] == 3
    assert all(url.startswith(f"http://127.0.0.1:{port}/site/") for url in first[1])


def test_demo_says_when_its_site_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_archiver("demo", "--dir", tmp_path, "--no-serve", "--site-port", str(taken.getsockname()[1]))
    assert result.returncode == 2 and "pass --site-port with a free port" in result.stderr
    assert "Traceback" not in result.stderr
