"""A short-lived cache of search results that also merges identical searches in flight.

Fifty volunteers searching the same common word at once would each rank every
match; here the first one computes and the rest wait for its answer, and the
answer serves again for TTL seconds. Searches filtered by annotations are not
cached, nor are the notes and tags a search lists; facet counts (which include
tags and verdicts) are kept per state of the annotation log, so a new tag counts at once.
"""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Awaitable, Callable, Hashable


class ResultCache:
    def __init__(self, ttl: float = 15.0, max_entries: int = 256, clock=time.monotonic):
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self._done: OrderedDict = OrderedDict()  # key -> (time, value)
        self._running: dict = {}  # key -> future of the computation in flight

    async def get(self, key: Hashable, compute: Callable[[], Awaitable]):
        hit = self._done.get(key)
        if hit and self.clock() - hit[0] < self.ttl:
            return hit[1]
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            value = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a failure nobody else waited for is not logged as lost
            raise
        finally:
            self._running.pop(key, None)
        future.set_result(value)
        self._done[key] = (self.clock(), value)
        self._done.move_to_end(key)
        while len(self._done) > self.max_entries:
            self._done.popitem(last=False)
        return value
