"""`archiver recheck`: ask the platforms again about stored posts, with progress and a summary."""
from __future__ import annotations

import json
import sys
import time
from typing import Optional

import click
from tqdm import tqdm

from .recheck import RecheckOptions, recheck, select_posts
from .store import Store


def run_recheck(*, db_path, endpoints, options: RecheckOptions, allow_private=None, as_json=False, quiet=False,
                every: Optional[float] = None, runs: Optional[int] = None) -> int:
    """Recheck once, or every `every` seconds (`runs` times, or until interrupted). Exit status 1 when
    posts were selected and none could be asked."""
    status = 0
    done = 0
    while True:
        started = time.monotonic()
        status = _run_once(db_path=db_path, endpoints=endpoints, options=options, allow_private=allow_private,
                           as_json=as_json, quiet=quiet)
        done += 1
        if not every or (runs is not None and done >= runs):
            return status
        pause = max(0.0, every - (time.monotonic() - started))
        if not quiet:
            click.echo(f"archiver: next recheck in {pause:.0f} s", err=True)
        try:
            time.sleep(pause)
        except KeyboardInterrupt:  # pragma: no cover - interactive
            return status


def _run_once(*, db_path, endpoints, options, allow_private, as_json, quiet) -> int:
    store = Store(db_path)
    show_bar = sys.stderr.isatty() and not quiet
    bar = tqdm(total=0, unit="post", disable=not show_bar, file=sys.stderr, desc="rechecking")

    def progress(outcome):
        bar.update(1)
        if outcome.changed and not quiet:
            line = f"archiver: {outcome.post_id}: {outcome.before} -> {outcome.after}" if outcome.before != outcome.after \
                else f"archiver: {outcome.post_id}: {', '.join(outcome.changes)} changed"
            if outcome.after in ("deleted", "unavailable") and outcome.detail:
                line += f" ({outcome.detail})"
            bar.write(line, file=sys.stderr) if show_bar else click.echo(line, err=True)

    rows = select_posts(store, options)
    bar.total = len(rows)
    bar.refresh()
    report = recheck(store, endpoints, options, allow_private=allow_private, progress=progress, rows=rows)
    bar.close()
    if as_json:
        click.echo(json.dumps({**report.as_json(), "db": str(db_path)}, ensure_ascii=False))
    click.echo(report.summary() + f" -> {db_path}", err=True)
    counts = report.counts()
    return 1 if counts["checked"] and counts["not_answered"] == counts["checked"] else 0
