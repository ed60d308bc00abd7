"""Bluesky: handle resolution and getPostThread on the public AppView."""
from resolving import resolve_url
from server import Answer

THREAD = "/xrpc/app.bsky.feed.getPostThread"


def appview(server, threads: dict, handles=None):
    server.by_query(THREAD, "uri", {uri: server.fixture("bluesky", name) if isinstance(name, str) else name
                                    for uri, name in threads.items()})
    server.by_query("/xrpc/com.atproto.identity.resolveHandle", "handle",
                    {h: server.fixture("bluesky", f) for h, f in (handles or {}).items()})


def at(rkey, did="did:plc:alice123"):
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def test_thread_with_parent_images_facets_and_own_continuation(server):
    appview(server, {at("3kmid000000b"): "thread-3kmid000000b.json"},
            {"alice.bsky.social": "resolveHandle-alice.json"})
    post = resolve_url(server, "https://bsky.app/profile/alice.bsky.social/post/3kmid000000b")
    assert post.status == "ok" and post.id == "bluesky:3kmid000000b"
    assert post.account.id == "bluesky:did:plc:alice123" and post.account.handle == "alice.bsky.social"
    assert post.hashtags == ["Kharkiv"] and post.mentions == ["bob.bsky.social"]
    assert [(m.kind, m.source_url.split("/")[-1], m.alt_text) for m in post.media] == [
        ("photo", "bafkimg1@jpeg", "Smoke over the city")]
    assert "feed_fullsize" in post.media[0].source_url
    ids = {p.id: p for p in post.related}
    assert set(ids) == {"bluesky:3kroot00000a", "bluesky:3kend000000c"}  # not Bob's reply
    assert [ids["bluesky:3kroot00000a"].thread_position, post.thread_position,
            ids["bluesky:3kend000000c"].thread_position] == [1, 2, 3]
    assert post.thread_id == "bluesky:3kroot00000a"
    # The handle was resolved first, so the thread was asked for by DID.
    assert any("resolveHandle" in r for r in server.requests)
    assert any("did%3Aplc%3Aalice123" in r or "did:plc:alice123" in r for r in server.requests if THREAD in r)


def test_unresolvable_handle_still_asks_by_handle(server):
    appview(server, {at("3kmid000000b", "alice.bsky.social"): "thread-3kmid000000b.json"})
    post = resolve_url(server, "https://bsky.app/profile/alice.bsky.social/post/3kmid000000b")
    assert post.status == "ok"


def test_record_with_media_quote_and_video(server):
    appview(server, {at("3kquote00000f"): "thread-3kquote00000f.json"})
    post = resolve_url(server, "https://bsky.app/profile/did:plc:alice123/post/3kquote00000f")
    assert post.quote_of_id == "bluesky:3kquoted000e"
    assert post.related[0].text == "The original report" and post.related[0].account.handle == "bob.bsky.social"
    video = post.media[0]
    assert video.kind == "video" and "com.atproto.sync.getBlob?did=did%3Aplc%3Aalice123&cid=bafkvideo1" in video.source_url
    assert video.poster_url.endswith("thumbnail.jpg")


def test_quoted_post_gone(server):
    appview(server, {at("3kquotegone0h"): "thread-3kquotegone0h.json"})
    post = resolve_url(server, "https://bsky.app/profile/did:plc:alice123/post/3kquotegone0h")
    assert post.status == "ok" and post.quote_of_id == "bluesky:3kgone00000g"
    assert post.related[0].status == "unavailable"


def test_not_found_post_and_not_found_error(server):
    appview(server, {at("3kdeleted00i"): "thread-not-found.json",
                     at("3kmissing00j"): Answer(400, server.fixture("bluesky", "error-not-found.json").body,
                                                "application/json")})
    deleted = resolve_url(server, "https://bsky.app/profile/did:plc:alice123/post/3kdeleted00i",
                          fallback_text="as the article showed it")
    assert deleted.status == "unavailable" and "not found" in deleted.status_detail
    assert deleted.text == "as the article showed it"
    missing = resolve_url(server, "https://bsky.app/profile/did:plc:alice123/post/3kmissing00j")
    assert missing.status == "unavailable" and "Post not found" in missing.status_detail


def test_absurd_size_is_cut_and_reported(server):
    appview(server, {at("3khuge00000k"): Answer(body=b'{"thread": {"post": ' + b" " * 4096 + b"}}",
                                                 content_type="application/json")})
    from resolving import make_ctx
    from archiver.models import PostRef
    from archiver.resolve import resolve_ref

    ctx = make_ctx(server)
    ctx.fetcher.max_bytes = 1024
    post = resolve_ref(PostRef("bluesky", "3khuge00000k",
                               "https://bsky.app/profile/did:plc:alice123/post/3khuge00000k"), ctx)
    assert post.status == "unresolved" and "size cap" in post.status_detail


def test_odd_types_in_the_thread_keep_the_post(server):
    odd = {"thread": {"$type": 5, "post": {"uri": "at://did:plc:alice123/app.bsky.feed.post/3kodd00000l",
                                           "author": {"did": 7, "handle": ["x"]},
                                           "record": {"text": "still here", "facets": [{"features": [{"$type": 1}]}],
                                                      "reply": {"parent": {"uri": 3}}, "langs": "en"},
                                           "embed": {"$type": None, "images": "many"}, "likeCount": "lots"},
                      "parent": [], "replies": {"a": 1}}}
    import json

    appview(server, {at("3kodd00000l"): Answer(body=json.dumps(odd).encode(), content_type="application/json")})
    post = resolve_url(server, "https://bsky.app/profile/did:plc:alice123/post/3kodd00000l")
    assert post.status == "ok" and post.text == "still here"
    assert post.account is None and post.media == [] and post.like_count is None and post.reply_to_id is None
