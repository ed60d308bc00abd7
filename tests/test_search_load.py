"""Search under load: a common word never answers 500, identical searches are computed once."""
import asyncio
import sqlite3

import pytest
from datasette_embed_archive import search
from datasette_embed_archive.resultcache import ResultCache

from archiver.serve import build_datasette
from archiver.store import Store
from conftest import datasette_get as get


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory):
    """30,000 posts that all say 'Belgorod': ranking them all takes SQLite more than a millisecond."""
    path = tmp_path_factory.mktemp("big") / "archive.db"
    Store(path).db.conn.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("insert into posts (id, platform, native_id, text, created_at, status) "
                         "values (?, 'x', ?, ?, '2025-01-01T00:00:00Z', 'ok')",
                         ((f"x:{i}", str(i), f"Belgorod report number {i} from the border region") for i in range(30_000)))
    conn.close()
    return path


def test_a_search_that_runs_out_of_time_gives_a_labelled_partial_answer(big_archive, monkeypatch):
    monkeypatch.setattr(search, "RESULTS_TIME_LIMIT_MS", 1)
    ds = build_datasette(big_archive)
    answer = get(ds, "/-/search.json?q=Belgorod")
    assert answer.status_code == 200
    found = answer.json()
    assert found["partial"] is True and found["rows"][0]["id"] == "x:29999"  # the most recently archived first
    html = get(ds, "/-/search?q=Belgorod")
    assert html.status_code == 200 and "not the best ones" in html.text


def test_identical_searches_in_flight_are_computed_once():
    cache, calls = ResultCache(), []

    async def compute():
        calls.append(1)
        await asyncio.sleep(0.05)
        return ["rows"]

    async def fifty():
        return await asyncio.gather(*(cache.get("belgorod", compute) for _ in range(50)))

    assert asyncio.run(fifty()) == [["rows"]] * 50 and len(calls) == 1


def test_cached_answers_expire_and_failures_are_not_kept():
    now = [0.0]
    cache, calls = ResultCache(ttl=30, clock=lambda: now[0]), []

    async def compute():
        calls.append(1)
        return len(calls)

    async def failing():
        raise RuntimeError("interrupted")

    async def run():
        assert await cache.get("k", compute) == 1 and await cache.get("k", compute) == 1
        now[0] = 31
        assert await cache.get("k", compute) == 2
        with pytest.raises(RuntimeError):
            await cache.get("f", failing)
        assert await cache.get("f", compute) == 3

    asyncio.run(run())
