"""Failed-login throttling: per client address and per user name, with exponential backoff.

The first few failures for a key are free (typos happen). After that each
failure locks the key for twice as long as the one before, up to a cap, and
an attempt during a lock is refused before any password is checked. Keys
are forgotten once they have been quiet for longer than the cap, and the
table is bounded, so a flood of made-up names cannot grow memory.
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0
    last_seen: float = 0.0


class LoginThrottle:
    def __init__(self, *, free_failures: int = 5, base_delay: float = 1.0, max_delay: float = 900.0,
                 max_keys: int = 50_000, clock: Callable[[], float] = time.monotonic):
        self.free_failures = free_failures
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_keys = max_keys
        self.clock = clock
        self._records: OrderedDict[tuple, _Record] = OrderedDict()

    def retry_after(self, keys: Iterable[tuple]) -> float:
        """Seconds until any of these keys may try again (0 when none is locked)."""
        now = self.clock()
        waits = [record.locked_until - now for key in keys if (record := self._live(key, now))]
        return max([0.0, *waits])

    def attempt(self, keys: Iterable[tuple]) -> float:
        """Count an attempt as a failure as soon as it starts, so that guesses sent all at once
        are counted before any of them is checked; a success takes it back (succeeded)."""
        return self.failed(keys)

    def failed(self, keys: Iterable[tuple]) -> float:
        """Count a failure against each key; the longest lock it starts, in seconds."""
        now = self.clock()
        longest = 0.0
        for key in keys:
            record = self._live(key, now) or _Record()
            record.failures += 1
            record.last_seen = now
            over = record.failures - self.free_failures
            if over > 0:
                delay = min(self.max_delay, self.base_delay * 2 ** min(over - 1, 32))
                record.locked_until = now + delay
                longest = max(longest, delay)
            self._records[key] = record
            self._records.move_to_end(key)
        self._bound(now)
        return longest

    def _bound(self, now: float) -> None:
        """Forget the oldest keys past max_keys, unlocked ones first: a flood of new names or
        addresses must not wipe the lock of the one being guessed."""
        excess = len(self._records) - self.max_keys
        if excess <= 0:
            return
        unlocked = [key for key, record in self._records.items() if record.locked_until <= now][:excess]
        for key in unlocked:
            del self._records[key]
        while len(self._records) > self.max_keys:  # all locked: memory still has its bound
            self._records.popitem(last=False)

    def succeeded(self, keys: Iterable[tuple]) -> None:
        for key in keys:
            self._records.pop(key, None)

    def _live(self, key, now):
        record = self._records.get(key)
        if record and now - record.last_seen > self.max_delay and now >= record.locked_until:
            del self._records[key]  # quiet for long enough: start afresh
            return None
        return record


def whole_seconds(delay: float) -> int:
    """A Retry-After value: whole seconds, never 0 while locked."""
    return max(1, math.ceil(delay))
