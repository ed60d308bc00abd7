"""`archiver recover`: look for posts in the Wayback Machine and archive.today, and recover what they kept."""
from __future__ import annotations

import json
import sys

import click
from tqdm import tqdm

from .store import Store
from .wayback import WebArchives, select_posts


def run_recover(*, db_path, endpoints, post_ids=(), statuses=(), limit=None, archives=None, allow_private=None,
                as_json=False, quiet=False) -> int:
    """Exit status 1 when a post id given is not in the archive."""
    store = Store(db_path)
    posts = select_posts(store, post_ids, statuses, limit)
    missing = sorted(set(post_ids) - {p["id"] for p in posts})
    for post_id in missing:
        click.echo(f"archiver: {post_id}: no such post in the archive", err=True)
    show_bar = sys.stderr.isatty() and not quiet and len(posts) > 1
    bar = tqdm(total=len(posts), unit="post", disable=not show_bar, file=sys.stderr, desc="looking up")

    def warn(line):
        if quiet:
            return
        message = f"archiver: {line}"
        bar.write(message, file=sys.stderr) if show_bar else click.echo(message, err=True)

    def progress(result):
        bar.update(1)
        if result.recovered_from and not quiet:
            said = "found (the platform's own text stays)" if result.text_kept else "recovered"
            line = f"archiver: {result.post_id}: text {said} from {result.recovered_from}"
            bar.write(line, file=sys.stderr) if show_bar else click.echo(line, err=True)

    kwargs = {"archives": archives} if archives else {}
    report = WebArchives(store, endpoints, allow_private=allow_private, warn=warn, **kwargs).run(posts, progress)
    bar.close()
    if as_json:
        click.echo(json.dumps({**report.as_json(), "db": str(db_path)}, ensure_ascii=False))
    click.echo(report.summary() + f" -> {db_path}", err=True)
    return 1 if missing else 0
