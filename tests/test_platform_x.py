"""X: syndication (long posts, facets), FxTwitter in both generations, oEmbed last."""
from resolving import resolve_url
from server import Answer

POST = "https://x.com/AmourskyCyrille/status/{}"


def test_long_post_text_comes_from_note_tweet_with_links_expanded(server):
    server.syndication()
    post = resolve_url(server, POST.format("1700000000000000040"))
    assert post.status == "ok"
    assert post.text.count("A long post about the incursion.") == 12
    assert post.text.endswith("See https://example.org/long-read #Belgorod")
    assert post.links == ["https://example.org/long-read"] and post.hashtags == ["Belgorod"]


def test_facets_from_entities(server):
    server.syndication()
    post = resolve_url(server, POST.format("1700000000000000022"))
    assert post.text == "What's next? 3/3 via @RALee85 https://example.org/report"
    assert post.mentions == ["RALee85"] and post.links == ["https://example.org/report"]


def test_fxtwitter_first_generation_when_syndication_has_nothing(server):
    server.syndication()  # 404 for this id
    server.routes["/status/1700000000000000050"] = server.fixture("x", "fxtwitter-v1-1700000000000000050.json")
    post = resolve_url(server, POST.format("1700000000000000050"))
    assert post.status == "ok" and post.text == "Seen from FxTwitter, first generation"
    assert post.created_at == "2023-05-23T08:12:00Z"
    assert (post.like_count, post.repost_count, post.reply_count, post.view_count) == (5, 4, 3, 600)
    assert post.reply_to_id == "x:1700000000000000020"
    assert post.account.handle == "AmourskyCyrille" and post.account.avatar_url.endswith("a_200x200.jpg")
    assert [(m.kind, m.source_url, m.alt_text) for m in post.media] == [
        ("photo", "https://pbs.twimg.com/media/Fx1?format=jpg&name=orig", "A checkpoint")]
    assert post.quote_of_id == "x:1700000000000000051"
    assert post.related[0].text == "The quoted one" and post.related[0].account.handle == "other"


def test_fxtwitter_second_generation(server):
    server.syndication()
    server.routes["/status/1700000000000000052"] = server.fixture("x", "fxtwitter-v2-1700000000000000052.json")
    post = resolve_url(server, POST.format("1700000000000000052"))
    assert post.status == "ok" and post.repost_count == 2
    assert post.reply_to_id == "x:1700000000000000020"
    assert [(m.kind, m.poster_url) for m in post.media] == [("video", "https://pbs.twimg.com/v.jpg")]


def test_oembed_is_the_last_resort(server):
    server.syndication()
    server.routes["/status/1700000000000000060"] = server.fixture("x", "fxtwitter-not-found.json", status=404)
    server.by_query("/oembed", "url", {POST.format("1700000000000000060"):
                                       server.fixture("x", "oembed-1700000000000000060.json")})
    post = resolve_url(server, POST.format("1700000000000000060"))
    assert post.status == "ok"
    assert post.text == "Only oEmbed still knows this one #Belgorod"
    assert post.created_at == "2023-05-23"
    assert post.account.handle == "AmourskyCyrille" and post.account.display_name == "Cyrille Amoursky"


def test_nobody_knows_it_every_reason_is_kept_with_the_fallback(server):
    server.syndication()
    post = resolve_url(server, POST.format("1700000000000000070"), fallback_text="What the page showed")
    assert post.status == "unavailable" and post.text == "What the page showed" and post.text_source == "embed"
    assert "X syndication" in post.status_detail and "FxTwitter" in post.status_detail
    assert "X oEmbed" in post.status_detail


def test_a_deleted_tombstone_asks_no_fallback(server):
    server.syndication({"1700000000000000080": server.fixture("x", "tombstone-deleted.json")})
    post = resolve_url(server, POST.format("1700000000000000080"))
    assert post.status == "deleted"
    assert not any(r.startswith(("/status/", "/oembed")) for r in server.requests)


def test_rate_limited_everywhere_says_so(server):
    limited = Answer(429, b"", "text/plain", headers={"Retry-After": "0"})
    server.syndication({"1700000000000000090": limited})
    server.routes["/status/1700000000000000090"] = limited
    server.routes["/oembed"] = limited
    post = resolve_url(server, POST.format("1700000000000000090"))
    assert post.status == "unresolved"
    assert "rate limited (HTTP 429, Retry-After: 0)" in post.status_detail
