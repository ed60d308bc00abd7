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


def test_odd_and_huge_queries_answer_quickly_and_plainly(big_archive):
    from datasette_embed_archive.translit import latin_shadow, query_spellings

    ds = build_datasette(big_archive)
    too_long = get(ds, "/-/search.json?q=" + "a" * 600)
    assert too_long.status_code == 400 and "at most 500 characters" in too_long.json()["error"]
    assert query_spellings("a" * 16000) == [] and latin_shadow("0123456789abcdef" * 1000) is None
    assert get(ds, "/-/search.json?since=２０２３").status_code == 400  # dates are ASCII digits


def test_search_lanes_serve_one_datasette_from_several_event_loops(big_archive, monkeypatch):
    from datasette_embed_archive import pages

    monkeypatch.setattr(pages, "SEARCH_SLOTS", 1)
    ds = build_datasette(big_archive)

    async def three():
        answers = await asyncio.gather(*(ds.client.get(f"/-/search.json?q=report+{n}") for n in range(3)))
        return [a.status_code for a in answers]

    assert asyncio.run(three()) == [200, 200, 200]
    assert asyncio.run(three()) == [200, 200, 200]  # a new loop: its own semaphores
