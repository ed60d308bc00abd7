"""Search posts and pages ranked by relevance (bm25), with facets, as HTML and JSON.

Datasette's table search orders by the table's sort, not by relevance, and
its facets cannot reach annotations in another database file; this page
runs its own SQL: FTS5 `order by rank` (bm25), filters and facets over the
matched posts, and for each post the pages that embed it and its thread.

Facets are counted in one query with a time limit: on a big archive they are
left out (and say so) rather than slowing the page. Past INLINE_FACETS_MAX
matches the HTML page does not wait for them: it fetches them afterwards
(static/archiver-facets.js), or inline on request (`_facets=1`).
"""
from __future__ import annotations

import asyncio
import re
import sqlite3
import weakref
from dataclasses import dataclass, field
from functools import cached_property

from datasette.database import QueryInterrupted
from datasette.utils import escape_fts
from markupsafe import Markup, escape

from .annotation_state import state_sql
from .queries import rows_of
from .resultcache import ResultCache
from .sources import Sources
from .translit import query_spellings

PAGE_SIZE = 50
# Ranking every match of a very common word can take seconds on a big archive; past this the
# page shows the most recently archived matches instead (FALLBACK_TIME_LIMIT_MS for reading them).
RESULTS_TIME_LIMIT_MS = 1_000
FALLBACK_TIME_LIMIT_MS = 1_000
PREFIX_MIN = 3
# bm25 with the post's own words first: its text weighs most, then author and Latin spellings,
# then the transcript (long, and someone else's words); a text that is only what the embedding
# page showed (text_source 'embed') ranks below the platform's. bm25 is negative: nearer 0 is worse.
COLUMN_WEIGHTS = (1.0, 0.6, 0.6, 0.4, 0.8)  # text, author_handle, author_name, transcript, latin
RANKING = (f"bm25(f.posts_fts, {', '.join(map(str, COLUMN_WEIGHTS))}) "
           "* (case when p.text_source = 'embed' then 0.6 else 1.0 end)")
DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
MAX_QUERY_CHARS = 500
SNIPPET_WORDS = 32
# snippet() marks matches with these; the page escapes the text, then turns them into <mark>.
MARK_START, MARK_END = "\ue000", "\ue001"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# A query stopped by its time limit. SQLite says "interrupted", which Datasette turns into
# QueryInterrupted, except when the limit strikes while a full-text table is being opened:
# then it says "vtable constructor failed" (an OperationalError); both mean "too slow".
class SearchTimedOut(Exception):
    pass


TIMED_OUT = (QueryInterrupted, SearchTimedOut)


async def _limited_rows(db, sql, params, time_limit_ms) -> list[dict]:
    try:
        return await rows_of(db, sql, params, custom_time_limit=time_limit_ms)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc) or "vtable constructor failed" in str(exc):
            raise SearchTimedOut(str(exc)) from exc
        raise


class InvalidSearch(ValueError):
    pass


MAX_PAGE = 20
FACET_LIMIT = 10
FACET_TIME_LIMIT_MS = 500  # unless the facet_time_limit_ms setting says otherwise
INLINE_FACETS_MAX = 1_000

# facet name -> (label, how a post is filtered by it)
FILTERS = {
    "platform": ("Platform", "p.platform = :platform"),
    "site": ("Site", "exists (select 1 from {a}.embeds fe join {a}.pages fg on fg.id = fe.page_id "
                     "where fe.post_id = p.id and fg.site_name = :site)"),
    "author": ("Author", "p.author_handle = :author"),
    "status": ("Availability", "p.status = :status"),
    # Annotation state is computed from the event log: `in (subquery)` evaluates it once, not per post.
    "verdict": ("Verification", "p.id in (select post_id from ({verdicts}) where status = :verdict)"),
    "tag": ("Tag", "p.id in (select post_id from ({tags}) where tag = :tag)"),
    # The consent tool an embed of the post was hidden behind; "any" for every hidden post.
    # Dates as ISO prefixes: since=2023-05 keeps posts from May 2023 on, until=2023-05 up to its end.
    "since": ("Since", "p.created_at >= :since"),
    "until": ("Until", "substr(p.created_at, 1, length(:until)) <= :until"),
    "consent": ("Hidden behind consent", "exists (select 1 from {a}.embeds ce where ce.post_id = p.id and "
                "(ce.blocked_by = :consent or (:consent = 'any' and ce.blocked_by is not null)))"),
}
# Gone since capture: the archive saw the post available, then gone (a version records the change);
# gone at first capture: the platform no longer gave it when it was first archived.
GONE_SINCE = ("(case when exists (select 1 from {a}.post_versions gv where gv.post_id = p.id "
              "and gv.status in ('deleted', 'unavailable') and json_extract(gv.changes, '$.status[0]') = 'ok') "
              "then 'since capture' else 'at first capture' end)")
FILTERS["gone"] = ("Gone", "(p.status in ('deleted', 'unavailable') and " + GONE_SINCE + " = :gone)")
ANNOTATION_FILTERS = ("verdict", "tag")

# facet name -> how its counts are read from `m`, the matched posts (materialized once per search):
# a column of posts, or a relation joined to them.
FACETS = {
    "platform": "select p.platform as value, count(*) as count from m p",
    "site": ("select g.site_name as value, count(distinct p.id) as count from m p "
             "join {a}.embeds e on e.post_id = p.id join {a}.pages g on g.id = e.page_id"),
    "author": "select p.author_handle as value, count(*) as count from m p",
    "status": "select p.status as value, count(*) as count from m p",
    # Annotation state of the matched posts only: the cost follows the matches, not the whole log.
    "verdict": "select status as value, count(*) as count from ({matched_verdicts})",
    "tag": "select tag as value, count(*) as count from ({matched_tags})",
    # A lookup per matched post: as a join, SQLite may build a Bloom filter over every embed first.
    "consent": ("select (select e.blocked_by from {a}.embeds e where e.post_id = p.id and e.blocked_by is not null "
                "limit 1) as value, count(*) as count from m p"),
}


FACETS["gone"] = ("select case when p.status not in ('deleted', 'unavailable') then null else " + GONE_SINCE
                  + " end as value, count(*) as count from m p")


def _expression(words: str) -> str:
    """Words as quoted FTS5 terms, the last one also a prefix when long enough."""
    expression = escape_fts(words)
    last = words.split()[-1] if words.split() else ""
    if len(last) >= PREFIX_MIN and expression.endswith('"'):
        expression += "*"
    return expression


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict = field(default_factory=dict)
    page: int = 1

    @cached_property
    def fts(self) -> str:
        """The words as an FTS5 expression of quoted terms ('' when nothing searchable is left).

        Quoting makes operators and stray quotes plain words: a query is never an SQL error.
        The last word is also a prefix ("Koz" finds "Kozinka") once it has PREFIX_MIN
        characters: shorter prefixes match too much to be worth their cost.
        """
        if not self.q:
            return ""
        # Typed in Cyrillic, the words are also looked for in their Latin spellings (see translit.py).
        spellings = [self.q, *query_spellings(self.q)]
        expressions = [_expression(words) for words in spellings]
        if len(expressions) == 1:
            return expressions[0]
        return " OR ".join(f"({expression})" for expression in expressions if expression)

    @classmethod
    def from_args(cls, args) -> "SearchRequest":
        """The search a query string asks for; InvalidSearch for text no search can hold."""
        for name in ("q", *FILTERS):
            if CONTROL_CHARACTERS.search(args.get(name) or ""):
                raise InvalidSearch(f"{name} holds a NUL or another control character: remove it and search again")
        if len(args.get("q") or "") > MAX_QUERY_CHARS:
            raise InvalidSearch(f"a search is at most {MAX_QUERY_CHARS} characters: shorten it")
        filters = {name: args.get(name).strip() for name in FILTERS if (args.get(name) or "").strip()}
        for name in ("since", "until"):
            if name in filters and not DATE.match(filters[name]):
                raise InvalidSearch(f"{name} is a date: YYYY, YYYY-MM or YYYY-MM-DD")
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
            events, matched = sources.rel("events"), "post_id in (select id from m)"
            self.names.update(tags=state_sql("tags", events), verdicts=state_sql("status", events),
                              matched_tags=state_sql("tags", events, where=matched),
                              matched_verdicts=state_sql("status", events, where=matched))
        active = {k: v for k, v in request.filters.items()
                  if sources.has_annotations or k not in ANNOTATION_FILTERS}
        self.params = dict(active)
        a = sources.a
        where = [FILTERS[name][1].format(**self.names) for name in active]
        if request.fts:
            self.params["q"] = request.fts
            self.base = f"{a}.posts_fts f join {a}.posts p on p.rowid = f.rowid"
            where.insert(0, "f.posts_fts match :q")
            self.order = RANKING
        else:
            self.base = f"{a}.posts p"
            self.order = "p.created_at desc"
        self.where = ("where " + " and ".join(where)) if where else ""
        self.active = active

    def results_sql(self, order: str = "") -> str:
        # The passage from the post's text, or from its transcript when only that matched; never from
        # the Latin spellings, which are for finding, not reading (columns as in POSTS_FTS_COLUMNS).
        def snippet(column):
            return f"snippet(f.posts_fts, {column}, '{MARK_START}', '{MARK_END}', '…', {SNIPPET_WORDS})"
        snippet = (f"case when instr(coalesce({snippet(3)}, ''), '{MARK_START}') = 0 "
                   f"or instr(coalesce({snippet(0)}, ''), '{MARK_START}') > 0 "
                   f"then {snippet(0)} else {snippet(3)} end" if self.request.fts else "null")
        return (f"select p.id, p.platform, p.author_handle, p.author_name, p.text, p.created_at, p.status, "
                f"p.thread_id, p.thread_position, {snippet} as snippet "
                f"from {self.base} {self.where} order by {order or self.order} "
                f"limit {PAGE_SIZE + 1} offset {(self.request.page - 1) * PAGE_SIZE}")

    def facet_names(self) -> list[str]:
        return [n for n in FACETS if self.sources.has_annotations or n not in ANNOTATION_FILTERS]

    def facets_sql(self) -> str:
        """Every facet in one query: the full-text match, the costly part, runs once."""
        parts = [f"select * from (select '{name}' as facet, * from ({FACETS[name].format(**self.names)} "
                 f"group by 1) where value is not null order by count desc, value limit {FACET_LIMIT})"
                 for name in self.facet_names()]
        return (f"with m as materialized (select p.id, p.platform, p.author_handle, p.status "
                f"from {self.base} {self.where}) " + " union all ".join(parts))


def highlight(snippet):
    """A snippet with its matches in <mark>, everything else escaped (the text is untrusted)."""
    if not snippet:
        return ""
    html, open_mark = [], False
    for part in re.split(f"([{MARK_START}{MARK_END}])", snippet):
        if part == MARK_START and not open_mark:
            html.append("<mark>")
            open_mark = True
        elif part == MARK_END and open_mark:
            html.append("</mark>")
            open_mark = False
        elif part not in (MARK_START, MARK_END):
            html.append(str(escape(part)))
    if open_mark:
        html.append("</mark>")
    return Markup("".join(html))


async def count_facets(db, query: Query, time_limit_ms: int = FACET_TIME_LIMIT_MS) -> list[dict]:
    names = query.facet_names()
    try:
        rows = await _limited_rows(db, query.facets_sql(), query.params, time_limit_ms)
        timed_out = False
    except TIMED_OUT:
        rows, timed_out = [], True
    values: dict[str, list] = {name: [] for name in names}
    for row in rows:
        values[row["facet"]].append({"value": row["value"], "count": row["count"]})
    return [{"name": name, "label": FILTERS[name][0], "values": values[name], "timed_out": timed_out}
            for name in names]


async def embeds_for(sources: Sources, post_ids: list[str]) -> dict[str, list]:
    """post id -> the pages that embed it (title, site, links), newest capture first."""
    if not post_ids:
        return {}
    marks = ",".join("?" for _ in post_ids)
    rows = await rows_of(sources.query_db, f"""
        select distinct e.post_id, g.id as page_id, g.url, g.final_url, g.title, g.site_name, e.blocked_by
        from {sources.a}.embeds e join {sources.a}.pages g on g.id = e.page_id
        where e.post_id in ({marks}) order by g.last_captured_at desc""", post_ids)
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(row.pop("post_id"), []).append(row)
    return found


async def search_pages(sources: Sources, fts: str) -> list[dict]:
    if not fts:
        return []
    a = sources.a
    try:
        return await _limited_rows(sources.query_db, f"""
            select g.id, g.url, g.final_url, g.title, g.site_name, g.published_at,
                   (select count(*) from {a}.embeds e where e.page_id = g.id) as embeds
            from {a}.pages_fts f join {a}.pages g on g.id = f.rowid
            where f.pages_fts match :q order by f.rank limit 10""", {"q": fts}, RESULTS_TIME_LIMIT_MS)
    except TIMED_OUT:
        return []  # the posts matter more: pages that match too widely are left out


async def match_count(sources: Sources, fts: str) -> int:
    """How many posts the words match (the full-text index alone: cheap even for many matches);
    past the time limit, more than anyone would count."""
    try:
        rows = await _limited_rows(sources.query_db, f"select count(*) as n from {sources.a}.posts_fts "
                                   "where posts_fts match :q", {"q": fts}, RESULTS_TIME_LIMIT_MS)
    except TIMED_OUT:
        return 1 << 62
    return rows[0]["n"]


async def facets_inline(sources: Sources, request: SearchRequest) -> bool:
    """Count facets with the page, or let the page fetch them afterwards (see archiver-facets.js)?

    Counting reads every matched post; past INLINE_FACETS_MAX matches that
    costs more than the results themselves, so the page comes first.
    """
    if not request.fts:
        return False
    count = await results_cache(sources.query_db).get(
        ("count", sources.a, request.fts), lambda: match_count(sources, request.fts))
    return count <= INLINE_FACETS_MAX


ANNOTATION_MATCHES = 20


async def annotation_matches(sources: Sources, words: str) -> list[dict]:
    """Posts whose notes or tags, as this viewer may see them, hold every word (public ones for visitors).

    Annotations are few beside posts, so a LIKE over them costs little; LIKE folds
    case for ASCII letters only.
    """
    terms = [w for w in words.split() if w][:8]
    if not sources.has_annotations or not terms:
        return []
    params = {f"w{i}": "%" + re.sub(r"([%_\\])", r"\\\1", term) + "%" for i, term in enumerate(terms)}

    def every_word(column):
        return " and ".join(f"{column} like :w{i} escape '\\'" for i in range(len(terms)))

    sql = f"""
        select x.post_id, x.kind, x.value, p.author_name, p.author_handle, p.platform, p.status
        from (select post_id, 'note' as kind, note as value from {sources.rel('notes')} where {every_word('note')}
              union all
              select post_id, 'tag' as kind, tag as value from {sources.rel('tags')} where {every_word('tag')}) x
        join {sources.a}.posts p on p.id = x.post_id
        limit {ANNOTATION_MATCHES}"""
    try:
        return await _limited_rows(sources.query_db, sql, params, RESULTS_TIME_LIMIT_MS)
    except TIMED_OUT:
        return []


_CACHES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def results_cache(db) -> ResultCache:
    """The result cache of one served database (one per Datasette instance)."""
    cache = _CACHES.get(db)
    if cache is None:
        cache = _CACHES[db] = ResultCache()
    return cache


async def ranked_rows(sources: Sources, query: Query) -> tuple[list[dict], bool]:
    """(rows, partial): the best matches, or, when ranking them all takes too long, the
    matches archived most recently (the full-text index reads those without ranking)."""
    db = sources.query_db
    try:
        return await _limited_rows(db, query.results_sql(), query.params, RESULTS_TIME_LIMIT_MS), False
    except TIMED_OUT:
        pass
    try:
        return await _limited_rows(db, query.results_sql(order="p.rowid desc" if not query.request.fts else "f.rowid desc"),
                           query.params, FALLBACK_TIME_LIMIT_MS), True
    except TIMED_OUT:
        return [], True


def _cacheable(sources: Sources, query: Query):
    """The cache key of a search whose posts do not depend on who is looking (None otherwise)."""
    if any(name in ANNOTATION_FILTERS for name in query.active):
        return None
    return (sources.a, query.request.fts, tuple(sorted(query.active.items())), query.request.page)


async def log_version(sources: Sources) -> int:
    """The last event's id in a live annotation log (0 when there is none or it cannot change)."""
    if not (sources.has_annotations and sources.writable):
        return 0
    return (await sources.query_db.execute(f"select coalesce(max(id), 0) from {sources.n}.events")).rows[0][0]


async def run_search(sources: Sources, request: SearchRequest, *, facets: bool = True, rows: bool = True,
                     facet_time_limit_ms: int = FACET_TIME_LIMIT_MS) -> dict:
    query = Query(sources, request)
    db = sources.query_db
    # Results, pages and facets run side by side, each on a connection of its own.
    jobs = {}
    if rows:
        key, cache = _cacheable(sources, query), results_cache(db)
        jobs["rows"] = (cache.get(("rows", key), lambda: ranked_rows(sources, query)) if key
                        else ranked_rows(sources, query))
        jobs["pages"] = (cache.get(("pages", key), lambda: search_pages(sources, request.fts)) if key
                         else search_pages(sources, request.fts))
        jobs["annotations"] = annotation_matches(sources, request.q) if request.page == 1 else asyncio.sleep(0, [])
    if facets:
        key, cache = _cacheable(sources, query), results_cache(db)
        # Facet counts include tags and verdicts: cached per kind of viewer and per state of the log,
        # so that a new tag counts at once.
        if key:
            key = ("facets", sources.full, await log_version(sources), key)
        jobs["facets"] = (cache.get(key, lambda: count_facets(db, query, facet_time_limit_ms))
                          if key else count_facets(db, query, facet_time_limit_ms))
    done = dict(zip(jobs, await asyncio.gather(*jobs.values())))
    found, partial = done.get("rows", ([], False))
    found = [dict(row) for row in found]  # rows may come from the cache: leave those as they were
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    embeds = await embeds_for(sources, [r["id"] for r in found])
    for row in found:
        row["pages"] = embeds.get(row["id"], [])
        # The matched words in context: as HTML with <mark> for pages, and as plain text.
        row["snippet_html"] = highlight(row["snippet"]) or None
        row["snippet"] = row["snippet"].replace(MARK_START, "").replace(MARK_END, "") if row["snippet"] else None
    return {"q": request.q, "filters": query.active, "page": request.page, "more": more, "partial": partial,
            "rows": found, "pages": done.get("pages", []), "annotations": done.get("annotations", []),
            "facets": done.get("facets")}
