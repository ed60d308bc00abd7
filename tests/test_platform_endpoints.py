"""Every platform endpoint can be listed and pointed elsewhere; offline mode asks nobody else."""
from archiver.endpoints import Endpoints
from conftest import run_archiver
from resolving import make_ctx, resolve_url
from server import Answer

NAMES = {"x", "fxtwitter", "x-oembed", "telegram", "mastodon", "bluesky", "youtube", "vimeo", "tiktok",
         "instagram", "facebook", "threads", "reddit", "wayback", "archive-today"}


def test_endpoints_command_lists_every_name():
    result = run_archiver("endpoints")
    assert result.returncode == 0
    assert {line.split()[0] for line in result.stdout.splitlines()} == NAMES == set(Endpoints.defaults())


def test_offline_mode_asks_only_overridden_endpoints(server, monkeypatch):
    monkeypatch.setenv("ARCHIVER_OFFLINE", "1")
    server.syndication()
    ctx = make_ctx(server)
    ctx.endpoints = Endpoints([f"x={server.base}"], environ={})
    from archiver.models import PostRef
    from archiver.resolve import resolve_ref

    post = resolve_ref(PostRef("x", "1700000000000000070", "https://x.com/i/status/1700000000000000070"), ctx)
    assert post.status == "unavailable"  # syndication (overridden) was asked and had nothing
    assert "FxTwitter: not asked" in post.status_detail and "X oEmbed: not asked" in post.status_detail
    assert [r.split("?")[0] for r in server.requests] == ["/tweet-result"]


def test_wrong_types_everywhere_keep_what_can_be_read(server):
    server.syndication({"1700000000000000071": Answer(
        body=b'{"__typename": "Tweet", "text": "t", "user": {"screen_name": "a"}, "mediaDetails": {"x": 1}, '
             b'"entities": [], "note_tweet": [], "quoted_tweet": "no", "parent": 5}', content_type="application/json")})
    post = resolve_url(server, "https://x.com/a/status/1700000000000000071")
    assert post.status == "ok" and post.text == "t"


def test_absurd_numbers_are_dropped_not_stored(server, tmp_path):
    from archiver.store import Store

    server.routes["/api/v1/statuses/111000000000012"] = Answer(
        body=b'{"id": "111000000000012", "content": "<p>big</p>", "favourites_count": 100000000000000000000000000, '
             b'"reblogs_count": "\xc2\xb2", "replies_count": -1, "account": {"acct": "a"}}',
        content_type="application/json")
    post = resolve_url(server, "https://mastodon.example/@a/111000000000012")
    assert post.status == "ok" and post.like_count is None and post.repost_count is None
    Store(tmp_path / "a.db").upsert_post(post, "2026-01-01T00:00:00Z")  # nothing SQLite cannot hold


def test_hyphenated_endpoint_names_from_the_environment():
    endpoints = Endpoints([], environ={"ARCHIVER_ENDPOINT_X_OEMBED": "http://127.0.0.1:9"})
    assert endpoints.is_overridden("x-oembed")
    assert endpoints.url("x-oembed", "https://publish.twitter.com/oembed?url=a") == "http://127.0.0.1:9/oembed?url=a"
