"""The archive's front page (/): a search box first, then what the archive holds.

Counts by platform and availability, pages by site, embeds that were hidden
behind consent tools, posts gone since they were first archived, the latest
captures and the posts most recently found gone, with links onwards. Datasette's
own list of databases stays at /-/.
"""
from __future__ import annotations

import sqlite3

from datasette.database import QueryInterrupted
from datasette.utils.asgi import Response

from .resultcache import ResultCache
from .sources import find_sources

CACHE_SECONDS = 30  # the counts read whole tables: on a big archive, once in a while is enough
LIST_LIMIT = 8
GONE = ("deleted", "unavailable")

# name -> SQL over the archive database. Each is small; the counts use the facet indexes.
QUERIES = {
    "totals": """select (select count(*) from posts) as posts, (select count(*) from pages) as pages,
                        (select count(*) from embeds) as embeds,
                        (select count(*) from embeds where blocked_by is not null) as hidden_embeds,
                        (select count(distinct post_id) from embeds where blocked_by is not null) as hidden_posts""",
    "platforms": "select platform as value, count(*) as count from posts group by 1 order by 2 desc",
    "statuses": "select status as value, count(*) as count from posts group by 1 order by 2 desc",
    "sites": f"""select site_name as value, count(*) as count from pages where site_name is not null
                 group by 1 order by 2 desc, 1 limit {LIST_LIMIT * 2}""",
    "consent_tools": """select blocked_by as value, count(*) as count from embeds where blocked_by is not null
                        group by 1 order by 2 desc""",
    # Gone since capture: a version of the post records its status changing from available to gone.
    "gone": f"""select p.id, p.platform, p.author_handle, p.author_name, p.text, p.status, v.captured_at as gone_at
                from post_versions v join posts p on p.id = v.post_id
                where v.status in {GONE} and json_extract(v.changes, '$.status[0]') = 'ok'
                  and p.status in {GONE}
                order by v.captured_at desc limit {LIST_LIMIT}""",
    "gone_count": f"""select count(distinct v.post_id) as count from post_versions v join posts p on p.id = v.post_id
                      where v.status in {GONE} and json_extract(v.changes, '$.status[0]') = 'ok'
                        and p.status in {GONE}""",
    "latest": f"""select g.id, g.url, g.final_url, g.title, g.site_name, g.last_captured_at,
                         (select count(*) from embeds e where e.page_id = g.id) as embeds
                  from pages g order by g.last_captured_at desc limit {LIST_LIMIT}""",
}


async def _summary(database) -> dict:
    found = {}
    for name, sql in QUERIES.items():
        try:
            rows = [dict(row) for row in (await database.execute(sql)).rows]
        except (QueryInterrupted, sqlite3.OperationalError):
            rows = None  # too slow on this archive, or a table it lacks: the page says so instead of failing
        found[name] = rows
    totals = (found.pop("totals") or [{}])[0]
    gone_count = found.pop("gone_count")
    return {**found, "totals": totals, "gone_count": gone_count[0]["count"] if gone_count else None}


async def summary(datasette, database) -> dict:
    """The front page's figures, computed at most every CACHE_SECONDS per database, and once
    however many readers arrive while they are being counted."""
    cache = datasette.__dict__.setdefault("_archiver_front", ResultCache(ttl=CACHE_SECONDS))
    return await cache.get(database.name, lambda: _summary(database))


async def front_page(datasette, request):
    sources = await find_sources(datasette, request.actor)
    context = {"archive": None}
    if sources is not None:
        context = {"archive": await summary(datasette, sources.archive), "database": sources.archive.name}
    return Response.html(await datasette.render_template("archiver_front.html", context, request=request))
