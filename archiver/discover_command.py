"""`archiver discover`: read each source (file or URL), find its embeds, print them."""
from __future__ import annotations

import json
import os
import sys

import click

from .discover import discover_document
from .textdecode import decode_document


def read_source(source: str):
    """(text, base_url) for a saved file; URLs are fetched by the caller's fetcher."""
    with open(source, "rb") as f:
        body = f.read()
    text, _encoding, _problem = decode_document(body)
    return text, None


def run_discover(sources, *, as_json: bool, linked: bool) -> int:
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
                    raise OSError(page.error)
                text, base_url = page.text, page.final_url
        except OSError as exc:
            click.echo(f"archiver: {source}: {exc}", err=True)
            failed += 1
            continue
        result = discover_document(text, base_url, linked=linked)
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
        for placeholder in result.placeholders:
            click.echo(f"archiver: {source}: placeholder of {placeholder.blocked_by} with nothing to recover"
                       f" ({placeholder.detail})", err=True)
    return 1 if failed and failed == len(sources) else 0
