"""Collecting pages side by side: several at once, never more than the per-host limit on one host,
every row stored once, and a host that keeps timing out given up for the rest of the run."""
import threading
import time

import sqlite_utils

from conftest import run_archiver
from server import FIXTURES, Answer

PAGE = (FIXTURES / "pages" / "two-tweets.html").read_bytes()


def tweet(n):
    return (f'<blockquote class="twitter-tweet"><p>Post {n}</p>&mdash; W (@w) '
            f'<a href="https://twitter.com/w/status/{1700000000000000100 + n}">May 1, 2023</a></blockquote>')


def test_pages_are_collected_side_by_side_within_the_per_host_limit(server, tmp_path):
    lock, in_flight, most = threading.Lock(), [0], [0]

    def slow_page(n):
        def answer(query, server_):
            with lock:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            time.sleep(0.3)
            with lock:
                in_flight[0] -= 1
            return Answer(body=PAGE + tweet(n).encode())
        return answer

    urls = []
    for n in range(8):
        server.routes[f"/p{n}"] = slow_page(n)
        urls.append(server.url(f"/p{n}"))
    server.syndication()
    db = tmp_path / "archive.db"
    result = run_archiver("collect", *urls, "--db", db, "--endpoint", f"x={server.base}", "--allow-private",
                          "--no-video", "--concurrency", "4", "--per-host", "2")
    assert result.returncode == 0, result.stderr
    assert "8 of 8 page(s) collected" in result.stderr
    assert most[0] == 2  # side by side, and never more than two at once on this host
    archive = sqlite_utils.Database(db)
    assert archive["pages"].count == 8 and archive["embeds"].count == 24 and archive["posts"].count == 10
    assert {r["state"] for r in archive["sources"].rows} == {"done"}


def test_a_host_that_keeps_timing_out_is_given_up_for_the_run(server, tmp_path):
    urls = []
    for n in range(6):
        server.routes[f"/slow{n}"] = Answer(body=PAGE, delay=5)
        urls.append(server.url(f"/slow{n}"))
    db = tmp_path / "archive.db"
    result = run_archiver("collect", *urls, "--db", db, "--concurrency", "1", "--no-video",
                          env={"ARCHIVER_DEADLINE": "1", "ARCHIVER_GIVE_UP_AFTER": "2", "ARCHIVER_RETRIES": "0"})
    assert result.returncode == 1
    assert "given up for this run after repeated timeouts: 127.0.0.1" in result.stderr
    asked = [r for r in server.requests if r.startswith("/slow")]
    assert len(asked) == 2  # the first two timed out; the other four were not asked
    errors = [r["error"] for r in sqlite_utils.Database(db)["pages"].rows]
    assert sum("not asked again until the next run" in e for e in errors) == 4


def test_a_pause_a_host_asks_for_holds_every_thread():
    from archiver.hostgate import HostGate

    now, slept = [100.0], []
    gate = HostGate(per_host=4, clock=lambda: now[0], sleep=slept.append)
    gate.hold("example.org", 30)
    with gate.slot("other.example"):  # other hosts are not held
        pass
    assert slept == []
    now[0] += 10
    with gate.slot("example.org"):  # the 20 s left of the pause, whichever thread asks
        pass
    assert slept == [20]
    now[0] += 21
    with gate.slot("example.org"):
        pass
    assert slept == [20]


def test_a_rate_given_on_the_command_line_spaces_a_platforms_requests(server, tmp_path):
    server.syndication()
    answer = server.routes["/tweet-result"]
    asked = []

    def timed(query, srv):
        asked.append(time.monotonic())
        return answer(query, srv)

    server.routes["/tweet-result"] = timed
    page = server.page("/two", "two-tweets.html")
    result = run_archiver("collect", "--db", str(tmp_path / "a.db"), "--endpoint", f"x={server.base}",
                          "--allow-private", "--no-video", "--no-wayback", "--rate", "x=1/1s", page)
    assert result.returncode == 0, result.stderr
    assert len(asked) >= 2
    gaps = [later - earlier for earlier, later in zip(asked, asked[1:])]
    assert min(gaps) >= 0.9  # the endpoint's turns, wherever --endpoint points it


def test_platform_hosts_take_more_requests_at_once_than_news_sites():
    from archiver.hostgate import HostGate

    def most_at_once(gate: HostGate, kind: str) -> int:
        inside, most, lock = [0], [0], threading.Lock()

        def request():
            with gate.slot("host.example", kind=kind):
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.3)
                with lock:
                    inside[0] -= 1

        threads = [threading.Thread(target=request) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return most[0]

    gate = HostGate(per_host=2, per_platform_host=4)
    assert most_at_once(gate, "page") == 2
    assert 2 < most_at_once(gate, "api") <= 4  # the same host, counted apart for its API and its pages
    limited = HostGate(per_host=2, per_platform_host=4, overrides={"host.example": 1})
    assert most_at_once(limited, "media") == 1  # --host-limit wins whatever the kind
