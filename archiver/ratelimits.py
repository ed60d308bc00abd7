"""Requests per time window for each platform's API, shared by every thread of a run.

HostGate caps how many requests are in flight to a host; this caps how many are
sent per minute (or hour) to a platform, the way the platforms state their
limits. A limit belongs to an endpoint name (endpoints.py), not to a host name:
when `--endpoint bluesky=URL` points Bluesky elsewhere, Bluesky's limit goes
with it, counted per host the endpoint resolves to (a Mastodon instance is one
host among many, each with its own count). Requests that name no endpoint are
matched by the platforms' default hosts. News sites have no limit here.

Requests are spaced evenly (pyrate-limiter's GCRA with a burst of one): 300
per 5 minutes is one a second, never 300 at once. A request waits for its turn
within its fetch's deadline; a wait that would pass it fails at once with
RateLimited, naming the limit.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Mapping, Optional

from pyrate_limiter import GCRA, BucketFactory, Limiter, MonotonicClock, Rate, RateItem, StateBucket


@dataclass(frozen=True)
class PlatformLimit:
    name: str  # what errors call it; endpoints sharing one name (one API quota) share one count
    rate: str  # N/PERIOD, as parse_rate reads it


# Polite defaults per endpoint name. Every figure says where it comes from; where
# the platform documents nothing, a conservative guess says so.
_META_GRAPH = PlatformLimit("meta-graph", "200/1h")
DEFAULT_LIMITS: dict[str, PlatformLimit] = {
    # docs.bsky.app, "Rate Limits": 3,000 API requests per 5 minutes per IP; the
    # public AppView publishes no figure of its own.
    "bluesky": PlatformLimit("bluesky", "3000/5m"),
    # docs.joinmastodon.org/api/rate-limits: 300 requests per 5 minutes per IP
    # for unauthenticated calls (an instance may change it); counted per instance.
    "mastodon": PlatformLimit("mastodon", "300/5m"),
    # Reddit's Data API wiki: 100 queries per minute per OAuth client; requests
    # without OAuth get far fewer (commonly seen: 10 per minute since 2023).
    "reddit": PlatformLimit("reddit", "10/1m"),
    # Telegram documents no limit for t.me embed pages: a conservative guess.
    "telegram": PlatformLimit("telegram", "30/1m"),
    # X's syndication endpoint (cdn.syndication.twimg.com) is undocumented: a
    # conservative guess.
    "x": PlatformLimit("x-syndication", "60/1m"),
    # FxTwitter documents no limit: a conservative guess.
    "fxtwitter": PlatformLimit("fxtwitter", "60/1m"),
    # publish.twitter.com/oembed documents no limit: a conservative guess.
    "x-oembed": PlatformLimit("x-oembed", "60/1m"),
    # Meta's Graph API app rate limit: 200 calls per hour per app user, for the
    # oEmbed endpoints too. Instagram and Facebook share the app's one quota.
    "instagram": _META_GRAPH,
    "facebook": _META_GRAPH,
    # Threads' oEmbed is under the same kind of app limit on its own host.
    "threads": PlatformLimit("threads", "200/1h"),
    # YouTube, Vimeo and TikTok document no limit for oEmbed: conservative guesses.
    "youtube": PlatformLimit("youtube", "60/1m"),
    "vimeo": PlatformLimit("vimeo", "60/1m"),
    "tiktok": PlatformLimit("tiktok", "60/1m"),
    # Internet Archive staff: web.archive.org/cdx allows 60 requests per minute
    # averaged over 5 minutes, per IP (github.com/edgi-govdata-archiving/wayback
    # issue 153); applied to the whole host.
    "wayback": PlatformLimit("wayback", "60/1m"),
    # archive.today documents nothing and turns to CAPTCHAs quickly: a conservative guess.
    "archive-today": PlatformLimit("archive-today", "10/1m"),
}

NO_LIMIT = ("none", "off", "unlimited")
WAIT_MARGIN_MS = 5
_UNITS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
          "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
          "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
          "d": 86400, "day": 86400, "days": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)?\s*([a-z]+)\s*$", re.I)


class RateError(ValueError):
    """A rate that does not read as N/PERIOD."""


class RateLimited(Exception):
    """Waiting for a turn under a rate limit would pass the fetch's deadline."""


def parse_rate(text: str) -> Optional[Rate]:
    """'60/1m', '5/10s', '200/1h', '300/5min' as a pyrate-limiter Rate; None for 'none' (no limit)."""
    if text.strip().lower() in NO_LIMIT:
        return None
    found = _RATE.match(text)
    unit = _UNITS.get(found.group(3).lower()) if found else None
    if unit is None:
        raise RateError(f"expected N/PERIOD such as 60/1m, 5/10s or 200/1h (or 'none'), got {text!r}")
    count, interval_ms = int(found.group(1)), round(float(found.group(2) or 1) * unit * 1000)
    if count < 1 or interval_ms < 1:
        raise RateError(f"a rate needs at least 1 request in a period of at least 1 ms, got {text!r}")
    # A burst of one spaces the requests evenly instead of allowing all of them at once.
    return Rate(count, interval_ms, burst=1)


def parse_rate_override(text: str) -> tuple[str, str]:
    """'HOST=N/PERIOD' or 'ENDPOINT=N/PERIOD' (the form --rate takes) as (key, rate text)."""
    key, sep, rate = text.partition("=")
    key = key.strip().lower()
    if not sep or not key:
        raise RateError(f"expected HOST=N/PERIOD or ENDPOINT=N/PERIOD such as bluesky=100/1m, got {text!r}")
    parse_rate(rate)
    return key, rate.strip()


def parse_rate_overrides(text: str) -> dict[str, str]:
    """Comma-separated overrides, as ARCHIVER_RATES holds them: 'bluesky=100/1m, *=none'."""
    return dict(parse_rate_override(item) for item in text.split(",") if item.strip())


@dataclass(frozen=True)
class Limit:
    """The limit one request is under: `key` names its count (a limit on one host)."""

    key: str
    name: str
    rate_text: str
    rate: Rate


class _BucketPerKey(BucketFactory):
    """One GCRA bucket per limit and host. GCRA keeps one number per bucket, so there is
    nothing to leak and no background thread is started."""

    def __init__(self):
        self._clock = MonotonicClock()
        self._buckets: dict[str, StateBucket] = {}
        self._lock = threading.Lock()

    def add(self, key: str, rate: Rate) -> None:
        with self._lock:
            if key not in self._buckets:
                self._buckets[key] = StateBucket([rate], algorithm=GCRA(), clock=self._clock)

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        return RateItem(name, self._clock.now(), weight=weight)

    def get(self, item: RateItem) -> StateBucket:
        return self._buckets[item.name]

    def expected_wait(self, key: str) -> float:
        """Seconds until the next turn under `key`, as things stand (others may take it first)."""
        wait_ms = self._buckets[key].waiting(self.wrap_item(key))
        return float("inf") if wait_ms < 0 else wait_ms / 1000


class RateLimits:
    """Which limit a request is under, and waiting for its turn.

    overrides: {host, endpoint name or limit name: 'N/PERIOD' or 'none'}; a host's
    override wins over its platform's limit, and gives a news site a limit too;
    '*' stands for every platform not named (`*=none`: no platform limits at all).
    """

    def __init__(self, overrides: Optional[Mapping[str, str]] = None,
                 defaults: Mapping[str, PlatformLimit] = DEFAULT_LIMITS):
        self.defaults = dict(defaults)
        self.overrides = {key.strip().lower(): text.strip() for key, text in (overrides or {}).items()}
        for text in self.overrides.values():
            parse_rate(text)  # a bad override is refused here, before any request
        self._by_default_host = self._default_hosts()
        self._buckets = _BucketPerKey()
        # pyrate-limiter adds 50 ms to every wait by default, against drift between clocks; this
        # one clock is in-process and monotonic, and 50 ms would slow 3000/5m by a third.
        self._limiter = Limiter(self._buckets, buffer_ms=WAIT_MARGIN_MS)

    def _default_hosts(self) -> dict[str, str]:
        """The platforms' own hosts -> endpoint name, for requests that name no endpoint."""
        from urllib.parse import urlsplit

        from .endpoints import Endpoints  # here, not at import: endpoints imports the platforms, which import http

        hosts = {}
        for name, url in Endpoints.defaults().items():
            if url and name in self.defaults:
                hosts.setdefault((urlsplit(url).hostname or "").lower(), name)
        return hosts

    def limit_for(self, host: str, endpoint: Optional[str] = None) -> Optional[Limit]:
        """The limit a request to `host` is under (asked as `endpoint`, when it says); None for none."""
        host = host.lower()
        if host in self.overrides:
            return self._limit(f"host {host}", host, self.overrides[host])
        endpoint = endpoint if endpoint in self.defaults else self._by_default_host.get(host)
        if endpoint is None:
            return None
        platform = self.defaults[endpoint]
        text = (self.overrides.get(endpoint) or self.overrides.get(platform.name) or self.overrides.get("*")
                or platform.rate)
        return self._limit(platform.name, f"{platform.name}@{host}", text)

    @staticmethod
    def _limit(name: str, key: str, text: str) -> Optional[Limit]:
        rate = parse_rate(text)
        return Limit(key, name, text, rate) if rate is not None else None

    def wait_for_turn(self, host: str, endpoint: Optional[str], seconds_left: float) -> None:
        """Return when a request to `host` may be sent; RateLimited when that would be too late."""
        limit = self.limit_for(host, endpoint)
        if limit is None:
            return
        self._buckets.add(limit.key, limit.rate)
        if self._limiter.try_acquire(limit.key, blocking=False):
            return
        # Fail at once rather than sleep until the deadline to learn the turn did not come.
        if (seconds_left <= 0 or self._buckets.expected_wait(limit.key) >= seconds_left
                or not self._limiter.try_acquire(limit.key, timeout=seconds_left)):
            raise RateLimited(f"{host}: not asked: its turn under the rate limit of {limit.name} "
                              f"({limit.rate_text}) would come after the fetch's deadline")
