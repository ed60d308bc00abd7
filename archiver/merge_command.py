"""`archiver merge`: bring archives collected on other machines into one."""
from __future__ import annotations

import json
import sys

import click

SHOWN_PROBLEMS = 20


@click.command("merge")
@click.argument("target", type=click.Path(dir_okay=False))
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on standard output.")
@click.option("--quiet", is_flag=True, help="Say only what went wrong.")
def merge(target, sources, as_json, quiet):
    """Merge the archives SOURCES (each an archive.db, with its files beside it) into TARGET.

    TARGET is created when it does not exist. Pages, posts, embeds, captures,
    media, versions, checks, mementos and the sources' queue are matched by
    what they are (a page by its URL, a post by its id, a capture by its
    content), never by their numbers, so merging the same archive again changes
    nothing, and A then B gives what B then A gives. A row both archives have
    keeps its earliest first capture, its latest last capture and the more
    recent capture's values; every version, check and capture of both is kept.
    Bodies and media files the target lacks are copied when their bytes match
    their SHA-256 (a damaged file is reported and left behind).

    Each source is merged in one transaction: one that is not an archive, is
    damaged, or is TARGET itself is reported and leaves TARGET unchanged.
    Annotations (annotations.db) are not merged: workers do not annotate.

    The exit status is 1 when a source could not be merged or a file could not be copied.
    """
    from .merge import MergeError, merge_archives

    def progress(report):
        if report.error:
            click.echo(f"archiver: {report.summary()}", err=True)
            return
        for problem in report.problems[:SHOWN_PROBLEMS]:
            click.echo(f"archiver: {report.path}: {problem}", err=True)
        if len(report.problems) > SHOWN_PROBLEMS:  # an archive copied without its files: one line each is noise
            click.echo(f"archiver: {report.path}: and {len(report.problems) - SHOWN_PROBLEMS} more problem(s) "
                       "(--json lists them all)", err=True)
        if not quiet:
            click.echo(f"archiver: merged {report.summary()}", err=True)

    try:
        report = merge_archives(target, sources, progress=progress)
    except MergeError as exc:
        click.echo(f"archiver: {exc}", err=True)
        sys.exit(1)
    merged = sum(1 for s in report.sources if s.error is None)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    if not quiet or not report.ok:
        click.echo(f"{merged} of {len(report.sources)} archive(s) merged -> {target}", err=True)
    sys.exit(0 if report.ok else 1)
