"""Politeness and a circuit breaker per host, shared by every fetcher of one run.

At most `per_host` requests are in flight to one host at a time, whichever
thread sends them (a news site or a platform's API is not hammered because a
run is concurrent). A host that asks for a pause (429 or 503 with Retry-After)
gets it from every thread, not only from the request it answered. A host that
has timed out `give_up_after` times is not asked again in this run: its later
requests fail at once with a line that says so, and the next run tries it afresh.
On top of that, a platform's API gets at most so many requests per time window
(ratelimits.py), whichever thread sends them.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from contextlib import contextmanager
from typing import Mapping, Optional

from .ratelimits import RateLimits

DEFAULT_PER_HOST = 2  # a news site's pages
# A platform's API, its media CDN or a web archive: big hosts, whose rate limits (ratelimits.py) are what
# keeps a run polite; two at a time would make every page that embeds from one platform wait in line.
DEFAULT_PER_PLATFORM_HOST = 4
DEFAULT_GIVE_UP_AFTER = 3


class HostGate:
    def __init__(self, per_host: int = DEFAULT_PER_HOST, give_up_after: int = DEFAULT_GIVE_UP_AFTER,
                 overrides: Optional[dict] = None, clock=time.monotonic, sleep=time.sleep,
                 rates: Optional[Mapping[str, str]] = None, per_platform_host: int = DEFAULT_PER_PLATFORM_HOST):
        """per_host: requests at once for pages (kind 'page'); per_platform_host: for everything else
        (platform APIs, media, web archives). overrides: {host: its own limit, whatever the kind}.
        rates: {host or endpoint name: 'N/PERIOD' or 'none'} over the platforms' default limits."""
        self.clock, self.sleep = clock, sleep
        self.per_host = per_host
        self.per_platform_host = per_platform_host
        self.give_up_after = give_up_after
        self.overrides = {k.lower(): v for k, v in (overrides or {}).items()}  # host -> its own limit
        self.timeouts: Counter = Counter()
        self._slots: dict[tuple, threading.BoundedSemaphore] = {}
        self._resume_at: dict[str, float] = {}  # host -> when it may be asked again (monotonic)
        self._lock = threading.Lock()
        self.rates = RateLimits(rates)

    @contextmanager
    def slot(self, host: str, max_wait: float = 60.0, kind: str = "page"):
        group = "page" if kind == "page" else "platform"
        with self._lock:
            slots = self._slots.get((host, group))
            if slots is None:
                limit = self.overrides.get(host, self.per_host if group == "page" else self.per_platform_host)
                slots = self._slots[host, group] = threading.BoundedSemaphore(limit)
            pause = self._resume_at.get(host, 0.0) - self.clock()
        if pause > 0:
            self.sleep(min(pause, max_wait))
        with slots:
            yield

    def hold(self, host: str, seconds: float) -> None:
        """The host asked for a pause: no new request to it from any thread until it is over."""
        with self._lock:
            self._resume_at[host] = max(self._resume_at.get(host, 0.0), self.clock() + seconds)

    def pause_left(self, host: str) -> float:
        """Seconds until the host's pause is over (0 when it is not held)."""
        with self._lock:
            return max(0.0, self._resume_at.get(host, 0.0) - self.clock())

    def wait_for_turn(self, host: str, endpoint: Optional[str], seconds_left: float) -> None:
        """Wait until the rate limit the request is under (if any) lets it go; RateLimited when
        that would take longer than seconds_left."""
        self.rates.wait_for_turn(host, endpoint, seconds_left)

    def refusal(self, host: str) -> Optional[str]:
        """Why this host is not asked any more in this run (None while it is)."""
        count = self.timeouts[host]
        if count >= self.give_up_after:
            return (f"{host} timed out {count} times in this run: not asked again until the next run "
                    "(ARCHIVER_GIVE_UP_AFTER)")
        return None

    def timed_out(self, host: str) -> None:
        with self._lock:
            self.timeouts[host] += 1

    def given_up(self) -> list[str]:
        return sorted(h for h, n in self.timeouts.items() if n >= self.give_up_after)
