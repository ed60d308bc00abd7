"""Search posts and pages ranked by relevance (bm25), with facets, as HTML and JSON.

Datasette's table search orders by the table's sort, not by relevance, and
its facets cannot reach annotations in another database file; this page
runs its own SQL: FTS5 `order by rank` (bm25), filters and facets over the
matched posts, and for each post the pages that embed it and its thread.

Every facet query has its own time limit: on a big archive a slow facet is
left out (and says so) rather than slowing the page.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from datasette.database import QueryInterrupted
from datasette.utils import escape_fts

from .sources import Sources

PAGE_SIZE = 50
MAX_PAGE = 20
FACET_LIMIT = 10
FACET_TIME_LIMIT_MS = 400

# facet name -> (label, how a post is filtered by it)
FILTERS = {
    "platform": ("Platform", "p.platform = :platform"),
    "site": ("Site", "exists (select 1 from {a}.embeds fe join {a}.pages fg on fg.id = fe.page_id "
                     "where fe.post_id = p.id and fg.site_name = :site)"),
    "author": ("Author", "p.author_handle = :author"),
    "status": ("Availability", "p.status = :status"),
    # Annotation views are computed from the event log: `in (subquery)` evaluates them once, not per post.
    "verdict": ("Verification", "p.id in (select post_id from {verdicts} where status = :verdict)"),
    "tag": ("Tag", "p.id in (select post_id from {tags} where tag = :tag)"),
}
ANNOTATION_FILTERS = ("verdict", "tag")

# facet name -> (value expression, joins added to the matched posts)
FACETS = {
    "platform": ("p.platform", ""),
    "site": ("g.site_name", "join {a}.embeds e on e.post_id = p.id join {a}.pages g on g.id = e.page_id"),
    "author": ("p.author_handle", ""),
    "status": ("p.status", ""),
}
# Facets over annotations: the view is read once and probed against the matched posts.
ANNOTATION_FACETS = {"verdict": ("status", "{verdicts}"), "tag": ("tag", "{tags}")}


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict = field(default_factory=dict)
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "SearchRequest":
        filters = {name: args.get(name) for name in FILTERS if args.get(name)}
        try:
            page = min(max(int(args.get("page") or 1), 1), MAX_PAGE)
        except ValueError:
            page = 1
        return cls((args.get("q") or "").strip(), filters, page)


class Query:
    """The SQL of one search over the given sources."""

    def __init__(self, sources: Sources, request: SearchRequest):
        self.sources = sources
        self.request = request
        self.names = {"a": sources.a}
        if sources.has_annotations:
            self.names.update(tags=sources.rel("tags"), verdicts=sources.rel("status"))
        active = {k: v for k, v in request.filters.items()
                  if sources.has_annotations or k not in ANNOTATION_FILTERS}
        self.params = dict(active)
        a = sources.a
        where = [FILTERS[name][1].format(**self.names) for name in active]
        if request.q:
            self.params["q"] = escape_fts(request.q)
            self.base = f"{a}.posts_fts f join {a}.posts p on p.rowid = f.rowid"
            where.insert(0, "f.posts_fts match :q")
            self.order = "f.rank"  # bm25
        else:
            self.base = f"{a}.posts p"
            self.order = "p.created_at desc"
        self.where = ("where " + " and ".join(where)) if where else ""
        self.active = active

    def results_sql(self) -> str:
        return (f"select p.id, p.platform, p.author_handle, p.author_name, p.text, p.created_at, p.status, "
                f"p.thread_id, p.thread_position from {self.base} {self.where} order by {self.order} "
                f"limit {PAGE_SIZE + 1} offset {(self.request.page - 1) * PAGE_SIZE}")

    def facet_sql(self, name: str) -> str:
        if name in ANNOTATION_FACETS:
            column, relation = ANNOTATION_FACETS[name]
            return (f"select {column} as value, count(*) as count from {relation.format(**self.names)} "
                    f"where post_id in (select p.id from {self.base} {self.where}) "
                    f"group by 1 having value is not null order by 2 desc, 1 limit {FACET_LIMIT}")
        expression, joins = FACETS[name]
        count = "count(distinct p.id)" if joins else "count(*)"
        return (f"select {expression} as value, {count} as count from {self.base} {joins.format(**self.names)} "
                f"{self.where} group by 1 having value is not null order by 2 desc, 1 limit {FACET_LIMIT}")

    def facet_names(self) -> list[str]:
        return [*FACETS, *(ANNOTATION_FACETS if self.sources.has_annotations else ())]


async def _rows(db, sql, params, **kwargs) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params, **kwargs)).rows]


async def _facet(db, query: Query, name: str) -> dict:
    try:
        values = await _rows(db, query.facet_sql(name), query.params, custom_time_limit=FACET_TIME_LIMIT_MS)
        return {"name": name, "label": FILTERS[name][0], "values": values, "timed_out": False}
    except QueryInterrupted:
        return {"name": name, "label": FILTERS[name][0], "values": [], "timed_out": True}


async def embeds_for(sources: Sources, post_ids: list[str]) -> dict[str, list]:
    """post id -> the pages that embed it (title, site, links), newest capture first."""
    if not post_ids:
        return {}
    marks = ",".join("?" for _ in post_ids)
    rows = await _rows(sources.query_db, f"""
        select distinct e.post_id, g.id as page_id, g.url, g.final_url, g.title, g.site_name
        from {sources.a}.embeds e join {sources.a}.pages g on g.id = e.page_id
        where e.post_id in ({marks}) order by g.last_captured_at desc""", post_ids)
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(row.pop("post_id"), []).append(row)
    return found


async def search_pages(sources: Sources, q: str) -> list[dict]:
    if not q:
        return []
    a = sources.a
    return await _rows(sources.query_db, f"""
        select g.id, g.url, g.final_url, g.title, g.site_name, g.published_at,
               (select count(*) from {a}.embeds e where e.page_id = g.id) as embeds
        from {a}.pages_fts f join {a}.pages g on g.id = f.rowid
        where f.pages_fts match :q order by f.rank limit 10""", {"q": escape_fts(q)})


async def run_search(sources: Sources, request: SearchRequest, *, facets: bool = True) -> dict:
    query = Query(sources, request)
    db = sources.query_db
    jobs = [_rows(db, query.results_sql(), query.params), search_pages(sources, request.q)]
    if facets:  # facets run side by side with the results, each on a connection of its own
        jobs += [_facet(db, query, name) for name in query.facet_names()]
    rows, pages, *facet_results = await asyncio.gather(*jobs)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    embeds = await embeds_for(sources, [r["id"] for r in rows])
    for row in rows:
        row["pages"] = embeds.get(row["id"], [])
    return {"q": request.q, "filters": query.active, "page": request.page, "more": more,
            "rows": rows, "pages": pages, "facets": facet_results}
