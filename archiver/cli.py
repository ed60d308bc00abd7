"""The `archiver` command line: thin commands that parse, call the pipeline, and report."""
from __future__ import annotations

import json
import sys

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archiver")
def cli():
    """Save the social-media posts that news articles embed, as evidence.

    Collect an article (URL or saved HTML), search and annotate the archive in
    Datasette, and publish a read-only copy.
    """


@cli.command()
@click.argument("sources", nargs=-1, required=True, metavar="URL_OR_FILE...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one object per embed.")
@click.option("--linked", is_flag=True, help="Also list posts the article only links to in its text.")
def discover(sources, as_json, linked):
    """Find the posts that pages embed, without resolving or storing anything.

    With --json, prints one object per embed: page, platform, url (canonical
    post URL), id, blocked_by, recovered_from, fallback text/author/date.
    """
    from .discover_command import run_discover

    sys.exit(run_discover(sources, as_json=as_json, linked=linked))


def main():  # pragma: no cover - console entry point
    cli()
