"""The pipeline, end to end: source -> fetch -> discover -> resolve -> store.

Each source is handled on its own: a failure is recorded next to what was kept
and reported in one line, and the batch goes on.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional
from urllib.parse import urlsplit

from .discover import discover_document
from .http import BodyStore, Fetcher, utc_now
from .media import MediaReport, collect_media
from .models import Discovery, Post
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


@dataclass
class CollectReport:
    results: list = field(default_factory=list)
    media: MediaReport = field(default_factory=MediaReport)

    @property
    def succeeded(self) -> list:
        return [r for r in self.results if r.error is None]

    @property
    def failed(self) -> list:
        return [r for r in self.results if r.error is not None]

    def summary(self) -> str:
        statuses = Counter()
        for r in self.results:
            statuses.update(r.post_statuses)
        embeds = sum(r.embeds for r in self.results)
        posts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "none"
        hidden = sum(r.placeholders for r in self.results)
        line = (f"{len(self.succeeded)} of {len(self.results)} page(s) collected, {embeds} embed(s); "
                f"posts: {posts}")
        if hidden:
            line += f"; {hidden} placeholder(s) with nothing to recover"
        if self.failed:
            line += f"; {len(self.failed)} page(s) failed"
        if self.media.summary():
            line += f"; {self.media.summary()}"
        return line


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


class Collector:
    """Holds the run's store, session and endpoints; collect() takes the sources."""

    def __init__(self, store: Store, *, endpoints, allow_private: Optional[bool] = None,
                 fetcher: Optional[Fetcher] = None, linked: bool = False, thread_depth: int = DEFAULT_THREAD_DEPTH,
                 warn: Callable[[str], None] = lambda line: None):
        self.store = store
        self.bodies = BodyStore(store.bodies_dir)
        self.fetcher = fetcher or Fetcher(bodies=self.bodies, record=store.record_capture,
                                          allow_private=allow_private)
        self.context = ResolveContext(fetcher=self.fetcher, endpoints=endpoints, thread_depth=thread_depth)
        self.linked = linked
        self.warn = warn

    def collect(self, sources: Iterable[str], progress: Callable[[SourceResult], None] = lambda r: None) -> CollectReport:
        report = CollectReport()
        for source in sources:
            result = self.collect_one(source)
            report.results.append(result)
            progress(result)
        # Media last, once posts are stored: also retries what failed in earlier runs.
        report.media = collect_media(self.store, self.fetcher, warn=self.warn)
        return report

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
        with self.store.db.conn:
            result.page_id = self.store.upsert_page(source, final_url=final_url, meta=discovery.meta,
                                                    capture_id=capture_id, error=None, now=now)
            if discovery.problems:
                self.store.db["pages"].update(result.page_id, {"problems": json.dumps(discovery.problems)})
        for embed in discovery.embeds:
            post = resolve_embed(embed, self.context)
            with self.store.db.conn:
                self._store_post(post, now)
                self.store.upsert_embed(result.page_id, embed, now)
            result.embeds += 1
            result.post_statuses[post.status] += 1
            if post.status != "ok" and post.status_detail:
                self.warn(f"{source}: {embed.url}: {post.status}: {post.status_detail}")
        with self.store.db.conn:
            for placeholder in discovery.placeholders:
                self.store.upsert_placeholder(result.page_id, placeholder.blocked_by, placeholder.detail,
                                              placeholder.html, now)
        result.placeholders = len(discovery.placeholders)
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
        discovery = discover_document(text, base_url, linked=self.linked)
        for problem in discovery.problems:
            self.warn(f"{result.source}: {problem}")
        result.problems = list(discovery.problems)
        return discovery

    def _store_post(self, post: Post, now: str, seen: Optional[set] = None) -> None:
        # Quoted and parent posts are posts too; store them first so links resolve.
        seen = set() if seen is None else seen
        if post.id in seen:  # a post met again through a reply or quote cycle
            return
        seen.add(post.id)
        for related in post.related:
            self._store_post(related, now, seen)
        self.store.upsert_post(post, now)

