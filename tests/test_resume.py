"""A collection survives being stopped: each source's state is in the archive, and the same command
takes up what is not done."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlite_utils

from archiver.sourcequeue import SourceQueue
from archiver.store import Store
from archiver.timeparse import parse_age
from conftest import run_archiver
from server import FIXTURES, Answer

ROOT = Path(__file__).parent.parent
PAGE = (FIXTURES / "pages" / "two-tweets.html").read_bytes()


def test_the_queue_leaves_out_what_is_done_unless_asked(tmp_path):
    store = Store(tmp_path / "archive.db")
    queue = SourceQueue(store.db)
    plan = queue.plan(["a", "b", "a", "c"])
    assert plan.todo == ["a", "b", "c"] and plan.done == 0
    queue.finished("a", error=None, page_id=1)
    queue.finished("b", error="HTTP 500", page_id=2)
    assert queue.counts() == {"done": 1, "failed": 1, "pending": 1}
    again = queue.plan(["a", "b", "c"])
    assert again.todo == ["b", "c"] and again.done == 1  # failed and never-finished ones are tried again
    assert queue.plan(["a"], refresh=True).todo == ["a"]
    queue.finished("a", error=None, page_id=1)
    assert queue.plan(["a"], older_than=parse_age("7d")).todo == []  # done just now: recent enough
    store.db.execute("update sources set finished_at = '2020-01-01T00:00:00Z' where source = 'a'")
    assert queue.plan(["a"], older_than=parse_age("7d")).todo == ["a"]
    row = store.db["sources"].get("b")
    assert row["state"] == "pending" and row["attempts"] == 1 and row["error"] == "HTTP 500"


def test_a_run_killed_midway_is_taken_up_by_the_same_command(server, tmp_path):
    server.syndication()
    urls = []
    for n in range(4):
        server.routes[f"/p{n}"] = Answer(body=PAGE, delay=60 if n == 2 else 0)  # the third page hangs
        urls.append(server.url(f"/p{n}"))
    db_path = tmp_path / "archive.db"
    command = [sys.executable, "-m", "archiver", "collect", "--db", str(db_path), "--endpoint", f"x={server.base}",
               "--allow-private", "--no-video", "--quiet", "--concurrency", "2", *urls]
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def states():
        try:
            return {r["source"]: r["state"] for r in sqlite_utils.Database(db_path)["sources"].rows}
        except Exception:  # noqa: BLE001 - the table may not be there yet
            return {}

    deadline = time.monotonic() + 60  # the other pages are stored while the third hangs
    while time.monotonic() < deadline and list(states().values()).count("done") < 3:
        time.sleep(0.1)
    run.send_signal(signal.SIGKILL)  # mid-page: no chance to tidy up
    run.wait(timeout=30)
    assert server.requests.count("/p2") == 1
    assert states() == {urls[0]: "done", urls[1]: "done", urls[2]: "pending", urls[3]: "done"}

    server.routes["/p2"] = Answer(body=PAGE)
    again = run_archiver(*command[3:], "--json")
    assert again.returncode == 0, again.stderr
    assert "3 source(s) already collected" in again.stderr
    assert [server.requests.count(f"/p{n}") for n in range(4)] == [1, 1, 2, 1]  # nothing done is fetched again
    summary = json.loads(again.stdout)
    assert summary["pages_collected"] == 1 and summary["already_collected"] == 3
    assert summary["sources"] == {"done": 4}
    db = sqlite_utils.Database(db_path)
    assert db["pages"].count == 4 and db["embeds"].count == 4 * 2 and db["posts"].count == 2

    third = run_archiver(*command[3:])
    assert third.returncode == 0 and "4 source(s) already collected" in third.stderr
    assert [server.requests.count(f"/p{n}") for n in range(4)] == [1, 1, 2, 1]
    fresh = run_archiver(*command[3:], "--refresh")
    assert fresh.returncode == 0 and [server.requests.count(f"/p{n}") for n in range(4)] == [2, 2, 3, 2]


def test_ctrl_c_finishes_the_pages_in_hand_and_a_second_one_stops_at_once(server, tmp_path):
    server.syndication()
    urls = []
    for n in range(6):
        server.routes[f"/c{n}"] = Answer(body=PAGE, delay=2.0)
        urls.append(server.url(f"/c{n}"))

    def start(db_path):
        command = [sys.executable, "-m", "archiver", "collect", "--db", str(db_path), "--endpoint",
                   f"x={server.base}", "--allow-private", "--no-video", "--no-wayback", "-j", "2", *urls]
        run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum(p.startswith("/c") for p in server.requests) < 2:
            time.sleep(0.05)  # two pages in hand
        return run

    def states(db_path):
        return sorted(r["state"] for r in sqlite_utils.Database(db_path)["sources"].rows)

    once = start(tmp_path / "once.db")
    once.send_signal(signal.SIGINT)
    _, err = once.communicate(timeout=60)
    assert once.returncode != 0 and "stopping: the pages in hand are finished first" in err
    assert states(tmp_path / "once.db") == ["done"] * 2 + ["pending"] * 4  # the two in hand, kept whole

    server.requests.clear()
    twice = start(tmp_path / "twice.db")
    twice.send_signal(signal.SIGINT)
    time.sleep(0.3)
    twice.send_signal(signal.SIGINT)
    _, err = twice.communicate(timeout=10)
    assert twice.returncode == 130 and "stopped" in err
    assert states(tmp_path / "twice.db") == ["pending"] * 6  # nothing half-stored; the next run takes them all
    again = run_archiver("collect", "--db", str(tmp_path / "twice.db"), "--endpoint", f"x={server.base}",
                         "--allow-private", "--no-video", "--no-wayback", *urls)
    assert again.returncode == 0 and states(tmp_path / "twice.db") == ["done"] * 6
    assert sqlite_utils.Database(tmp_path / "twice.db")["pages"].count == 6
