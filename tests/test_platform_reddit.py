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


def test_gallery_and_deleted_author(server):
    import json

    post = {"id": "13pgall", "title": "Before and after", "selftext": "", "author": "[deleted]", "is_self": False,
            "created_utc": "yesterday", "score": -3, "num_comments": 0,
            "gallery_data": {"items": [{"media_id": "a1", "caption": "before"}, {"media_id": ["odd"]},
                                       {"media_id": "b2"}]},
            "media_metadata": {"a1": {"s": {"u": "https://preview.redd.it/a1.jpg?width=1080", "x": 1080, "y": 720}},
                               "b2": {"s": {"gif": "https://preview.redd.it/b2.gif", "x": 400, "y": 300}}}}
    body = json.dumps([{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": post}]}}]).encode()
    server.routes["/comments/13pgall/.json"] = Answer(body=body, content_type="application/json")
    resolved = resolve_url(server, URL.format("13pgall"))
    assert resolved.status == "ok" and resolved.account is None and resolved.created_at is None
    assert resolved.like_count == -3
    assert [(m.source_url.rsplit("/", 1)[-1], m.alt_text) for m in resolved.media] == [
        ("a1.jpg?width=1080", "before"), ("b2.gif", None)]
