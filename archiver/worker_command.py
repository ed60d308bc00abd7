"""`archiver enqueue` and `archiver worker`: collecting on many machines through a Redis broker."""
from __future__ import annotations

import json
import os
import sys

import click

from .collect_command import build_collector, read_limits
from .distributed import BrokerError, CollectWorker, enqueue, open_broker, waiting, worker_summary
from .store import Store


def _broker(url: str):
    try:
        return open_broker(url)
    except BrokerError as exc:
        raise click.UsageError(str(exc)) from None


def run_enqueue(sources, *, broker_url: str, refresh: bool = False) -> int:
    broker = _broker(broker_url)
    count = enqueue(broker, sources, refresh=refresh)
    click.echo(f"archiver: {count} source(s) queued; {waiting(broker)} waiting for workers", err=True)
    return 0


def run_worker(*, broker_url: str, db_path, endpoints, allow_private, linked, thread_depth, video, threads: int,
               per_host: int, per_platform_host: int, host_limits: dict, rates: dict, burst: bool, quiet: bool = False,
               as_json: bool = False) -> int:
    """Collect what the broker hands out into db_path until SIGTERM (or, with burst, an empty queue)."""
    limits = read_limits()
    broker = _broker(broker_url)

    def warn(line):
        click.echo(f"archiver: {line}", err=True)

    def progress(result):
        if not quiet and result.error is None:
            click.echo(f"{result.source}: {result.embeds} embed(s)", err=True)

    collector = build_collector(Store(db_path), endpoints=endpoints, allow_private=allow_private, linked=linked,
                                thread_depth=thread_depth, video=video, limits=limits, warn=warn,
                                per_host=per_host, per_platform_host=per_platform_host, host_limits=host_limits,
                                rates=rates)
    if not quiet:
        until = "the queue is empty" if burst else "SIGTERM or Ctrl-C"
        click.echo(f"archiver worker {os.getpid()}: collecting into {db_path} with {threads} thread(s) "
                   f"until {until}", err=True)
    worker = CollectWorker(broker, collector, threads=threads, burst=burst, progress=progress)
    run = worker.run()
    click.echo(worker_summary(run, collector.fetcher.gate.given_up()) + f" -> {db_path}", err=True)
    if as_json:
        click.echo(json.dumps({**run.report.as_dict(), "already_done": run.already_done}))
    sys.stdout.flush()
    return 0
