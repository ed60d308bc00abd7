"""Asking the platforms again about posts already in the archive.

`archiver recheck` takes stored posts (not their pages), asks each one's platform
through the same resolvers as collect, and stores the answer through the store:
a change (edited text, counts, deleted, suspended account) becomes a
post_versions row with its capture, and every check a post_checks row, so a
post's page can say when it was seen and since when it is gone.

Platforms are asked from a small thread pool, at most `per_host` requests at a
time to any one host. One thread writes: the workers hand their captures to it
(see CaptureRelay) and it stores each post as its answer arrives.
"""
from __future__ import annotations

import queue
import threading
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Optional

from .http import BodyStore, Capture, Fetcher, utc_now
from .models import Post, PostRef
from .perthread import PerThread
from .platforms import BY_NAME
from .resolve import ResolveContext, resolve_ref
from .store import Store

DEFAULT_WORKERS = 4
DEFAULT_PER_HOST = 2
GONE = ("deleted", "unavailable")


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RecheckOptions:
    older_than: timedelta = timedelta(0)
    platforms: tuple = ()
    statuses: tuple = ()
    limit: Optional[int] = None
    workers: int = DEFAULT_WORKERS
    per_host: int = DEFAULT_PER_HOST
    # yt-dlp for video posts (YouTube, Vimeo, TikTok…): a removed or private video in the platform's
    # own words, as collect reads it. None: their resolvers alone (oEmbed).
    video: Optional[object] = None  # a media.ytdlp.VideoOptions


@dataclass
class Outcome:
    """What one post's check found."""

    post_id: str
    before: Optional[str]
    after: str
    detail: Optional[str] = None
    changes: list = field(default_factory=list)  # the fields a post_versions row recorded

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def gone(self) -> bool:
        return self.after in GONE and self.before not in GONE

    @property
    def failed(self) -> bool:
        return self.after == "unresolved"


@dataclass
class RecheckReport:
    outcomes: list = field(default_factory=list)
    selected: int = 0

    def counts(self) -> dict:
        return {
            "checked": len(self.outcomes),
            "changed": sum(o.changed for o in self.outcomes),
            "gone": sum(o.gone for o in self.outcomes),
            "edited": sum("text" in o.changes for o in self.outcomes),
            "back": sum(o.before in GONE and o.after == "ok" for o in self.outcomes),
            "not_answered": sum(o.failed for o in self.outcomes),
        }

    def summary(self) -> str:
        c = self.counts()
        statuses = Counter(o.after for o in self.outcomes)
        line = (f"{c['checked']} post(s) rechecked: {c['changed']} changed ({c['gone']} gone, {c['edited']} edited, "
                f"{c['back']} back), {c['not_answered']} not answered")
        if statuses:
            line += "; now " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
        return line

    def as_json(self) -> dict:
        return {**self.counts(), "statuses": dict(Counter(o.after for o in self.outcomes)),
                "changes": [{"post_id": o.post_id, "before": o.before, "after": o.after, "fields": o.changes,
                             "detail": o.detail} for o in self.outcomes if o.changed]}


def select_posts(store: Store, options: RecheckOptions, now: Optional[datetime] = None) -> list[dict]:
    """The stored posts to ask about: last asked before now - older_than, on a platform that can be
    asked, oldest attempt first."""
    now = now or datetime.now(timezone.utc)
    cutoff = iso(now - options.older_than)
    resolvable = [name for name, module in BY_NAME.items() if hasattr(module, "resolve")]
    platforms = [p for p in (options.platforms or resolvable) if p in resolvable]
    if not platforms:
        return []
    where = [f"platform in ({', '.join('?' for _ in platforms)})",
             "coalesce(last_attempt_at, last_captured_at, '') <= ?"]
    params: list = [*platforms, cutoff]
    if options.statuses:
        where.append(f"status in ({', '.join('?' for _ in options.statuses)})")
        params += list(options.statuses)
    sql = (f"select id, platform, native_id, url, status from posts where {' and '.join(where)} "
           "order by coalesce(last_attempt_at, last_captured_at, '') , id")
    if options.limit:
        sql += f" limit {int(options.limit)}"
    return [dict(row) for row in store.db.query(sql, params)]


class CaptureRelay:
    """Captures made in worker threads are recorded by the thread that owns the database: a worker
    waits until its capture has an id (posts name their capture), the owner records them in turn."""

    def __init__(self, store: Store):
        self.store = store
        self.owner = threading.get_ident()
        self.pending: "queue.Queue[tuple[Capture, threading.Event, list]]" = queue.Queue()

    def record(self, capture: Capture) -> None:
        if threading.get_ident() == self.owner:
            self.store.record_capture(capture)
            return
        done, failure = threading.Event(), []
        self.pending.put((capture, done, failure))
        done.wait()
        if failure:
            raise failure[0]

    def serve(self, timeout: float) -> None:
        """Record the captures waiting (in the owner's thread), waiting up to `timeout` for the first."""
        try:
            item = self.pending.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            capture, done, failure = item
            try:
                self.store.record_capture(capture)
            except BaseException as exc:  # the worker re-raises it; the owner stops too
                failure.append(exc)
                done.set()
                raise
            done.set()
            try:
                item = self.pending.get_nowait()
            except queue.Empty:
                return


def ask_platform(row: dict, fetcher, endpoints, video=None) -> Post:
    """One stored post asked again through its platform's resolver (no thread walk: the post only);
    video: this thread's VideoSource, for video platforms."""
    ctx = ResolveContext(fetcher=fetcher, endpoints=endpoints, thread_depth=0, video=video)
    ref = PostRef(row["platform"], row["native_id"], row["url"])
    try:
        return resolve_ref(ref, ctx)
    except Exception as exc:  # noqa: BLE001 - one post's surprise must not stop the batch
        return Post(ref.platform, ref.native_id, ref.url, status="unresolved",
                    status_detail=f"{ref.platform}: recheck failed ({exc.__class__.__name__}: {exc})"[:500])


def store_answer(store: Store, row: dict, post: Post, now: str) -> Outcome:
    """The answer stored through the store (which writes the post_versions row), and the check noted."""
    last = store.db.execute("select max(id) from post_versions where post_id = ?", [row["id"]]).fetchone()[0]
    post.related = []  # quoted and parent posts are rechecked on their own rows, not through this one
    with store.db.conn:
        store.upsert_post(post, now)
        version = store.db.execute("select id, changes from post_versions where post_id = ? and id > ? "
                                   "order by id desc limit 1", [row["id"], last or 0]).fetchone()
        store.db["post_checks"].insert({
            "post_id": row["id"], "checked_at": now, "status": post.status, "status_detail": post.status_detail,
            "capture_id": post.raw_capture_id, "version_id": version[0] if version else None,
        })
    changes = []
    if version:
        import json

        try:
            changes = sorted(json.loads(version[1]))
        except (ValueError, TypeError):
            changes = ["?"]
    return Outcome(row["id"], row["status"], post.status, post.status_detail, changes)


def recheck(store: Store, endpoints, options: RecheckOptions, *, fetcher: Optional[Fetcher] = None,
            allow_private: Optional[bool] = None, progress: Callable[[Outcome], None] = lambda o: None,
            rows: Optional[Iterable[dict]] = None) -> RecheckReport:
    """Ask the platforms again about the selected posts; each answer is stored as it arrives."""
    relay = CaptureRelay(store)
    fetcher = fetcher or Fetcher(bodies=BodyStore(store.bodies_dir), allow_private=allow_private)
    fetcher.record = relay.record
    if options.video is not None and options.video.cookies:  # for archiver's own requests too, as collect
        from .collect import load_cookies

        load_cookies(fetcher, options.video.cookies)
    # The fetcher's own per-host limit (hostgate.py): recheck asks platforms only.
    fetcher.gate.per_host = fetcher.gate.per_platform_host = max(1, options.per_host)
    report = RecheckReport()
    rows = list(rows) if rows is not None else select_posts(store, options)
    report.selected = len(rows)
    videos = None
    if options.video is not None:  # yt-dlp's instance is not shared between threads
        from .media.ytdlp import VideoSource

        videos = PerThread(lambda: VideoSource(fetcher, options.video), close=VideoSource.close)

    def ask(row: dict) -> Post:
        return ask_platform(row, fetcher, endpoints, videos.mine() if videos else None)

    with ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="archiver-recheck") as pool:
        running = {pool.submit(ask, row): row for row in rows}
        try:
            while running:
                relay.serve(timeout=0.02)
                finished, _ = wait(list(running), timeout=0, return_when=FIRST_COMPLETED)
                for future in finished:
                    row = running.pop(future)
                    outcome = store_answer(store, row, future.result(), utc_now())
                    report.outcomes.append(outcome)
                    progress(outcome)
        finally:
            for future in running:
                future.cancel()
            while any(not f.done() for f in running):  # let started workers finish their captures
                relay.serve(timeout=0.02)
            if videos:
                videos.close()
    return report
