"""Datasette plugin: readable post pages, links between posts, and safe rendering.

Everything shown comes from untrusted pages and platforms, so it is rendered
through Jinja's autoescaping only; links are emitted only for http(s) URLs.
"""
from __future__ import annotations

from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from ..annotations import STATUSES
from . import media  # noqa: F401  (media files, thumbnails, phash_distance: registers its own hooks)
from .annotate import annotate_view
from .queries import load_annotations, load_post_page, load_thread
from .search import SearchRequest, facets_inline, run_search
from .sources import find_sources

POST_COLUMNS = {("posts", "id"), ("embeds", "post_id"), ("posts", "reply_to_id"), ("posts", "quote_of_id"),
                ("posts", "thread_id"), ("embedded_posts", "post_id"), ("post_media", "post_id"),
                ("post_versions", "post_id"), ("events", "post_id"), ("public_events", "post_id"),
                *((f"{audience}_{kind}", "post_id") for audience in ("current", "public")
                  for kind in ("tags", "notes", "status", "place"))}
STATUS_LABELS = {"ok": "available", "deleted": "deleted", "unavailable": "unavailable",
                 "unresolved": "not resolved"}


def post_path(datasette, post_id: str) -> str:
    # Datasette's own tilde encoding: percent-encoded paths are redirected to it.
    return datasette.urls.path(f"/-/post/{tilde_encode(post_id)}")


def thread_path(datasette, post_id: str) -> str:
    return datasette.urls.path(f"/-/thread/{tilde_encode(post_id)}")


def search_url(datasette, args: dict, **changes) -> str:
    """The search page with `args` changed (a None value drops the argument); page resets to 1."""
    merged = {k: v for k, v in {**args, "page": None, **changes}.items() if v not in (None, "")}
    return datasette.urls.path("/-/search") + ("?" + urlencode(merged) if merged else "")


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
    env.filters["thread_path"] = lambda post_id: thread_path(datasette, post_id)
    env.globals["archiver_search_url"] = lambda args, **changes: search_url(datasette, args, **changes)


@hookimpl
def render_cell(value, column, table, database, datasette):
    # Stored queries of `_memory` (the map) join posts across files: their post_id links too.
    linked = (table, column) in POST_COLUMNS or (database == "_memory" and column == "post_id")
    if linked and isinstance(value, str) and ":" in value:
        return Markup('<a href="{}">{}</a>').format(post_path(datasette, value), value)
    if column == "status" and table in ("posts", "embedded_posts") and isinstance(value, str):
        return Markup('<span class="archiver-status archiver-status-{}">{}</span>').format(
            escape(value), STATUS_LABELS.get(value, value))
    return None


def map_url(datasette, sources):
    """Where geolocated posts are drawn: a stored query live, a view in a published bundle."""
    if sources.writable:
        return datasette.urls.path("/_memory/geolocated_posts")
    if sources.has_annotations:
        return datasette.urls.table(sources.archive.name, "geolocated_posts")
    return None


async def _sources(datasette, request):
    sources = await find_sources(datasette, request.actor)
    if sources is None:
        raise NotFound("No archive database is being served")
    return sources


async def _load_post(datasette, request, loader):
    """(post id, sources, what loader read for it) for a /-/…/<post id> route; 404 when unknown."""
    post_id = tilde_decode(request.url_vars["post_id"])
    sources = await _sources(datasette, request)
    found = await loader(sources.archive, post_id)
    if found is None:
        raise NotFound(f"No post {post_id!r} in the archive")
    return post_id, sources, found


async def post_page(datasette, request):
    post_id, sources, page = await _load_post(datasette, request, load_post_page)
    context = {"database": sources.archive.name, **page, "annotations": await load_annotations(sources, post_id),
               "has_annotations": sources.has_annotations, "writable": sources.writable,
               "logged_in": bool((request.actor or {}).get("id")), "full_annotations": sources.full,
               "statuses": STATUSES}
    return Response.html(await datasette.render_template("archiver_post.html", context, request=request))


async def thread_page(datasette, request):
    _post_id, sources, thread = await _load_post(datasette, request, load_thread)
    if request.url_vars.get("format") == "json":
        return Response.json(thread, default=str)
    return Response.html(await datasette.render_template(
        "archiver_thread.html", {"database": sources.archive.name, **thread}, request=request))


async def search_page(datasette, request):
    sources = await _sources(datasette, request)
    search = SearchRequest.from_args(request.args)
    wanted = request.args.get("_facets")
    if request.url_vars.get("format") == "json":
        # JSON stays lean unless facets are asked for (`_facets=1`, or `only` without the results).
        result = await run_search(sources, search, facets=wanted in ("1", "on", "only"), rows=wanted != "only",
                                  facet_time_limit_ms=datasette.setting("facet_time_limit_ms"))
        return Response.json(result, default=str)
    inline = wanted == "1" or await facets_inline(sources, search)
    result = await run_search(sources, search, facets=inline,
                              facet_time_limit_ms=datasette.setting("facet_time_limit_ms"))
    args = {k: request.args.get(k) for k in request.args.keys()}
    return Response.html(await datasette.render_template("archiver_search.html", {
        "database": sources.archive.name, "search": result, "has_annotations": sources.has_annotations,
        "args": args, "statuses": STATUSES, "map_url": map_url(datasette, sources),
        "facets_json": None if inline else datasette.urls.path("/-/search.json") + "?" + urlencode(
            {**{k: v for k, v in args.items() if k != "page"}, "_facets": "only"}),
    }, request=request))


@hookimpl
def register_routes():
    return [
        (r"^/-/post/(?P<post_id>[^/]+)$", post_page),
        (r"^/-/thread/(?P<post_id>[^/.]+)(\.(?P<format>json))?$", thread_page),
        (r"^/-/search(\.(?P<format>json))?$", search_page),
        (r"^/-/annotate$", annotate_view),
    ]


@hookimpl
def menu_links(datasette, actor):
    links = [{"href": datasette.urls.path("/-/search"), "label": "Search posts"}]
    if actor and actor.get("id"):
        links.append({"href": datasette.urls.path("/-/create-token"), "label": "API token for scripts"})
    return links


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("archiver", "archiver.css")]
