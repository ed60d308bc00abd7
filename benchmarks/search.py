"""Search latency on a big archive: archiver's search page (HTML, JSON) and the stored
bm25 query, against the raw FTS query in SQLite, as ratios measured in one run.

    python benchmarks/search.py [--posts 1000000] [--dir DIR]

Builds a synthetic archive (posts, accounts, pages, embeds, FTS) and an
annotations.db, or reuses DIR/archive.db when it already holds that many
posts. Requests go through Datasette's ASGI app in process (no sockets), so
the figures are the server's own cost. Aims: HTML within 3x raw SQL, JSON
within 1.5x.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from archiver import annotations  # noqa: E402
from archiver.serve import build_datasette  # noqa: E402
from archiver.store import Store  # noqa: E402

WORDS = ("drone strike convoy border checkpoint video footage missile village bridge shelling tank "
         "soldiers column smoke explosion road map claim report source confirmed unverified night "
         "morning city region forces attack defence artillery helicopter train station").split()
# Terms planted at known rates, so each measures a different number of matches.
TERMS = {"Kozinka": 0.00002, "Grayvoron": 0.002, "Belgorod": 0.05}
RAW_SQL = """select p.id, p.platform, p.author_handle, p.author_name, p.text, p.created_at, p.status,
                    p.thread_id, p.thread_position
             from posts_fts f join posts p on p.rowid = f.rowid
             where f.posts_fts match ? order by f.rank limit 51"""


def build(db_path: Path, n_posts: int) -> None:
    rng = random.Random(6)
    Store(db_path).db.conn.close()
    conn = sqlite3.connect(db_path)
    conn.execute("pragma synchronous = off")
    n_accounts, n_pages = max(n_posts // 100, 1), max(n_posts // 50, 1)
    with conn:
        conn.executemany("insert into accounts (id, platform, handle, display_name) values (?, 'x', ?, ?)",
                         ((f"x:user{i}", f"user{i}", f"User {i}") for i in range(n_accounts)))
        conn.executemany("insert into pages (id, url, title, site_name, first_captured_at, last_captured_at) "
                         "values (?, ?, ?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                         ((i, f"https://news{i % 40}.example/a/{i}", f"Article {i} " + " ".join(rng.choices(WORDS, k=5)),
                           f"News {i % 40}") for i in range(n_pages)))

    def posts():
        for i in range(n_posts):
            words = rng.choices(WORDS, k=rng.randint(8, 40))
            for term, rate in TERMS.items():
                if rng.random() < rate:
                    words.insert(rng.randrange(len(words)), term)
            account = rng.randrange(n_accounts)
            yield (f"x:{i}", "x" if i % 3 else "telegram", str(i), f"x:user{account}", f"user{account}",
                   f"User {account}", " ".join(words), f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00Z",
                   "ok" if i % 10 else "deleted", f"x:{i - i % 5}", i % 5)

    with conn:
        conn.executemany("insert into posts (id, platform, native_id, account_id, author_handle, author_name, text, "
                         "created_at, status, thread_id, thread_position) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         posts())
        conn.executemany("insert into embeds (page_id, position, platform, post_id, relation) "
                         "values (?, 0, 'x', ?, 'embedded')",
                         ((i % n_pages, f"x:{i}") for i in range(0, n_posts, 2)))
    conn.execute("analyze")
    conn.close()
    ann = annotations.connect(annotations.path_beside(db_path))
    for i in range(0, n_posts, max(n_posts // 2000, 1)):
        annotations.annotate(ann, f"x:{i}", "bench", annotations.Changes(
            tags=[rng.choice(["strike", "convoy", "border"])], status=rng.choice(annotations.STATUSES)))
    ann.close()


def count(db_path: Path) -> int:
    try:
        with sqlite3.connect(db_path) as conn:
            return conn.execute("select count(*) from posts").fetchone()[0]
    except sqlite3.Error:
        return 0


def synthetic_archive(directory, n_posts: int) -> Path:
    """DIRECTORY/archive.db with n_posts posts: the one there if it has that many, else built anew."""
    workdir = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="archiver-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "archive.db"
    if count(db_path) != n_posts:
        for stale in workdir.glob("*.db*"):
            stale.unlink()
        start = time.perf_counter()
        build(db_path, n_posts)
        print(f"built {n_posts:,} posts in {time.perf_counter() - start:.0f}s ({db_path})")
    return db_path


def median_ms(fn, repeat: int) -> float:
    fn()  # warm caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--dir", help="Keep the built archive here (and reuse it next time).")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    db_path = synthetic_archive(args.dir, args.posts)

    raw = sqlite3.connect(db_path)
    ds = build_datasette(db_path, settings={"suggest_facets": False})
    loop = asyncio.new_event_loop()
    # One ASGI app for the whole run, as a server holds it (ds.client rebuilds the app on every request).
    import httpx2

    client = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=ds.app()), base_url="http://localhost")

    def get(path):
        def fetch():
            response = loop.run_until_complete(client.get(path))
            assert response.status_code == 200, (path, response.status_code)
        return fetch

    # Cold figures: every request computes its answer (the result cache keeps nothing). The
    # last column is the page as a crowd meets it: the same search again within the cache's time.
    from datasette_embed_archive import search as plugin_search
    from datasette_embed_archive.resultcache import ResultCache

    served_cache = plugin_search.results_cache
    plugin_search.results_cache = lambda db: ResultCache(ttl=0)
    print("median ms (ratio to raw SQL), each answer computed afresh. HTML: the page as served (facets "
          "inline up to 1,000 matches, fetched after the page above); +facets: facets forced inline; "
          "facets: the JSON request the page makes for them; cached: the HTML page again within 15 s")
    print(f"{'term':10} {'matches':>8} {'raw SQL':>9} {'JSON':>15} {'HTML':>15} {'HTML+facets':>15} "
          f"{'facets':>9} {'stored query':>15} {'cached':>9}")
    worst = {"json": 0.0, "html": 0.0}
    for term in TERMS:
        matches = raw.execute("select count(*) from posts_fts where posts_fts match ?", [term]).fetchone()[0]
        base = median_ms(lambda: raw.execute(RAW_SQL, [f'"{term}"']).fetchall(), args.repeat)
        figures = [median_ms(get(path.format(term)), args.repeat) for path in (
            "/-/search.json?q={}", "/-/search?q={}", "/-/search?q={}&_facets=1", "/-/search.json?q={}&_facets=only",
            "/archive/search.json?q={}")]
        json_ms, html_ms, inline_ms, facets_ms, stored_ms = figures
        plugin_search.results_cache = served_cache
        cached_ms = median_ms(get(f"/-/search?q={term}"), args.repeat)
        plugin_search.results_cache = lambda db: ResultCache(ttl=0)
        worst["json"] = max(worst["json"], json_ms / base)
        worst["html"] = max(worst["html"], html_ms / base)
        cells = " ".join(f"{ms:>7.1f} ({ms / base:>4.1f}x)" for ms in (json_ms, html_ms, inline_ms))
        print(f"{term:10} {matches:>8,} {base:>7.1f}ms {cells} {facets_ms:>7.1f}ms {stored_ms:>7.1f} "
              f"({stored_ms / base:>4.1f}x) {cached_ms:>7.1f}ms")
    floor = median_ms(get("/-/versions.json"), args.repeat)
    print(f"Datasette's cheapest request (/-/versions.json, no SQL): {floor:.1f}ms — every page pays it")
    browse = median_ms(get("/-/search"), max(args.repeat // 3, 3))
    browse_facets = median_ms(get("/-/search.json?_facets=only"), max(args.repeat // 3, 3))
    print(f"browse (no words, newest first): page {browse:.1f}ms, its facets {browse_facets:.1f}ms")
    print(f"worst ratios: JSON {worst['json']:.2f}x (aim 1.5x), HTML {worst['html']:.2f}x (aim 3x)")
    loop.run_until_complete(client.aclose())
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
