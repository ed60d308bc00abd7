"""Datasette plugin: readable post pages, links between posts, and safe rendering.

Everything shown comes from untrusted pages and platforms, so it is rendered
through Jinja's autoescaping only; links are emitted only for http(s) URLs.
"""
from __future__ import annotations

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from .queries import find_archive_database, load_post_page

POST_COLUMNS = {("posts", "id"), ("embeds", "post_id"), ("posts", "reply_to_id"), ("posts", "quote_of_id"),
                ("posts", "thread_id"), ("embedded_posts", "post_id"), ("post_media", "post_id"),
                ("post_versions", "post_id")}
STATUS_LABELS = {"ok": "available", "deleted": "deleted", "unavailable": "unavailable",
                 "unresolved": "not resolved"}


def post_path(datasette, post_id: str) -> str:
    # Datasette's own tilde encoding: percent-encoded paths are redirected to it.
    return datasette.urls.path(f"/-/post/{tilde_encode(post_id)}")


def safe_http_url(url):
    """The URL if it is http(s), else None: never a javascript: or data: link."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["safe_http_url"] = safe_http_url
    env.filters["status_label"] = lambda status: STATUS_LABELS.get(status, status or "unknown")
    env.filters["post_path"] = lambda post_id: post_path(datasette, post_id)


@hookimpl
def render_cell(value, column, table, datasette):
    if (table, column) in POST_COLUMNS and isinstance(value, str) and ":" in value:
        return Markup('<a href="{}">{}</a>').format(post_path(datasette, value), value)
    if column == "status" and table in ("posts", "embedded_posts") and isinstance(value, str):
        return Markup('<span class="archiver-status archiver-status-{}">{}</span>').format(
            escape(value), STATUS_LABELS.get(value, value))
    return None


async def post_page(datasette, request):
    post_id = tilde_decode(request.url_vars["post_id"])
    database = await find_archive_database(datasette)
    if database is None:
        raise NotFound("No archive database is being served")
    page = await load_post_page(database, post_id)
    if page is None:
        raise NotFound(f"No post {post_id!r} in the archive")
    return Response.html(await datasette.render_template(
        "archiver_post.html", {"database": database.name, **page}, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/post/(?P<post_id>[^/]+)$", post_page)]


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("archiver", "archiver.css")]
