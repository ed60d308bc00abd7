"""Reddit: the public JSON view of a post."""
from resolving import resolve_url
from server import Answer

URL = "https://www.reddit.com/r/UkraineWarVideoReport/comments/{}/some_title/"


def test_video_post(server):
    server.routes["/comments/13pabcd/.json"] = server.fixture("reddit", "comments-13pabcd.json")
    post = resolve_url(server, URL.format("13pabcd"))
    assert post.status == "ok"
    assert post.text == ("Convoy crossing near Kozinka\n\n"
                         "Footage posted this morning, location matches the bridge.")
    assert post.account.handle == "osint_volunteer" and post.created_at == "2023-05-23T08:20:00Z"
    assert (post.like_count, post.reply_count) == (1520, 233)
    assert post.media[0].kind == "video" and "DASH_720.mp4" in post.media[0].source_url
    assert post.links == ["https://v.redd.it/abc123"]


def test_removed_post_keeps_its_title(server):
    server.routes["/comments/13premv/.json"] = server.fixture("reddit", "comments-13premv.json")
    post = resolve_url(server, URL.format("13premv"))
    assert post.status == "unavailable" and post.status_detail == "Reddit: removed (moderator)"
    assert post.text == "Convoy crossing near Kozinka"


def test_blocked_with_an_html_page(server):
    server.routes["/comments/13pblck/.json"] = Answer(403, b"<html><body>You've been blocked</body></html>")
    post = resolve_url(server, URL.format("13pblck"), fallback_text="the page's copy")
    assert post.status == "unavailable" and "HTTP 403" in post.status_detail
    assert post.text == "the page's copy"


def test_not_a_listing(server):
    server.routes["/comments/13pwrng/.json"] = Answer(body=b'{"kind": "t3", "data": []}',
                                                      content_type="application/json")
    post = resolve_url(server, URL.format("13pwrng"))
    assert post.status == "unresolved" and "not a post listing" in post.status_detail
