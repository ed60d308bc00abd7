"""archiver's own Datasette plugin: what only a live archive does, on top of datasette-embed-archive.

The pages (search, posts, threads, media, map) come from the datasette-embed-archive
plugin, which a published bundle installs on its own. A live archive served by
`archiver serve` adds writing: volunteers' annotations through POST /-/annotate.
"""
from __future__ import annotations

from datasette import hookimpl

from .annotate import annotate_view


@hookimpl
def register_routes():
    return [(r"^/-/annotate$", annotate_view)]
