"""archiver's own Datasette plugin: what only a live archive does, on top of datasette-embed-archive.

The pages (search, posts, threads, media, map) come from the datasette-embed-archive
plugin, which a published bundle installs on its own. A live archive served by
`archiver serve` adds volunteers: logging in (GET/POST /-/login) and writing
annotations (POST /-/annotate).
"""
from __future__ import annotations

from datasette import hookimpl

from .annotate import annotate_view
from .login import login_link, login_view


@hookimpl
def register_routes():
    return [(r"^/-/annotate$", annotate_view), (r"^/-/login$", login_view)]


@hookimpl
def menu_links(datasette, actor, request):
    if not actor:
        return [{"href": login_link(datasette, request), "label": "Log in"}]
