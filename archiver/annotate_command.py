"""`archiver annotate`: record annotations from the command line, through archiver.annotations."""
from __future__ import annotations

import getpass
import os
import sqlite3
from pathlib import Path

import click

from . import annotations


def default_actor() -> str:
    actor = os.environ.get("ARCHIVER_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still say who, generically
        return "cli"


def run_annotate(db_path, post_id, *, tags=(), untags=(), note=None, status=None, geo=None, place=None,
                 private=False, actor=None) -> int:
    # The archive is only read, to refuse annotating a post that is not in it.
    archive = sqlite3.connect(Path(db_path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        found = archive.execute("select 1 from posts where id = ?", [post_id]).fetchone()
    finally:
        archive.close()
    if not found:
        raise click.ClickException(f"no post {post_id!r} in {db_path}")
    try:
        changes = annotations.Changes(tags=tags, untags=untags, note=note, status=status,
                                      geo=annotations.parse_geo(geo) if geo else None, place=place,
                                      private=private)
        conn = annotations.connect(annotations.path_beside(db_path))
        try:
            ids = annotations.annotate(conn, post_id, actor or default_actor(), changes)
        finally:
            conn.close()
    except (annotations.AnnotationError, annotations.BrokenLogError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Recorded {len(ids)} annotation(s) on {post_id}", err=True)
    return 0
