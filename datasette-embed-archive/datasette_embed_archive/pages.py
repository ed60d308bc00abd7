"""The plugin's own pages: search, a post, a thread (HTML, and JSON where asked)."""
from __future__ import annotations

import asyncio
import weakref
from urllib.parse import urlencode

from datasette.utils import tilde_decode
from datasette.utils.asgi import NotFound, Response

from .annotation_state import STATUSES
from .queries import load_annotations, load_post_page, load_thread
from .search import InvalidSearch, SearchRequest, facets_inline, log_version, results_cache, run_search
from .sources import find_sources


async def archive_sources(datasette, request):
    sources = await find_sources(datasette, request.actor)
    if sources is None:
        raise NotFound("No archive database is being served")
    return sources


async def _load_post(datasette, request, loader):
    """(post id, sources, what loader read for it) for a /-/…/<post id> route; 404 when unknown."""
    post_id = tilde_decode(request.url_vars["post_id"])
    sources = await archive_sources(datasette, request)
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


SEARCH_SLOTS = 4  # searches worked on at once in each lane; the rest wait there, not in front of other pages


def search_slots(datasette, lane: str) -> asyncio.Semaphore:
    # A semaphore belongs to the event loop it first waits in: one per loop and lane.
    lanes = datasette.__dict__.setdefault("_archiver_search_lanes", weakref.WeakKeyDictionary())
    mine = lanes.setdefault(asyncio.get_running_loop(), {})
    if lane not in mine:
        mine[lane] = asyncio.Semaphore(SEARCH_SLOTS)
    return mine[lane]


async def search_page(datasette, request):
    # A crowd searching a common word would otherwise fill Datasette's query threads and the
    # event loop, and every page behind them would wait; searches queue among themselves, and
    # words that match few posts (cheap to rank) have a lane of their own beside the common ones.
    lane = "common"
    try:
        search = SearchRequest.from_args(request.args)
        if search.fts and await facets_inline(await archive_sources(datasette, request), search):
            lane = "rare"
    except (InvalidSearch, NotFound):
        pass  # answered below, in its own words
    async with search_slots(datasette, lane):
        return await _search_page(datasette, request)


async def _search_page(datasette, request):
    sources = await archive_sources(datasette, request)
    try:
        search = SearchRequest.from_args(request.args)
    except InvalidSearch as exc:
        if request.url_vars.get("format") == "json":
            return Response.json({"ok": False, "error": str(exc)}, status=400)
        return Response.text(str(exc), status=400)
    wanted = request.args.get("_facets")
    if request.url_vars.get("format") == "json":
        # JSON stays lean unless facets are asked for (`_facets=1`, or `only` without the results).
        result = await run_search(sources, search, facets=wanted in ("1", "on", "only"), rows=wanted != "only",
                                  facet_time_limit_ms=datasette.setting("facet_time_limit_ms"))
        return Response.json(result, default=str)
    async def render() -> str:
        inline = wanted == "1" or await facets_inline(sources, search)
        result = await run_search(sources, search, facets=inline,
                                  facet_time_limit_ms=datasette.setting("facet_time_limit_ms"))
        args = {k: request.args.get(k) for k in request.args.keys()}
        return await datasette.render_template("archiver_search.html", {
            "database": sources.archive.name, "search": result, "has_annotations": sources.has_annotations,
            "args": args, "statuses": STATUSES,
            "facets_json": None if inline else datasette.urls.path("/-/search.json") + "?" + urlencode(
                {**{k: v for k, v in args.items() if k != "page"}, "_facets": "only"}),
        }, request=request)

    if request.cookies:  # a volunteer, or a message to show: this page is theirs alone
        return Response.html(await render())
    # A visitor's page is every visitor's page for the same words: rendered once for a crowd,
    # and again once the annotation log moves or the cache's seconds pass.
    key = ("html", request.query_string, await log_version(sources))
    return Response.html(await results_cache(sources.query_db).get(key, render))
