"""Telegram: the public post widget, parsed with selectolax."""
from resolving import resolve_url
from server import Answer


def widget(server, channel_post: str, fixture: str, status: int = 200):
    server.routes[f"/{channel_post}"] = server.fixture("telegram", fixture, status=status,
                                                       content_type="text/html; charset=utf-8")


def test_widget_gives_text_without_reply_preview_and_everything_around_it(server):
    widget(server, "WarFakes/1234", "widget-warfakes-1234.html")
    post = resolve_url(server, "https://t.me/WarFakes/1234")
    assert post.status == "ok" and post.id == "telegram:warfakes/1234"
    assert post.text == "Козинка: кадры с пропускного пункта\n\nПодробнее: example.org/kozinka #Belgorod"
    assert "earlier post" not in post.text
    assert post.created_at == "2023-05-22T14:05:31Z" and post.view_count == 2_380_000
    assert post.account.handle == "WarFakes" and post.account.display_name == "Война с фейками"
    assert post.reply_to_id == "telegram:warfakes/1200"
    assert post.forwarded_from == "https://t.me/belgorod_news/5678"
    assert [(m.kind, m.source_url) for m in post.media] == [
        ("photo", "https://cdn4.telesco.pe/file/kozinka-photo.jpg"),
        ("video", "https://cdn4.telesco.pe/file/kozinka-video.mp4?token=abc")]
    assert post.media[1].poster_url == "https://cdn4.telesco.pe/file/video-thumb.jpg"
    assert post.links == ["https://example.org/kozinka"]
    assert any("embed=1" in r for r in server.requests)


def test_reply_parent_is_walked_to(server):
    widget(server, "WarFakes/1234", "widget-warfakes-1234.html")
    # The reply link's channel spelling is not kept in ids; t.me does not mind the case.
    widget(server, "warfakes/1200", "widget-warfakes-1200.html")
    post = resolve_url(server, "https://t.me/WarFakes/1234", thread_depth=5)
    parent = next(p for p in post.related if p.id == "telegram:warfakes/1200")
    assert parent.text == "The earlier post this one answers, in full." and parent.view_count == 953
    assert (parent.thread_position, post.thread_position) == (1, 2)
    assert post.thread_id == parent.thread_id == "telegram:warfakes/1200"


def test_post_not_found(server):
    widget(server, "WarFakes/999", "widget-not-found.html")
    post = resolve_url(server, "https://t.me/WarFakes/999", fallback_text="Shown by the article")
    assert post.status == "unavailable" and "Post not found" in post.status_detail
    assert post.text == "Shown by the article" and post.text_source == "embed"


def test_a_page_without_the_post_is_not_taken_for_it(server):
    widget(server, "WarFakes/555", "widget-warfakes-1234.html")  # answers another post
    post = resolve_url(server, "https://t.me/WarFakes/555")
    assert post.status == "unresolved" and "does not show this post" in post.status_detail


def test_redirect_to_a_login_page(server):
    server.routes["/WarFakes/777"] = Answer(302, headers={"Location": "/login?next=/WarFakes/777"})
    server.routes["/login"] = Answer(body=b"<html><form>log in</form></html>")
    post = resolve_url(server, "https://t.me/WarFakes/777")
    assert post.status == "unresolved" and "redirected to a login or consent page" in post.status_detail


def test_channel_preview_when_the_widget_answers_nothing(server):
    server.routes["/WarFakes/1234"] = Answer(502, b"Bad gateway", "text/plain")
    server.routes["/s/WarFakes/1234"] = server.fixture("telegram", "widget-warfakes-1234.html",
                                                       content_type="text/html")
    post = resolve_url(server, "https://t.me/WarFakes/1234")
    assert post.status == "ok" and post.view_count == 2_380_000
    assert [r.split("?")[0] for r in server.requests] == ["/WarFakes/1234", "/WarFakes/1234", "/s/WarFakes/1234"]


def test_post_not_found_asks_no_preview(server):
    widget(server, "WarFakes/999", "widget-not-found.html")
    resolve_url(server, "https://t.me/WarFakes/999")
    assert not any(r.startswith("/s/") for r in server.requests)
