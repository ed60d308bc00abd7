"""Hostile pages and faults: parse budgets, caps on amplification, concurrent collects, a full disk.

Everything runs for real: lexbor on pathological markup, a child process stopped by the
kernel, a local server playing the site and X, two `archiver collect` processes, SQLite
and the kernel reporting a full disk.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import sqlite_utils

from archiver.collect import Collector
from archiver.collect_command import run_collect
from archiver.discover import prescan
from archiver.endpoints import Endpoints
from archiver.http import BodyStore
from archiver.models import Limits
from archiver.store import Store
from server import FIXTURES, Answer
from test_collect import collect
from test_security_fetch import full_device, needs_dev_full

KOZINKA_ID = "1660927314342432768"
CORPUS = Path(__file__).parent.parent.parent / "shared" / "corpus" / "pages"


def tweet(n: int) -> str:
    return (f'<blockquote class="twitter-tweet"><p>Post {n}</p>&mdash; W (@w) '
            f'<a href="https://twitter.com/w/status/{1700000000000000100 + n}">May 1, 2024</a></blockquote>\n')


def page_problems(db, url):
    return json.loads(next(db["pages"].rows_where("url = ?", [url]))["problems"] or "[]")


# -- parsing ---------------------------------------------------------------------

def test_prescan_refuses_what_makes_lexbor_quadratic_and_passes_real_pages():
    wide = "<div " + " ".join(f"a{i}" for i in range(prescan.MAX_ATTRIBUTES + 1)) + "></div>"
    assert prescan.refusal(wide) == f"an element with more than {prescan.MAX_ATTRIBUTES} attributes"
    # quoted values hold spaces and '>' without counting as attributes
    assert prescan.refusal('<div data-x="' + "a " * 5000 + '>" b c></div>') is None
    deep = "<div>" * (prescan.MAX_NESTING + 1) + "</div>" * (prescan.MAX_NESTING + 1)
    assert prescan.refusal(deep) == f"block elements nested more than {prescan.MAX_NESTING} deep"
    # many blocks one after another, and stray end tags before them, are not nesting
    assert prescan.refusal("</div>" * 5000 + "<div></div>" * 5000) is None
    assert prescan.block_nesting("</div>" * 3 + "<div><div></div><div><div>") == 3
    if CORPUS.is_dir():  # the saved news pages (at most 70 attributes on one element, 32 levels deep)
        for page in CORPUS.glob("*.html"):
            assert prescan.refusal(page.read_text("utf-8", "replace")) is None, page.name


def test_refused_page_keeps_its_body_and_raw_post_urls_and_the_batch_goes_on(server, db_path):
    wide = ("<html><body><div " + " ".join(f"a{i}" for i in range(5000)) + "></div>"
            '<a href="https://twitter.com/w/status/1700000000000000001">a post</a></body></html>')
    server.routes["/wide"] = Answer(body=wide.encode())
    good = server.page("/good", "two-tweets.html")
    server.syndication()
    warnings = []
    report, db = collect(server, db_path, server.url("/wide"), good, warnings=warnings)
    assert [r.error for r in report.results] == [None, None]
    problems = page_problems(db, server.url("/wide"))
    assert problems == ["not parsed: an element with more than 1000 attributes; "
                        "1 post URL(s) taken from its raw text"]
    assert len([w for w in warnings if "not parsed" in w]) == 1
    embed = next(db["embeds"].rows_where("page_id = (select id from pages where url = ?)", [server.url("/wide")]))
    assert (embed["post_id"], embed["relation"]) == ("x:1700000000000000001", "linked")
    capture = db["captures"].get(next(db["pages"].rows_where("url = ?", [server.url("/wide")]))["capture_id"])
    assert capture["size"] == len(wide)  # the body is kept as evidence
    assert db["embeds"].count_where("page_id = (select id from pages where url = ?)", [good]) == 2


def test_discovery_over_its_cpu_budget_is_stopped_and_recorded(server, db_path):
    # Upper-case tags pass the pre-scan (it reads lower case); lexbor needs seconds of CPU for them.
    slow = "<DIV>" * 80_000 + '<a href="https://twitter.com/w/status/1700000000000000001">x</a>'
    server.routes["/slow"] = Answer(body=slow.encode())
    good = server.page("/good", "two-tweets.html")
    server.syndication()
    warnings = []
    start = time.monotonic()
    report, db = collect(server, db_path, server.url("/slow"), good, limits=Limits(discovery_cpu_seconds=1),
                         warnings=warnings)
    assert time.monotonic() - start < 15
    problems = page_problems(db, server.url("/slow"))
    assert problems == ["discovery stopped: over its CPU budget of 1 s (ARCHIVER_DISCOVERY_CPU_SECONDS); "
                        "1 post URL(s) taken from its raw text"]
    assert len([w for w in warnings if "CPU budget" in w]) == 1
    # the next page is discovered by a fresh child
    assert [r.embeds for r in report.results] == [1, 2]


def test_discovery_over_its_memory_budget_fails_alone_and_the_next_page_is_read(server, db_path):
    # Three hundred thousand elements: lexbor's tree for them is far over 30 MB.
    heavy = "<html><body>" + "<div class=a><span>x</span></div>" * 300_000 + \
        '<p>https://twitter.com/w/status/1700000000000000001</p></body></html>'
    server.routes["/heavy"] = Answer(body=heavy.encode())
    good = server.page("/good", "two-tweets.html")
    server.syndication()
    report, db = collect(server, db_path, server.url("/heavy"), good, limits=Limits(discovery_memory_mb=30))
    [problem] = page_problems(db, server.url("/heavy"))
    assert problem.endswith("1 post URL(s) taken from its raw text")  # what lexbor could not hold, said
    assert [r.embeds for r in report.results] == [1, 2]
    assert Limits.from_env({"ARCHIVER_DISCOVERY_MEMORY_MB": "512"}).discovery_memory_mb == 512


# -- amplification -------------------------------------------------------------------

def test_embeds_per_page_are_capped_and_the_cap_recorded(server, db_path):
    server.routes["/many"] = Answer(body=("<html><body>" + "".join(tweet(n) for n in range(12))).encode())
    warnings = []
    report, db = collect(server, db_path, server.url("/many"), limits=Limits(embeds_per_page=5), warnings=warnings)
    assert report.results[0].embeds == 5
    assert [e["post_id"] for e in db["embeds"].rows_where(order_by="position")] == [
        f"x:{1700000000000000100 + n}" for n in range(5)]
    message = "more than 5 posts in this page; only the first 5 were kept (ARCHIVER_MAX_EMBEDS)"
    assert page_problems(db, server.url("/many")) == [message]
    assert warnings.count(f"{server.url('/many')}: {message}") == 1


def test_media_per_post_are_capped_and_the_cap_recorded(server, db_path):
    answer = json.loads((FIXTURES / "x" / f"{KOZINKA_ID}.json").read_text())
    answer["mediaDetails"] = [{"type": "photo", "media_url_https": f"https://pbs.twimg.com/media/p{n}.jpg",
                               "original_info": {"width": 10, "height": 10}} for n in range(20)]
    server.syndication({KOZINKA_ID: Answer(body=json.dumps(answer).encode(), content_type="application/json")})
    url = server.page("/a", "belgorod-didomi.html")
    warnings = []
    report, db = collect(server, db_path, url, limits=Limits(media_per_post=3), warnings=warnings)
    assert db["post_media"].count_where("post_id = ?", [f"x:{KOZINKA_ID}"]) == 3
    message = f"x:{KOZINKA_ID}: 20 media; only the first 3 were kept (ARCHIVER_MAX_MEDIA)"
    assert page_problems(db, url) == [message]
    assert warnings.count(f"{url}: {message}") == 1
    assert db["posts"].get(f"x:{KOZINKA_ID}")["status"] == "ok"  # the rest is stored


def test_platform_requests_per_page_are_capped_and_the_cap_recorded(server, db_path):
    server.routes["/six"] = Answer(body=("<html><body>" + "".join(tweet(n) for n in range(6))).encode())
    server.syndication()
    warnings = []
    report, db = collect(server, db_path, server.url("/six"), limits=Limits(api_calls_per_page=2),
                         warnings=warnings)
    assert len([r for r in server.requests if r.startswith("/tweet-result")]) == 2
    assert db["posts"].count == 6  # every post is stored, with what the page showed
    refused = list(db["posts"].rows_where("status_detail like ?", ["%ARCHIVER_MAX_API_CALLS%"]))
    assert len(refused) == 4 and all(p["status"] == "unresolved" and p["text"] for p in refused)
    problems = page_problems(db, server.url("/six"))
    assert problems == ["more than 2 platform requests for this page's posts; 4 not made, those posts keep "
                        "what the page showed (ARCHIVER_MAX_API_CALLS)"]
    assert len([w for w in warnings if "ARCHIVER_MAX_API_CALLS" in w]) == 1


def test_limits_come_from_the_environment():
    limits = Limits.from_env({"ARCHIVER_MAX_EMBEDS": "7", "ARCHIVER_DISCOVERY_CPU_SECONDS": "2.5"})
    assert (limits.embeds_per_page, limits.discovery_cpu_seconds, limits.media_per_post) == (7, 2.5, 50)
    try:
        Limits.from_env({"ARCHIVER_MAX_MEDIA": "lots"})
    except ValueError as exc:
        assert str(exc) == "ARCHIVER_MAX_MEDIA must be a positive number, not 'lots'"
    else:
        raise AssertionError("a bad limit was accepted")


# -- two collects on one archive ----------------------------------------------------------

def test_two_collect_processes_on_one_new_database(server, db_path, tmp_path):
    pages = (FIXTURES / "pages" / "two-tweets.html").read_bytes()
    urls = []
    for n in range(12):
        server.routes[f"/p{n}"] = Answer(body=pages + tweet(n).encode())
        urls.append(server.url(f"/p{n}"))
    server.syndication()
    env = {**os.environ, "ARCHIVER_BACKOFF": "0.01", "ARCHIVER_RETRIES": "1"}
    command = [sys.executable, "-m", "archiver", "collect", "--db", str(db_path), "--endpoint", f"x={server.base}",
               "--allow-private", "--quiet", *urls]
    cwd = Path(__file__).parent.parent
    for _round in range(2):  # a new archive, then one both find created
        runs = [subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(2)]
        outputs = [run.communicate(timeout=120) for run in runs]
        for run, (_out, err) in zip(runs, outputs):
            assert run.returncode == 0, err
            assert "Traceback" not in err and "UNIQUE" not in err and "locked" not in err, err
    db = sqlite_utils.Database(db_path)
    assert db["pages"].count == 12
    assert db["posts"].count == 14  # the page's two posts and one of its own per page
    assert db["embeds"].count == 36


# -- a full disk -------------------------------------------------------------------

class FullDiskBodies(BodyStore):
    """Bodies written to /dev/full: the kernel's real ENOSPC, after a partial file is left."""

    def put(self, body: bytes) -> str:
        partial = self.root / "ab" / f".ab{'0' * 62}.{os.getpid()}.tmp"
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(body[:10])
        with open("/dev/full", "wb", buffering=0) as full:
            full.write(body)
        raise AssertionError("/dev/full accepted a write")


def run_full(store, sources, capsys):
    status = run_collect(sources, db_path=store.path, endpoints=Endpoints([]), allow_private=True, linked=False,
                         store=store)
    return status, capsys.readouterr().err


def test_enospc_writing_a_body_stops_the_batch_with_one_line(db_path, capsys):
    store = Store(db_path)
    store.bodies_dir.mkdir(parents=True)
    first, second = str(FIXTURES / "pages" / "two-tweets.html"), str(FIXTURES / "pages" / "belgorod-didomi.html")
    original = Collector.__init__

    def with_full_disk(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.bodies = FullDiskBodies(store.bodies_dir)

    Collector.__init__ = with_full_disk
    try:
        status, err = run_full(store, [first, second], capsys)
    finally:
        Collector.__init__ = original
    assert status == 1
    assert err.splitlines() == ["archiver: disk full: No space left on device; "
                                "free some space and run the same command again"]
    assert not list(store.bodies_dir.parent.glob("**/*.tmp"))
    assert store.db["pages"].count == 0  # stopped at the first source


@needs_dev_full
def test_the_body_store_running_out_of_room_is_said_once(db_path, capsys):
    """The real store under a full device: one line naming the file (relative), the advice said once."""
    store = Store(db_path)
    original = Collector.__init__

    def with_full_disk(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.bodies = BodyStore(store.bodies_dir, opener=full_device)

    Collector.__init__ = with_full_disk
    try:
        status, err = run_full(store, [str(FIXTURES / "pages" / "two-tweets.html")], capsys)
    finally:
        Collector.__init__ = original
    assert status == 1
    [line] = err.splitlines()
    assert line.startswith("archiver: disk full: no room to write bodies/")
    assert line.endswith("; free some space and run the same command again")
    assert line.count("free some space") == 1 and str(db_path.parent) not in line
    assert not list(store.bodies_dir.parent.glob("**/*.tmp"))


def test_sqlite_database_full_stops_the_batch_with_one_line(db_path, capsys, tmp_path):
    article = tmp_path / "long.html"  # posts whose stored markup needs more pages than the file has
    article.write_text("<html><body>" + "".join(tweet(n).replace("<p>", "<p>" + "words " * 500) for n in range(20)))
    store = Store(db_path)
    # SQLite's own limit on the file's size: a write that must grow it fails as on a full disk.
    pages = store.db.execute("pragma page_count").fetchone()[0]
    store.db.execute(f"pragma max_page_count = {pages}")
    status, err = run_full(store, [str(article), str(FIXTURES / "pages" / "two-tweets.html")], capsys)
    assert status == 1
    assert err.splitlines() == ["archiver: disk full: the archive database cannot grow (database or disk is full); "
                                "free some space and run the same command again"]
    assert not list(store.bodies_dir.parent.glob("**/*.tmp"))


# -- error texts -------------------------------------------------------------------

def test_file_errors_name_the_file_as_given(tmp_path):
    (tmp_path / "a-folder.html").mkdir()
    run = subprocess.run([sys.executable, "-m", "archiver", "discover", "a-folder.html"], cwd=tmp_path,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    assert run.returncode == 1
    assert run.stderr.strip() == "archiver: a-folder.html: cannot read file: Is a directory"
    assert str(tmp_path) not in run.stderr
