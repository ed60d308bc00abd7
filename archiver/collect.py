"""The pipeline, end to end: source -> fetch -> discover -> resolve -> store.

Each source is handled on its own: a failure is recorded next to what was kept
and reported in one line, and the batch goes on.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional
from urllib.parse import urlsplit

from .discover.budget import BudgetedDiscovery
from .http import DISK_FULL_ERRNOS, BodyStore, Capture, DiskFull, Fetcher, utc_now
from .media.collector import MediaCollector, MediaReport
from .media.files import files_dir
from .media.ytdlp import VideoOptions, VideoSource
from .models import Discovery, Limits, Post
from .perthread import PerThread
from .resolve import DEFAULT_THREAD_DEPTH, ResolveContext, resolve_embed
from .store import Store
from .textdecode import decode_document


@dataclass
class SourceResult:
    source: str
    page_id: Optional[int] = None
    error: Optional[str] = None
    embeds: int = 0
    placeholders: int = 0
    post_statuses: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)
    post_ids: list = field(default_factory=list)  # the posts stored for it (quoted and parent posts too)
    media: MediaReport = field(default_factory=MediaReport)  # its posts' media, fetched right after


@dataclass
class CollectReport:
    """A run's figures, counted as pages come. keep_results: also keep every page's SourceResult
    (the Python API's callers read them); the command line counts only, so that a run of a
    million pages holds no more than a run of a hundred."""

    keep_results: bool = True
    results: list = field(default_factory=list)
    media: MediaReport = field(default_factory=MediaReport)
    pages: int = 0
    embeds: int = 0
    placeholders: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)  # (source, error) of each page that failed

    def add(self, result: SourceResult) -> None:
        self.pages += 1
        self.embeds += result.embeds
        self.placeholders += result.placeholders
        self.statuses.update(result.post_statuses)
        self.media.add(result.media)
        if result.error is not None:
            self.failures.append((result.source, result.error))
        if self.keep_results:
            self.results.append(result)

    @property
    def collected(self) -> int:
        return self.pages - len(self.failures)

    def as_dict(self) -> dict:
        """The run's figures, for `collect --json`."""
        return {"pages": self.pages, "pages_collected": self.collected, "pages_failed": len(self.failures),
                "embeds": self.embeds, "posts": dict(sorted(self.statuses.items())),
                "failed": [{"source": source, "error": error} for source, error in self.failures],
                "media": {"saved": self.media.done, "not_saved": self.media.failed}}

    def summary(self, given_up: Iterable[str] = ()) -> str:
        """given_up: the hosts the run's circuit breaker gave up on (HostGate.given_up)."""
        posts = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items())) or "none"
        line = f"{self.collected} of {self.pages} page(s) collected, {self.embeds} embed(s); posts: {posts}"
        if self.placeholders:
            line += f"; {self.placeholders} placeholder(s) with nothing to recover"
        if self.failures:
            line += f"; {len(self.failures)} page(s) failed"
        if self.media.summary():
            line += f"; {self.media.summary()}"
        if given_up:
            line += f"; given up for this run after repeated timeouts: {', '.join(given_up)}"
        return line


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def load_cookies(fetcher: Fetcher, path: str) -> int:
    """A Netscape cookies.txt into the session (each cookie goes only to its own domain); the Cookie
    header is left out of the captures, which get published."""
    from http.cookiejar import LoadError, MozillaCookieJar

    jar = MozillaCookieJar(path)
    try:
        jar.load(ignore_discard=True, ignore_expires=True)
    except LoadError as exc:
        raise ValueError(f"{path}: not a Netscape cookies.txt ({exc})") from None
    for cookie in jar:
        if not cookie.expires:  # 0: a session cookie, as browsers export them
            cookie.expires = None
        fetcher.session.cookies.set_cookie(cookie)
    record = fetcher.record

    def without_cookies(capture: Capture):
        for name in [k for k in capture.request_headers if k.lower() in ("cookie", "authorization")]:
            capture.request_headers[name] = "REDACTED"
        return record(capture) if record else None

    fetcher.record = without_cookies
    return len(jar)


def use_proxy(fetcher: Fetcher, proxy: str) -> None:
    """Every request of the session through `proxy`; URLs the user did not give are still checked by
    the address guard first (resolved here; the proxy connects)."""
    from .http import AddressGuard
    from .media.ytdlp_network import GuardedAdapter, NetworkPolicy

    proxies = {"http": proxy, "https": proxy}
    fetcher.session.proxies.update(proxies)
    guard = getattr(fetcher.guarded_session.get_adapter("https://"), "guard", None) or AddressGuard()
    adapter = GuardedAdapter(NetworkPolicy(allow_private=False, offline=fetcher.offline, guard=guard))
    fetcher.guarded_session.mount("http://", adapter)
    fetcher.guarded_session.mount("https://", adapter)
    fetcher.guarded_session.proxies.update(proxies)


class BatchStopped(Exception):
    """No room left for a body, a media file or the database: the batch stops (nothing more can be
    kept), and running the same command again resumes it. The message says what was full."""


def disk_full_reason(exc: BaseException) -> Optional[str]:
    """Why exc means the disk (or the database) is full, or None when it means something else."""
    if isinstance(exc, DiskFull):  # from the body and media stores: it names the file it was writing
        return f"no room to write {exc.relative_name}"
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return exc.strerror or os.strerror(exc.errno)  # not str(exc): it names the file by its full path
    if isinstance(exc, sqlite3.OperationalError) and (
            getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "database or disk is full" in str(exc)):
        return "the archive database cannot grow (database or disk is full)"
    return None


class PageCallBudget:
    """The run's fetcher as the platforms see it: at most `limit` requests for one page's posts
    (embeds, their threads and quotes); over it, a request is answered with an error, not made."""

    def __init__(self, fetcher: Fetcher, limit: int):
        self.fetcher, self.limit = fetcher, limit
        self.made = self.refused = 0

    def start_page(self) -> None:
        self.made = self.refused = 0

    def fetch(self, url: str, **kwargs) -> Capture:
        if self.made >= self.limit:
            self.refused += 1
            return Capture(url=url, kind=kwargs.get("kind", "api"),
                           error=f"not asked: this page's {self.limit} platform requests are spent "
                                 "(ARCHIVER_MAX_API_CALLS)")
        self.made += 1
        return self.fetcher.fetch(url, **kwargs)

    def __getattr__(self, name):  # everything else (allow_private, offline, bodies...) is the fetcher's
        return getattr(self.fetcher, name)


class _OnePageAtATime:
    """A discovery shared by threads: one page at a time (lexbor's parse is CPU-bound anyway)."""

    def __init__(self, discovery):
        self.discovery = discovery
        self.lock = threading.Lock()

    def discover(self, text: str, base_url: Optional[str] = None):
        with self.lock:
            return self.discovery.discover(text, base_url)

    def close(self) -> None:
        self.discovery.close()


def collector_threads(parent: "Collector") -> PerThread:
    """A collector per thread, siblings of one parent. Discovery runs one page at a time, in the
    parent's one child process (its CPU budget is per page; a page takes milliseconds)."""
    discovery = _OnePageAtATime(parent.discovery)
    return PerThread(lambda: parent.sibling(discovery), close=lambda sibling: sibling.video.close())


class Collector:
    """Holds the run's store, session and endpoints; collect() takes the sources."""

    def __init__(self, store: Store, *, endpoints, allow_private: Optional[bool] = None,
                 fetcher: Optional[Fetcher] = None, linked: bool = False, thread_depth: int = DEFAULT_THREAD_DEPTH,
                 limits: Optional[Limits] = None, warn: Callable[[str], None] = lambda line: None,
                 video: Optional[VideoOptions] = None):
        self.store = store
        # What a sibling collector needs to work beside this one (see sibling).
        self._options = dict(endpoints=endpoints, allow_private=allow_private, linked=linked,
                             thread_depth=thread_depth, limits=limits, warn=warn, video=video)
        self.bodies = BodyStore(store.bodies_dir)
        self.fetcher = fetcher or Fetcher(bodies=self.bodies, record=store.record_capture,
                                          allow_private=allow_private)
        self.limits = limits or Limits.from_env()
        self.calls = PageCallBudget(self.fetcher, self.limits.api_calls_per_page)
        # yt-dlp for video platforms (their text, counts and the video itself), through the same guard.
        self.video = VideoSource(self.fetcher, video)
        self.context = ResolveContext(fetcher=self.calls, endpoints=endpoints, thread_depth=thread_depth,
                                      video=self.video)
        self.discovery = BudgetedDiscovery(self.limits, linked=linked)
        self.media = MediaCollector(store, self.fetcher, warn=warn, video=self.video)
        self.linked = linked
        self.warn = warn

    def collect(self, sources: Iterable[str], progress: Callable[[SourceResult], None] = lambda r: None,
                *, concurrency: int = 1, keep_results: bool = True) -> CollectReport:
        """Raises BatchStopped when there is no room left to keep anything.

        concurrency: pages collected at once, each by a collector of its own in a thread of its
        own (its own database connection and sessions; see HostGate for the per-host limits)."""
        report = CollectReport(keep_results=keep_results)

        def done(result: SourceResult) -> None:
            report.add(result)
            progress(result)

        try:
            # Pages are collected in worker threads even one at a time: Ctrl-C then reaches this
            # thread, and the page in hand is finished rather than cut off.
            self._collect_concurrently(sources, max(1, concurrency), done)
            # What is still missing: what earlier runs (or a stopped one) left; what this run's
            # pages tried already is not asked again.
            report.media.add(self.media.run())
        except (OSError, sqlite3.OperationalError) as exc:
            reason = disk_full_reason(exc)
            if reason is None:
                raise
            self._remove_partial_files()
            raise BatchStopped(reason) from None
        finally:
            self.discovery.close()
            self.video.close()
        return report

    def _collect_concurrently(self, sources: Iterable[str], workers: int, done: Callable[[SourceResult], None]) -> None:
        """Pages fetched, discovered and resolved side by side; results (and progress) in this thread.
        Sources are handed out as threads come free: a million sources are never a million futures.
        Interrupted (Ctrl-C), the pages in hand are finished and reported; the rest are not started."""
        threads = collector_threads(self)
        pool = ThreadPoolExecutor(workers, thread_name_prefix="archiver-collect")
        pending = set()

        def report(futures) -> None:
            for future in futures:
                pending.discard(future)
                done(future.result())

        try:
            for source in sources:
                if len(pending) >= 2 * workers:
                    report(wait(pending, return_when=FIRST_COMPLETED).done)
                pending.add(pool.submit(lambda s: threads.mine().collect_page(s), source))
            report(as_completed(list(pending)))
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)
            report([f for f in list(pending) if f.done() and not f.cancelled() and f.exception() is None])
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            threads.close()

    def sibling(self, discovery) -> "Collector":
        """A collector like this one for another thread: its own connection and sessions, the run's
        per-host limits, circuit breaker, media claims and discovery."""
        store = Store(self.store.path, bodies_dir=self.store.bodies_dir)
        fetcher = self.fetcher.twin(bodies=BodyStore(store.bodies_dir), record=store.record_capture)
        sibling = Collector(store, fetcher=fetcher, **self._options)
        sibling.use_network_options()
        sibling.discovery.close()
        sibling.discovery = discovery
        sibling.media.claims = self.media.claims  # each media file once per run, whichever thread
        return sibling

    def use_network_options(self) -> None:
        """--cookies and --proxy for archiver's own session too (yt-dlp gets them from the VideoOptions).
        OSError or ValueError when the cookies file cannot be read."""
        options = self.video.options
        if options.cookies:
            load_cookies(self.fetcher, options.cookies)
        if options.proxy:
            use_proxy(self.fetcher, options.proxy)

    def collect_page(self, source: str) -> SourceResult:
        """A source's page and posts, then their media at once (not after the last page)."""
        result = self.collect_one(source)
        if result.post_ids:
            result.media = self.media.run(post_ids=result.post_ids, show_bar=False)
        return result

    def collect_one(self, source: str) -> SourceResult:
        result = SourceResult(source)
        now = utc_now()
        text, final_url, capture_id, error = self._read(source)
        if error:
            result.error = error
            result.page_id = self.store.upsert_page(source, final_url=final_url, meta=None, capture_id=capture_id,
                                                    error=error, now=now)
            self.warn(f"{source}: {error}")
            return result
        discovery = self._discover(text, final_url, result)
        # The network first (each post resolved on its platform), then everything the page gave in
        # one transaction: a page is stored whole or not at all, with one commit.
        self.calls.start_page()
        # The page's own post (a thread's or a video's own page, collected by its URL) is kept too.
        embeds = discovery.embeds + ([discovery.own_post] if discovery.own_post else [])
        posts = []
        for embed in embeds:
            post = resolve_embed(embed, self.context)
            self._cap_media(post, result)
            posts.append(post)
            result.embeds += 1
            result.post_statuses[post.status] += 1
            if post.status != "ok" and post.status_detail and not self._calls_refused(post):
                self.warn(f"{source}: {embed.url}: {post.status}: {post.status_detail}")
        if self.calls.refused:
            self._problem(result, f"more than {self.limits.api_calls_per_page} platform requests for this page's "
                                  f"posts; {self.calls.refused} not made, those posts keep what the page showed "
                                  "(ARCHIVER_MAX_API_CALLS)")
        with self.store.db.atomic():
            result.page_id = self.store.upsert_page(source, final_url=final_url, meta=discovery.meta,
                                                    capture_id=capture_id, error=None, now=now)
            self._record_problems(result)
            stored = set()
            for embed, post in zip(embeds, posts):
                self._store_post(post, now, stored)
                self.store.upsert_embed(result.page_id, embed, now)
            for placeholder in discovery.placeholders:
                self.store.upsert_placeholder(result.page_id, placeholder.blocked_by, placeholder.detail,
                                              placeholder.html, now)
        result.placeholders = len(discovery.placeholders)
        result.post_ids = sorted(stored)
        return result

    # -- steps -----------------------------------------------------------------
    def _read(self, source: str):
        """(text, final_url, capture_id, error) for a URL or a saved file."""
        if is_url(source):
            page = self.fetcher.fetch_page(source, trusted=True)
            if page.warning:
                self.warn(f"{source}: {page.warning}")
            return page.text, page.final_url, page.capture.id, page.error
        if not os.path.isfile(source):
            return None, None, None, "not an http(s) URL nor a readable file"
        try:
            with open(source, "rb") as f:
                body = f.read(self.fetcher.max_bytes + 1)
        except OSError as exc:
            return None, None, None, f"cannot read file: {exc.strerror or exc}"
        if len(body) > self.fetcher.max_bytes:
            return None, None, None, f"file is over the size cap of {self.fetcher.max_bytes} bytes"
        if not body.strip():
            return None, None, None, "empty file"
        sha = self.bodies.put(body)
        capture_id = self.store.record_file_capture(source, sha, len(body))
        text, _encoding, warning = decode_document(body)
        if warning:
            self.warn(f"{source}: {warning}")
        return text, None, capture_id, None

    def _discover(self, text: str, base_url: Optional[str], result: SourceResult) -> Discovery:
        discovery = self.discovery.discover(text, base_url)
        for problem in discovery.problems:
            self._problem(result, problem)
        return discovery

    def _problem(self, result: SourceResult, problem: str) -> None:
        """A limit reached or bad input survived: kept on the page's row, said once."""
        result.problems.append(problem)
        self.warn(f"{result.source}: {problem}")

    def _record_problems(self, result: SourceResult) -> None:
        if result.problems:
            self.store.db["pages"].update(result.page_id, {"problems": json.dumps(result.problems)})

    def _cap_media(self, post: Post, result: SourceResult, seen: Optional[set] = None) -> None:
        """At most media_per_post media queued for a post (and for the posts resolved with it)."""
        seen = set() if seen is None else seen
        if post.id in seen:
            return
        seen.add(post.id)
        limit = self.limits.media_per_post
        if len(post.media) > limit:
            self._problem(result, f"{post.id}: {len(post.media)} media; only the first {limit} were kept "
                                  "(ARCHIVER_MAX_MEDIA)")
            del post.media[limit:]
        for related in post.related:
            self._cap_media(related, result, seen)

    def _calls_refused(self, post: Post) -> bool:
        return bool(self.calls.refused and post.status_detail and "ARCHIVER_MAX_API_CALLS" in post.status_detail)

    def _remove_partial_files(self) -> None:
        """Files this process was writing when the disk filled (written under a temporary name)."""
        mine = f".{os.getpid()}."  # .<name>.<pid>.tmp, or .<name>.<pid>.<random>.tmp
        for partial in files_dir(self.store.path).glob("**/.*.tmp"):
            if mine in partial.name:
                partial.unlink(missing_ok=True)

    def _store_post(self, post: Post, now: str, seen: Optional[set] = None) -> None:
        # Quoted and parent posts are posts too; store them first so links resolve.
        seen = set() if seen is None else seen
        if post.id in seen:  # a post met again through a reply or quote cycle
            return
        seen.add(post.id)
        for related in post.related:
            self._store_post(related, now, seen)
        self.store.upsert_post(post, now)

