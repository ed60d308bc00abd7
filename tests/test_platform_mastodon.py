"""Mastodon: the post's own instance (pointed at the test server with --endpoint mastodon=…)."""
from resolving import resolve_url
from server import Answer

URL = "https://mastodon.example/@osint/{}"


def instance(server, number: str, status_fixture=None, context_fixture="context-empty.json", status=200):
    if status_fixture:
        server.routes[f"/api/v1/statuses/{number}"] = server.fixture("mastodon", status_fixture, status=status)
    server.routes[f"/api/v1/statuses/{number}/context"] = server.fixture("mastodon", context_fixture)


def test_status_with_ancestors_and_the_authors_continuation(server):
    instance(server, "111000000000002", "status-111000000000002.json", "context-111000000000002.json")
    post = resolve_url(server, URL.format("111000000000002"))
    assert post.status == "ok" and post.id == "mastodon:mastodon.example/111000000000002"
    assert post.text == "Satellite images from https://example.org/sat #OSINT 2/3"
    assert post.account.handle == "osint@mastodon.example" and post.account.display_name == "Osint"
    assert post.created_at == "2024-03-03T10:00:00Z"
    assert post.reply_to_id == "mastodon:mastodon.example/111000000000001"
    assert post.hashtags == ["osint"] and post.links == ["https://example.org/sat"]
    assert [(m.kind, m.width, m.alt_text) for m in post.media] == [("photo", 1600, "Satellite image of the depot")]
    by_id = {p.id: p for p in post.related}
    root, last = by_id["mastodon:mastodon.example/111000000000001"], by_id["mastodon:mastodon.example/111000000000003"]
    assert "mastodon:mastodon.example/111000000000004" not in by_id  # someone else's reply
    assert [(p.thread_position, p.thread_id) for p in (root, post, last)] == [
        (1, root.id), (2, root.id), (3, root.id)]


def test_quote_post_becomes_a_related_post(server):
    instance(server, "111000000000006", "status-111000000000006.json")
    post = resolve_url(server, URL.format("111000000000006"))
    assert post.text == "Worth reading again"  # the "RE: link" line is the quote, not the text
    assert post.quote_of_id == "mastodon:mastodon.example/111000000000001"
    assert post.related[0].text == "Thread: what we know about the strike 1/3"


def test_not_found_and_login_required(server):
    instance(server, "111000000000008", "not-found.json", status=404)
    instance(server, "111000000000009", "unauthorized.json", status=401)
    gone = resolve_url(server, URL.format("111000000000008"), fallback_text="as shown")
    assert gone.status == "unavailable" and "HTTP 404" in gone.status_detail
    assert "Record not found" in gone.status_detail and gone.text == "as shown"
    locked = resolve_url(server, URL.format("111000000000009"))
    assert locked.status == "unresolved" and "authenticated user" in locked.status_detail


def test_html_where_json_was_expected(server):
    server.routes["/api/v1/statuses/111000000000010"] = Answer(body=b"<html><body>Maintenance</body></html>")
    post = resolve_url(server, URL.format("111000000000010"))
    assert post.status == "unresolved" and "HTML where JSON was expected" in post.status_detail


def test_wrong_types_and_nulls_keep_what_can_be_read(server):
    server.routes["/api/v1/statuses/111000000000011"] = Answer(
        body=b'{"id": "111000000000011", "content": null, "account": "nobody", "tags": {"a": 1}, '
             b'"media_attachments": [null, 3, {"type": "image"}], "created_at": 12, "favourites_count": "many"}',
        content_type="application/json")
    post = resolve_url(server, URL.format("111000000000011"), fallback_text="page text")
    assert post.status == "ok" and post.account is None and post.media == []
    assert post.text == "page text" and post.text_source == "embed"


def test_context_with_odd_items_keeps_the_post(server):
    instance(server, "111000000000002", "status-111000000000002.json")
    server.routes["/api/v1/statuses/111000000000002/context"] = Answer(
        body=b'{"ancestors": [{"id": "111000000000001", "url": "javascript:alert(1)", "content": 5}, 7, null], '
             b'"descendants": "none"}', content_type="application/json")
    post = resolve_url(server, URL.format("111000000000002"))
    assert post.status == "ok"
    assert post.related[0].url == "https://mastodon.example/web/statuses/111000000000001"
