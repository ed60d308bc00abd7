"""Threads: walking up to the root through the run's cache, numbering, cycles, storage, versions."""
import json

import sqlite_utils

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.store import Store
from resolving import make_ctx, resolve_url
from server import FIXTURES, Answer

TWEET = "https://twitter.com/AmourskyCyrille/status/{}"


def page(*ids) -> bytes:
    quotes = "".join(f'<blockquote class="twitter-tweet"><p>Post {i}</p>&mdash; Cyrille Amoursky (@AmourskyCyrille) '
                     f'<a href="{TWEET.format(i)}">May 23, 2023</a></blockquote>' for i in ids)
    return f"<!doctype html><html lang=en><head><title>Thread</title></head><body>{quotes}</body></html>".encode()


def collect(server, db_path, url, depth=40):
    names = list(Endpoints.defaults())
    store = Store(db_path)
    collector = Collector(store, endpoints=Endpoints([f"{n}={server.base}" for n in names], environ={}),
                          allow_private=True, thread_depth=depth)
    collector.fetcher.retries, collector.fetcher.backoff = 1, 0.01
    return collector.collect([url]), sqlite_utils.Database(db_path)


def test_self_thread_is_walked_to_its_root_and_listed_in_order(server, db_path):
    server.routes["/article"] = Answer(body=page("1700000000000000022", "1700000000000000021"))
    server.syndication()
    collect(server, db_path, server.url("/article"))
    db = sqlite_utils.Database(db_path)
    rows = list(db.query("select post_id, thread_position, text from threads"))
    assert [(r["post_id"], r["thread_position"]) for r in rows] == [
        ("x:1700000000000000020", 1), ("x:1700000000000000021", 2), ("x:1700000000000000022", 3)]
    assert {r["thread_id"] for r in db["posts"].rows} == {"x:1700000000000000020"}
    # Each post was asked for once, although two embeds share the same ancestors.
    asked = [r for r in server.requests if r.startswith("/tweet-result")]
    assert len(asked) == len(set(asked)) == 3
    assert db["hashtags"].get(("x:1700000000000000021", "kozinka"))["as_written"] == "Kozinka"
    assert db["mentions"].get(("x:1700000000000000022", "ralee85"))
    assert db["links"].get(("x:1700000000000000022", "https://example.org/report"))["domain"] == "example.org"


def test_depth_bound(server):
    server.syndication()
    post = resolve_url(server, TWEET.format("1700000000000000022"), thread_depth=1)
    assert [p.id for p in post.related] == ["x:1700000000000000021"]
    assert "stopped after 1 parent" in post.status_detail
    assert post.thread_position is None  # the root was not reached: no position is guessed


def test_reply_cycle_stops_with_a_clear_detail(server):
    server.syndication()
    post = resolve_url(server, TWEET.format("1700000000000000031"), thread_depth=10)
    assert post.status == "ok" and "loops back to x:1700000000000000031" in post.status_detail
    assert [p.id for p in post.related] == ["x:1700000000000000032"]


def test_cycle_in_related_posts_does_not_hang_storage(server, db_path):
    server.routes["/article"] = Answer(body=page("1700000000000000031", "1700000000000000032"))
    server.syndication()
    report, db = collect(server, db_path, server.url("/article"), depth=10)
    assert report.results[0].error is None
    assert {r["id"] for r in db["posts"].rows} == {"x:1700000000000000031", "x:1700000000000000032"}


def test_missing_parent_is_a_post_too(server):
    server.syndication()
    ctx = make_ctx(server, thread_depth=5)
    from archiver.models import Embed
    from archiver.resolve import resolve_embed

    embed = Embed("x", TWEET.format("1660927314342432768"), "1660927314342432768")
    post = resolve_embed(embed, ctx)
    parent = post.related[-1]
    assert parent.id == "x:1660702207417188352" and parent.status == "unavailable"
    assert post.thread_id == "x:1659846190010445825"  # the platform's own root id is kept


def test_edit_count_change_and_deletion_are_versions_with_both_captures(server, db_path):
    server.routes["/article"] = Answer(body=page("1700000000000000020"))
    server.syndication()
    collect(server, db_path, server.url("/article"))
    first = json.loads((FIXTURES / "x" / "1700000000000000020.json").read_text())
    edited = {**first, "text": "Thread on the Belgorod incursion 1/3 (corrected)", "favorite_count": 9}
    server.syndication({"1700000000000000020": Answer(body=json.dumps(edited).encode(),
                                                      content_type="application/json")})
    collect(server, db_path, server.url("/article"))
    server.syndication({"1700000000000000020": Answer(body=(FIXTURES / "x" / "tombstone-deleted.json").read_bytes(),
                                                      content_type="application/json")})
    collect(server, db_path, server.url("/article"))
    db = sqlite_utils.Database(db_path)
    versions = list(db["post_versions"].rows_where("post_id = ?", ["x:1700000000000000020"], order_by="id"))
    assert [sorted(json.loads(v["changes"])) for v in versions] == [["like_count", "text"],
                                                                    ["status", "status_detail"]]
    assert json.loads(versions[0]["changes"])["text"][1].endswith("(corrected)")
    assert all(v["previous_capture_id"] and v["capture_id"] != v["previous_capture_id"] for v in versions)
    captures = {c["id"]: c for c in db["captures"].rows}
    assert all(captures[v["capture_id"]]["sha256"] and captures[v["previous_capture_id"]]["sha256"]
               for v in versions)
    post = db["posts"].get("x:1700000000000000020")
    assert post["status"] == "deleted" and post["text"].endswith("(corrected)")
