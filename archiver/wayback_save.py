"""An independent copy on request: the Wayback Machine's Save Page Now for an article and its posts.

`archiver collect --save-to-wayback` asks `https://web.archive.org/save/<url>` for each
article it collected and each post URL it stored. Requests are spaced (at least
ARCHIVER_SAVE_INTERVAL seconds apart, default 10: the service limits anonymous use);
after a refusal for rate (429) the rest of the run's URLs are recorded as not asked.
Every request is a `wayback_saves` row with its status and error; a capture made is
also a `mementos` row of its post. The endpoint is `wayback` (`--endpoint wayback=URL`).
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from .http import Capture, utc_now
from .store import Store
from .wayback import WebArchives, public_base, wayback_time

DEFAULT_INTERVAL = 10.0
_MEMENTO_PATH = re.compile(r"/web/(\d{14})/(.+)$")


@dataclass
class SaveReport:
    saved: int = 0
    failed: int = 0
    not_asked: int = 0
    problems: list = field(default_factory=list)

    def summary(self) -> str:
        line = f"Save Page Now: {self.saved} saved"
        if self.failed:
            line += f", {self.failed} failed"
        if self.not_asked:
            line += f", {self.not_asked} not asked (rate limit)"
        return line


def memento_from(capture: Capture) -> Optional[tuple[str, str]]:
    """(timestamp, original URL) of the capture Save Page Now made, from where its answer points."""
    headers = {k.lower(): v for k, v in (capture.headers or {}).items()}
    for candidate in (headers.get("content-location"), capture.final_url,
                      *(hop.get("location") if isinstance(hop, dict) else None for hop in capture.redirects or [])):
        match = _MEMENTO_PATH.search(candidate or "")
        if match:
            return match.group(1), match.group(2)
    return None


class SavePageNow:
    def __init__(self, archives: WebArchives, *, interval: Optional[float] = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.archives = archives
        self.store: Store = archives.store
        self.interval = float(os.environ.get("ARCHIVER_SAVE_INTERVAL", DEFAULT_INTERVAL)) if interval is None \
            else interval
        self.sleep = sleep
        self._last: Optional[float] = None

    def save_all(self, items: Iterable[tuple[str, Optional[str]]]) -> SaveReport:
        """items: (url, post id or None for an article)."""
        report = SaveReport()
        base = self.archives.base("wayback")
        limited = False
        for url, post_id in items:
            if base is None or limited:
                reason = ("not asked: rate limited by Save Page Now earlier in this run" if limited else
                          "not asked (ARCHIVER_OFFLINE is set and endpoint 'wayback' is not configured)")
                self._record(url, post_id, None, None, reason)
                report.not_asked += 1
                continue
            self._wait()
            capture = self.archives.fetch("wayback", f"{base}/save/{url}", "save", "text/html,*/*;q=0.5")
            found = memento_from(capture) if capture.ok else None
            error = None
            if capture.status_code == 429:
                limited = True
                error = "rate limited by Save Page Now (HTTP 429)"
            elif not capture.ok:
                error = capture.error or f"HTTP {capture.status_code}"
            elif not found:
                error = "Save Page Now answered without naming the capture it made"
            memento_url = f"{public_base('wayback')}/web/{found[0]}/{found[1]}" if found else None
            self._record(url, post_id, capture, memento_url, error)
            if error:
                report.failed += 1
                report.problems.append(f"{url}: {error}")
                self.archives.warn(f"{url}: Save Page Now: {error}")
                continue
            report.saved += 1
            if post_id:
                now = utc_now()
                with self.store.db.conn:
                    self.store._insert_new("mementos", {
                        "post_id": post_id, "archive": "wayback", "url": url, "original_url": found[1],
                        "memento_url": memento_url,
                        "raw_url": f"{public_base('wayback')}/web/{found[0]}id_/{found[1]}",
                        "captured_at": wayback_time(found[0]), "lookup_capture_id": capture.id,
                        "found_at": now, "last_seen_at": now}, ("post_id", "archive", "memento_url"))
        return report

    def _wait(self) -> None:
        if self._last is not None and self.interval > 0:
            pause = self.interval - (time.monotonic() - self._last)
            if pause > 0:
                self.sleep(pause)
        self._last = time.monotonic()

    def _record(self, url: str, post_id: Optional[str], capture: Optional[Capture], memento_url: Optional[str],
                error: Optional[str]) -> None:
        with self.store.db.conn:
            self.store.db["wayback_saves"].insert({
                "url": url, "post_id": post_id, "requested_at": utc_now(),
                "status_code": capture.status_code if capture else None, "capture_id": capture.id if capture else None,
                "memento_url": memento_url, "error": error})
