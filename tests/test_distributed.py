"""Collecting across machines: `archiver enqueue` on a real Redis broker, `archiver worker` processes
taking sources from it into archives of their own."""
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from conftest import run_archiver
from server import FIXTURES, Answer

ROOT = Path(__file__).parent.parent
PAGE = (FIXTURES / "pages" / "two-tweets.html").read_bytes()

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server (make test installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker(tmp_path):
    """A real redis-server of the test's own, on a free port, keeping nothing on disk."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def pages(server, count, delay=0.0, prefix="/a"):
    server.syndication()
    urls = []
    for n in range(count):
        server.routes[f"{prefix}{n}"] = Answer(body=PAGE, delay=delay)
        urls.append(server.url(f"{prefix}{n}"))
    return urls


def start_worker(broker_url, db_path, server, *extra):
    command = [sys.executable, "-m", "archiver", "worker", "--broker", broker_url, "--db", str(db_path),
               "--endpoint", f"x={server.base}", "--allow-private", "--no-video", *extra]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def done_sources(db_path) -> set:
    if not Path(db_path).exists():
        return set()
    return {r["source"] for r in sqlite_utils.Database(db_path)["sources"].rows_where("state = 'done'")}


def requests_for(server, url) -> int:
    path = url.split(server.base, 1)[1]
    return sum(1 for p in server.requests if p == path)


def test_two_workers_share_the_queue_and_collect_each_source_once(broker, server, tmp_path):
    urls = pages(server, 12, delay=0.3)
    queued = run_archiver("enqueue", "--broker", broker, *urls)
    assert queued.returncode == 0, queued.stderr
    assert "12 source(s) queued" in queued.stderr
    workers = [start_worker(broker, tmp_path / f"w{n}.db", server, "--burst", "-j", "2", "--json")
               for n in range(2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    done = [done_sources(tmp_path / f"w{n}.db") for n in range(2)]
    assert done[0] | done[1] == set(urls) and not done[0] & done[1]
    assert all(done), "each worker took a share of the queue"
    summaries = [json.loads(out) for out, _ in outputs]
    assert sum(s["pages_collected"] for s in summaries) == 12
    for n in range(2):  # each archive holds its own pages, their posts and embeds
        db = sqlite_utils.Database(tmp_path / f"w{n}.db")
        assert db["pages"].count == len(done[n]) and db["embeds"].count == 2 * len(done[n])
    assert all(requests_for(server, url) == 1 for url in urls)


def test_a_source_delivered_again_is_not_fetched_again(broker, server, tmp_path):
    [url] = pages(server, 1)
    db_path = tmp_path / "w.db"
    for _ in range(2):
        assert run_archiver("enqueue", "--broker", broker, url).returncode == 0
        worker = start_worker(broker, db_path, server, "--burst")
        _, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
    assert "1 source(s) were done already" in err
    assert requests_for(server, url) == 1
    assert run_archiver("enqueue", "--broker", broker, "--refresh", url).returncode == 0
    worker = start_worker(broker, db_path, server, "--burst")
    worker.communicate(timeout=60)
    assert requests_for(server, url) == 2


def test_sigterm_lets_a_worker_finish_the_source_in_hand_and_give_back_the_rest(broker, server, tmp_path):
    urls = pages(server, 5, delay=2.0)
    assert run_archiver("enqueue", "--broker", broker, *urls).returncode == 0
    db_path = tmp_path / "w.db"
    worker = start_worker(broker, db_path, server, "-j", "1")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(p.startswith("/a") for p in server.requests):
        time.sleep(0.05)  # a page is being fetched: the worker has a source in hand
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    done = done_sources(db_path)
    assert len(done) == 1, err  # the one in hand was finished, not dropped
    # The rest are back on the queue: a second worker collects exactly them.
    second = start_worker(broker, tmp_path / "w2.db", server, "--burst", "-j", "4")
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert done_sources(tmp_path / "w2.db") == set(urls) - done


def test_the_sources_of_a_worker_killed_midway_go_to_another_worker(broker, server, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVER_WORKER_HEARTBEAT_TIMEOUT", "3")
    urls = pages(server, 4, delay=1.0)
    assert run_archiver("enqueue", "--broker", broker, *urls).returncode == 0
    doomed = start_worker(broker, tmp_path / "dead.db", server, "-j", "2")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(p.startswith("/a") for p in server.requests):
        time.sleep(0.05)
    doomed.kill()  # SIGKILL: no goodbye, its sources in hand are still taken
    doomed.communicate()
    done_before = done_sources(tmp_path / "dead.db")
    survivor = start_worker(broker, tmp_path / "alive.db", server, "--burst", "-j", "2")
    _, err = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, err
    assert done_sources(tmp_path / "alive.db") | done_before == set(urls)


def test_a_broker_that_cannot_be_used_is_a_clear_error(tmp_path):
    wrong = run_archiver("enqueue", "--broker", "http://127.0.0.1:1/", "https://example.org/")
    assert wrong.returncode == 2 and "expected redis://" in wrong.stderr
    closed = f"redis://:secret@127.0.0.1:{free_port()}/0"
    unreachable = run_archiver("worker", "--broker", closed, "--db", str(tmp_path / "w.db"))
    assert unreachable.returncode == 2 and "cannot reach the broker" in unreachable.stderr
    assert "secret" not in unreachable.stderr and "Traceback" not in unreachable.stderr


def content(db_path) -> dict:
    """What an archive holds, without row numbers or times."""
    db = sqlite_utils.Database(db_path)
    return {
        "posts": sorted(db.execute("select id, status, text, author_handle, created_at from posts").fetchall()),
        "embeds": sorted(db.execute("select pages.url, embeds.position, embeds.post_id from embeds "
                                    "join pages on pages.id = embeds.page_id").fetchall()),
        "media": sorted(db.execute("select post_id, position, kind, media_sha256, status from post_media").fetchall()),
        "sources": sorted(db.execute("select source, state from sources").fetchall()),
    }


def test_workers_archives_merged_equal_one_collect_of_the_same_sources(broker, server, tmp_path):
    urls = pages(server, 8, delay=0.3)
    assert run_archiver("enqueue", "--broker", broker, *urls).returncode == 0
    workers = [start_worker(broker, tmp_path / f"w{n}.db", server, "--burst", "-j", "2") for n in range(2)]
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    merged = run_archiver("merge", str(tmp_path / "merged.db"), str(tmp_path / "w0.db"), str(tmp_path / "w1.db"))
    assert merged.returncode == 0, merged.stderr
    single = run_archiver("collect", "--db", str(tmp_path / "single.db"), "--endpoint", f"x={server.base}",
                          "--allow-private", "--no-video", "--no-wayback", *urls)
    assert single.returncode == 0, single.stderr
    together, alone = content(tmp_path / "merged.db"), content(tmp_path / "single.db")
    assert together == alone and len(together["embeds"]) == 16
    assert run_archiver("verify", "--db", str(tmp_path / "merged.db")).returncode == 0
