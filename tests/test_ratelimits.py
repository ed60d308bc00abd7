"""Per-platform rate limits (pyrate-limiter) against the real local server: requests to one
platform are spaced across threads, other hosts are not slowed, and the deadline bounds a wait."""
import threading
import time

import pytest

from archiver.endpoints import Endpoints
from archiver.hostgate import HostGate
from archiver.http import Fetcher
from archiver.ratelimits import (DEFAULT_LIMITS, RateError, RateLimits, parse_rate, parse_rate_override,
                                 parse_rate_overrides)
from server import Answer


@pytest.mark.parametrize("text, limit, interval_ms", [
    ("60/1m", 60, 60_000), ("5/10s", 5, 10_000), ("200/1h", 200, 3_600_000), ("300/5min", 300, 300_000),
    ("1/s", 1, 1_000), (" 10 / 1.5 seconds ", 10, 1_500), ("1000/1d", 1000, 86_400_000),
])
def test_rates_read_as_n_per_period(text, limit, interval_ms):
    rate = parse_rate(text)
    assert (rate.limit, rate.interval, rate.burst) == (limit, interval_ms, 1)  # evenly spaced, no burst


@pytest.mark.parametrize("text", ["", "60", "60/", "/1m", "0/1m", "5/0s", "1/0.0001s", "5/1y", "-1/1m", "five/1m",
                                  "5/1m/2"])
def test_a_rate_that_does_not_read_is_refused_with_the_form_expected(text):
    with pytest.raises(RateError, match=r"N/PERIOD|at least 1 request"):
        parse_rate(text)


def test_none_lifts_a_limit():
    assert parse_rate("none") is None
    limits = RateLimits({"bluesky": "none"})
    assert limits.limit_for("public.api.bsky.app") is None


def test_an_override_reads_as_key_equals_rate():
    assert parse_rate_override("API.Example.org=100/1m") == ("api.example.org", "100/1m")
    for bad in ("100/1m", "=100/1m", "bluesky=often"):
        with pytest.raises(RateError):
            parse_rate_override(bad)
    with pytest.raises(RateError):  # refused when the gate is made, before any request
        HostGate(rates={"bluesky": "often"})


def test_overrides_from_the_environment(monkeypatch):
    assert parse_rate_overrides(" bluesky=100/1m, *=none ,") == {"bluesky": "100/1m", "*": "none"}
    monkeypatch.setenv("ARCHIVER_RATES", "*=none, reddit=5/1m")
    limits = Fetcher().gate.rates
    assert limits.limit_for("public.api.bsky.app") is None  # every platform not named: no limit
    assert limits.limit_for("127.0.0.1", "reddit").rate_text == "5/1m"
    monkeypatch.setenv("ARCHIVER_RATES", "reddit")
    with pytest.raises(RateError, match="HOST=N/PERIOD"):
        Fetcher()


def test_every_default_names_a_known_endpoint_and_reads():
    assert set(DEFAULT_LIMITS) <= set(Endpoints.defaults())
    for platform in DEFAULT_LIMITS.values():
        assert parse_rate(platform.rate) is not None


def test_the_limit_follows_the_endpoint_not_the_host():
    limits = RateLimits()
    assert limits.limit_for("www.lemonde.fr") is None  # news sites: no rate limit
    assert limits.limit_for("127.0.0.1") is None
    bluesky = limits.limit_for("public.api.bsky.app")  # the platform's own host, no endpoint named
    assert (bluesky.name, bluesky.rate_text) == ("bluesky", "3000/5m")
    pointed = limits.limit_for("127.0.0.1", "bluesky")  # --endpoint bluesky=http://127.0.0.1:…
    assert (pointed.name, pointed.rate_text, pointed.key) == ("bluesky", "3000/5m", "bluesky@127.0.0.1")
    # Mastodon: one count per instance; Instagram and Facebook: one count for Meta's one quota.
    assert limits.limit_for("mastodon.social", "mastodon").key != limits.limit_for("fosstodon.org", "mastodon").key
    assert limits.limit_for("graph.facebook.com", "instagram").key == \
        limits.limit_for("graph.facebook.com", "facebook").key


def test_overrides_by_endpoint_and_by_host():
    limits = RateLimits({"bluesky": "10/1m", "www.lemonde.fr": "30/1m", "MEDIA.example": "1/1s"})
    assert limits.limit_for("127.0.0.1", "bluesky").rate_text == "10/1m"
    assert limits.limit_for("www.lemonde.fr").rate_text == "30/1m"  # a news site limited by host
    assert limits.limit_for("media.example", "bluesky").rate_text == "1/1s"  # the host's own wins


def test_requests_to_one_platform_are_spaced_across_threads_and_other_requests_are_not(server):
    server.routes["/xrpc"] = Answer(body=b"{}", content_type="application/json")
    server.routes["/page"] = Answer(body=b"<html>news</html>")
    gate = HostGate(per_host=12, rates={"bluesky": "2/1s"})  # one request every 0.5 s
    fetchers = [Fetcher(retries=0, gate=gate) for _ in range(6)]  # one per thread, sharing the gate
    started = time.monotonic()
    threads = [threading.Thread(target=f.fetch, args=(server.url(f"/xrpc?n={n}"),),
                                kwargs={"trusted": True, "endpoint": "bluesky"}) for n, f in enumerate(fetchers)]
    threads += [threading.Thread(target=f.fetch, args=(server.url(f"/page?n={n}"),), kwargs={"trusted": True})
                for n, f in enumerate(fetchers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    api = [i for i, path in enumerate(server.requests) if path.startswith("/xrpc")]
    pages = [i for i, path in enumerate(server.requests) if path.startswith("/page")]
    assert len(api) == 6 and len(pages) == 6
    assert elapsed >= 2.4  # six turns, 0.5 s apart, whatever the threads
    # Same host, no endpoint named: the news pages did not wait behind the platform's turns.
    assert max(pages) < api[-1]


def test_a_wait_within_the_deadline_is_waited(server):
    server.routes["/a"] = Answer(body=b"<html>a</html>")
    fetcher = Fetcher(retries=0, deadline=5, gate=HostGate(rates={"127.0.0.1": "1/1s"}))
    started = time.monotonic()
    assert fetcher.fetch(server.url("/a"), trusted=True).ok
    assert fetcher.fetch(server.url("/a"), trusted=True).ok
    assert time.monotonic() - started >= 0.95


def test_the_deadline_bounds_a_wait_and_the_error_names_the_limit(server):
    server.routes["/a"] = Answer(body=b"<html>a</html>")
    fetcher = Fetcher(retries=0, deadline=3, gate=HostGate(rates={"localhost": "1/1m"}))
    local = server.url("/a").replace("127.0.0.1", "localhost")
    assert fetcher.fetch(local, trusted=True).ok
    started = time.monotonic()
    refused = fetcher.fetch(local, trusted=True)
    assert time.monotonic() - started < 2.5  # told at once, not after sleeping to the deadline
    assert refused.error == ("localhost: not asked: its turn under the rate limit of host localhost (1/1m) "
                             "would come after the fetch's deadline")
    assert server.requests == ["/a"]
    assert fetcher.gate.timeouts == {} and fetcher.timeouts == {}  # not a host that failed to answer
    assert fetcher.fetch(server.url("/a"), trusted=True).ok  # another host is not held back


def test_an_endpoint_limit_applies_to_retries_too(server):
    server.routes["/busy"] = Answer(503, b"busy")
    fetcher = Fetcher(retries=3, backoff=0.01, deadline=3, gate=HostGate(rates={"reddit": "1/1m"}))
    capture = fetcher.fetch(server.url("/busy"), trusted=True, endpoint="reddit")
    assert server.requests == ["/busy"]  # a retry would have been a second request within the minute
    assert capture.error == "HTTP 503 Service Unavailable" and capture.body == b"busy"  # the answer is kept
