"""`archiver discover`: read each source (file or URL), find its embeds, print them."""
from __future__ import annotations

import json
import os
import sys

import click

from .discover.budget import BudgetedDiscovery
from .models import Limits
from .textdecode import decode_document


def read_source(source: str):
    """(text, base_url) for a saved file; URLs are fetched by the caller's fetcher."""
    with open(source, "rb") as f:
        body = f.read()
    text, _encoding, _problem = decode_document(body)
    return text, None


def run_discover(sources, *, as_json: bool, linked: bool) -> int:
    try:
        limits = Limits.from_env()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    with BudgetedDiscovery(limits, linked=linked) as discovery:
        return _discover_sources(sources, discovery, as_json=as_json)


def _discover_sources(sources, discovery: BudgetedDiscovery, *, as_json: bool) -> int:
    found_any = failed = 0
    fetcher = None
    for source in sources:
        try:
            if os.path.exists(source):
                text, base_url = read_source(source)
            else:
                if fetcher is None:
                    from .http import Fetcher

                    fetcher = Fetcher()
                page = fetcher.fetch_page(source)
                if page.error:
                    click.echo(f"archiver: {source}: {page.error}", err=True)
                    failed += 1
                    continue
                text, base_url = page.text, page.final_url
        except OSError as exc:  # the file named as given, not by the path the error carries
            click.echo(f"archiver: {source}: cannot read file: {exc.strerror or exc.__class__.__name__}", err=True)
            failed += 1
            continue
        result = discovery.discover(text, base_url)
        for problem in result.problems:
            click.echo(f"archiver: {source}: {problem}", err=True)
        for embed in result.embeds:
            found_any += 1
            record = {
                "page": source,
                "platform": embed.platform,
                "url": embed.url,
                "id": embed.native_id,
                "position": embed.position,
                "blocked_by": embed.blocked_by,
                "recovered_from": embed.recovered_from,
                "found_by": embed.found_by,
                "relation": embed.relation,
                "fallback_text": embed.fallback_text,
                "fallback_author": embed.fallback_author,
                "fallback_handle": embed.fallback_handle,
                "fallback_date": embed.fallback_date,
            }
            if as_json:
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                hidden = f"  [behind {embed.blocked_by}]" if embed.blocked_by else ""
                click.echo(f"{source}\t{embed.platform}\t{embed.url}{hidden}")
        if result.own_post is not None:
            click.echo(f"archiver: {source}: the page is the own page of {result.own_post.url}; that post is not "
                       "listed as an embed of itself (collect keeps it)", err=True)
        for placeholder in result.placeholders:
            click.echo(f"archiver: {source}: placeholder of {placeholder.blocked_by} with nothing to recover"
                       f" ({placeholder.detail})", err=True)
    return 1 if failed and failed == len(sources) else 0
