"""One object per thread, made on first use and all closed at the end.

SQLite connections belong to the thread that opened them, and a yt-dlp instance is not to be
shared between threads: the collectors of a run's threads, a worker's source queues and
recheck's yt-dlp sources are each made this way.
"""
from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class PerThread(Generic[T]):
    def __init__(self, make: Callable[[], T], close: Callable[[T], None] = lambda made: None):
        self._make, self._close = make, close
        self._local = threading.local()
        self._made: list = []
        self._lock = threading.Lock()

    def mine(self) -> T:
        """This thread's object (made now if it has none yet)."""
        made = getattr(self._local, "made", None)
        if made is None:
            made = self._local.made = self._make()
            with self._lock:
                self._made.append(made)
        return made

    def close(self) -> None:
        with self._lock:
            for made in self._made:
                self._close(made)
