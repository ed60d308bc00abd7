"""`archiver collect`: run the pipeline over sources with progress and a summary."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import threading
from collections import Counter
from contextlib import contextmanager

import click
from tqdm import tqdm

from .collect import BatchStopped, Collector, disk_full_reason
from .http import utc_now
from .models import Limits
from .ratelimits import RateError, RateLimits
from .hostgate import DEFAULT_PER_HOST, DEFAULT_PER_PLATFORM_HOST
from .resolve import DEFAULT_THREAD_DEPTH
from .sourcequeue import SourceQueue
from .store import Store


def read_limits() -> Limits:
    try:
        return Limits.from_env()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def build_collector(store: Store, *, endpoints, allow_private, linked, thread_depth, video, limits, warn,
                    per_host=DEFAULT_PER_HOST, per_platform_host=DEFAULT_PER_PLATFORM_HOST, host_limits=None,
                    rates=None) -> Collector:
    """The run's collector with the command line's network options (cookies, proxy, per-host
    limits, rates over ARCHIVER_RATES)."""
    try:
        collector = Collector(store, endpoints=endpoints, allow_private=allow_private, linked=linked,
                              thread_depth=thread_depth, limits=limits, warn=warn, video=video)
    except RateError as exc:  # ARCHIVER_RATES
        raise click.UsageError(f"ARCHIVER_RATES: {exc}") from None
    gate = collector.fetcher.gate
    gate.per_host, gate.per_platform_host = per_host, per_platform_host
    gate.overrides.update(host_limits or {})
    if rates:
        gate.rates = RateLimits({**gate.rates.overrides, **rates})
    try:
        collector.use_network_options()
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    return collector


def run_collect(sources, *, db_path, endpoints, allow_private, linked, quiet=False, store=None,
                thread_depth=DEFAULT_THREAD_DEPTH, video=None, wayback=True, refresh=False, older_than=None,
                as_json=False, save_to_wayback=False, concurrency=1, per_host=DEFAULT_PER_HOST,
                per_platform_host=DEFAULT_PER_PLATFORM_HOST, host_limits=None, rates=None) -> int:
    """Collect sources into db_path; exit status 1 when nothing could be collected, or the disk is full.

    Sources already done in this archive are left out (see sourcequeue.py) unless refresh, or
    older_than says they were done too long ago."""
    limits = read_limits()
    store = store or Store(db_path)
    try:
        queue = SourceQueue(store.db)
        plan = queue.plan(sources, refresh=refresh, older_than=older_than)
    except (OSError, sqlite3.OperationalError) as exc:
        reason = disk_full_reason(exc)
        if reason is None:
            raise
        return disk_full(reason)
    if plan.done:
        click.echo(f"archiver: {plan.done} source(s) already collected in {db_path}, left out "
                   "(--refresh or --older-than AGE collects them again)", err=True)
    sources = plan.todo
    if not sources:
        if as_json:
            click.echo(json.dumps({"pages": 0, "already_collected": plan.done, "sources": queue.counts()}))
        return 0
    show_bar = sys.stderr.isatty() and not quiet and len(sources) > 1
    bar = tqdm(total=len(sources), unit="page", disable=not show_bar, file=sys.stderr)

    def warn(line):
        message = f"archiver: {line}"
        if show_bar:
            bar.write(message, file=sys.stderr)
        else:
            click.echo(message, err=True)

    tally = Counter()

    def progress(result):
        queue.finished(result.source, error=result.error, page_id=result.page_id)
        tally.update(posts=result.embeds, media=result.media.done,
                     errors=int(result.error is not None) + result.media.failed)
        bar.set_postfix(tally, refresh=False)
        bar.update(1)
        if not quiet and not show_bar and result.error is None:
            click.echo(f"{result.source}: {result.embeds} embed(s)", err=True)

    collector = build_collector(store, endpoints=endpoints, allow_private=allow_private, linked=linked,
                                thread_depth=thread_depth, video=video, limits=limits, warn=warn,
                                per_host=per_host, per_platform_host=per_platform_host, host_limits=host_limits,
                                rates=rates)
    started = utc_now()
    try:
        with second_interrupt_stops_at_once(warn):
            report = collector.collect(sources, progress=progress, concurrency=concurrency, keep_results=False)
    except BatchStopped as exc:
        bar.close()
        return disk_full(str(exc))
    bar.close()
    summary = report.summary(collector.fetcher.gate.given_up())
    if wayback:
        summary += recover_gone(collector, endpoints, started, warn)
    if save_to_wayback:
        summary += save_to_web_archive(collector, endpoints, sources, started, warn)
    click.echo(summary + f" -> {db_path}", err=True)
    if as_json:
        click.echo(json.dumps({**report.as_dict(), "already_collected": plan.done, "sources": queue.counts()}))
    return 1 if not report.collected else 0


@contextmanager
def second_interrupt_stops_at_once(warn):
    """Ctrl-C lets the pages in hand finish (up to a fetch's deadline each); a second one stops at
    once. Nothing is lost either way: a page is stored in one transaction, files are written under
    a temporary name, and the next run takes up every source not marked done."""
    if threading.current_thread() is not threading.main_thread():  # (signals reach the main thread only)
        yield
        return
    interrupts = []

    def on_interrupt(signum, frame):
        interrupts.append(signum)
        if len(interrupts) == 1:
            warn("stopping: the pages in hand are finished first; Ctrl-C again stops at once "
                 "(the same command takes up what is not done)")
            raise KeyboardInterrupt
        warn("stopped")
        os._exit(130)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def disk_full(reason: str) -> int:
    click.echo(f"archiver: disk full: {reason}; free some space and run the same command again", err=True)
    return 1


def recover_gone(collector, endpoints, started: str, warn) -> str:
    """The posts this run found gone, looked up in the web archives that can be asked (none offline unless
    pointed somewhere with --endpoint); the summary's words about it."""
    from .wayback import ARCHIVES, WebArchives, gone_posts

    archives = WebArchives(collector.store, endpoints, fetcher=collector.fetcher, warn=warn)
    archives.archives = tuple(a for a in ARCHIVES if archives.base(a))
    if not archives.archives:
        return ""
    ids = [r[0] for r in collector.store.db.execute("select id from posts where last_attempt_at >= ?", [started])]
    posts = gone_posts(collector.store, ids)
    if not posts:
        return ""
    try:
        found = archives.run(posts).counts()
    except (OSError, ValueError) as exc:  # the pages and posts are kept; the lookup is said and left for `recover`
        warn(f"web archives: {exc}")
        return ""
    return f"; web archives: {found['mementos']} capture(s) of {found['with_mementos']} gone post(s), " \
           f"text recovered for {found['recovered']}"


def save_to_web_archive(collector, endpoints, sources, started: str, warn) -> str:
    """Save Page Now for the articles collected (URLs, not files) and the posts stored by this run."""
    from .collect import is_url
    from .wayback import WebArchives
    from .wayback_save import SavePageNow

    items = [(source, None) for source in sources if is_url(source)]
    items += [(row[1], row[0]) for row in collector.store.db.execute(
        "select id, url from posts where last_attempt_at >= ? and url like 'http%' order by id", [started])]
    if not items:
        return ""
    archives = WebArchives(collector.store, endpoints, fetcher=collector.fetcher, warn=warn)
    return "; " + SavePageNow(archives).save_all(items).summary()
