"""Who is fetching which media file: each file once per run, and once across the collects on one archive.

Within a run, threads share a RunClaims: a row or an avatar is tried once, from its page or from
the sweep at the end. Across processes (two collects on one archive), a row being fetched carries
its collect's name (host, process, run) and the time it was taken (`post_media.claimed_by`, `claimed_at`), cleared
when the attempt ends. Another collect leaves such a row alone while the collect that took it is
alive: on this machine its process is asked; on another one, or after CLAIM_TTL, the claim is
taken for stale (a collect killed with kill -9 leaves its claims behind).
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone

CLAIM_TTL = timedelta(hours=1)


def _precise(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def precise_now() -> str:
    """UTC to the microsecond: claims made within one second are told apart."""
    return _precise(datetime.now(timezone.utc))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class RunClaims:
    def __init__(self):
        # This run, as "host pid run": two runs in one process are told apart too.
        self.host = socket.gethostname()
        self.me = f"{self.host} {os.getpid()} {uuid.uuid4().hex[:12]}"
        self._taken: set = set()
        self._lock = threading.Lock()

    def take(self, key: tuple) -> bool:
        """True the first time this run asks for key, False after."""
        with self._lock:
            if key in self._taken:
                return False
            self._taken.add(key)
            return True

    def held_elsewhere(self, row: dict) -> bool:
        """Another collect, still alive, is fetching this row."""
        holder, since = row.get("claimed_by"), row.get("claimed_at")
        if not holder or holder == self.me or not since:
            return False
        if since < _precise(datetime.now(timezone.utc) - CLAIM_TTL):
            return False
        host, pid, _run = (holder.split(" ") + ["", ""])[:3]
        if host == self.host and pid.isdigit():
            return _alive(int(pid))
        return True

    def claim(self, db, row: dict) -> bool:
        """Take the row for this collect, unless another took it since it was read (compare and set)."""
        with db.atomic():
            cursor = db.execute("update post_media set claimed_by = ?, claimed_at = ? "
                                "where id = ? and claimed_at is ?",
                                [self.me, precise_now(), row["id"], row.get("claimed_at")])
        return cursor.rowcount == 1


RELEASED = {"claimed_by": None, "claimed_at": None}  # written with the attempt's outcome
