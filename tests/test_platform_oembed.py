"""YouTube, Vimeo, TikTok, Threads, Instagram, Facebook: one oEmbed client."""
import pytest

from resolving import resolve_url
from server import Answer


@pytest.mark.parametrize("url, path, fixture, text, handle, thumbnail", [
    ("https://www.youtube.com/watch?v=aqz-KE-bpKQ", "/oembed", "youtube/youtube-aqz-KE-bpKQ.json",
     "Big Buck Bunny 60fps 4K - Official Blender Foundation Short Film", "BlenderOfficial",
     "https://i.ytimg.com/vi/aqz-KE-bpKQ/hqdefault.jpg"),
    ("https://vimeo.com/76979871", "/api/oembed.json", "vimeo/vimeo-76979871.json",
     "The New Vimeo Player (You Know, For Videos)", "staff", "https://i.vimeocdn.com/video/452001751"),
    ("https://www.tiktok.com/@warwatcher/video/7234567890123456789", "/oembed",
     "tiktok/tiktok-7234567890123456789.json", "Convoy near the border #belgorod", "warwatcher",
     "https://p16-sign-va.tiktokcdn.com/obj/thumb.jpeg"),
    ("https://www.threads.net/@osintdesk/post/C8abcdEfGhI", "/v1.0/oembed", "threads/threads-C8abcdEfGhI.json",
     "Geolocated: the strike hit the depot north of the station", None, None),
])
def test_oembed_title_author_thumbnail(server, url, path, fixture, text, handle, thumbnail):
    from archiver.platforms import match_post_url

    platform, name = fixture.split("/")
    server.by_query(path, "url", {match_post_url(url).url: server.fixture(platform, name)})
    post = resolve_url(server, url)
    assert post.status == "ok" and post.text == text
    assert (post.account.handle if post.account else None) == handle
    if thumbnail:
        assert post.media[0].kind == "thumbnail" and post.media[0].source_url.startswith(thumbnail)


@pytest.mark.parametrize("answer, status, detail", [
    (Answer(401, b"Unauthorized", "text/plain"), "unavailable", "HTTP 401"),
    (Answer(404, b"Not Found", "text/plain"), "unavailable", "HTTP 404"),
    (Answer(200, b"Forbidden", "text/html"), "unavailable", "'Forbidden'"),
    (Answer(200, b"<!doctype html><html>consent</html>", "text/html"), "unresolved", "HTML where JSON"),
    (Answer(200, b'{"version": "1.0", "title": null, "author_name": 7}', "application/json"), "unavailable",
     "without title"),
])
def test_youtube_refusals(server, answer, status, detail):
    server.routes["/oembed"] = answer
    post = resolve_url(server, "https://youtu.be/aqz-KE-bpKQ", fallback_text="the video's caption in the page")
    assert post.status == status and detail in post.status_detail
    assert post.text == "the video's caption in the page"


def test_tiktok_error_body(server):
    server.routes["/oembed"] = server.fixture("tiktok", "tiktok-error.json", status=400)
    post = resolve_url(server, "https://www.tiktok.com/embed/v2/7234567890123456789")
    assert post.status == "unresolved" and "Something went wrong" in post.status_detail
    assert "%40_%2Fvideo%2F7234567890123456789" in server.requests[-1]  # the player URL is not asked about


def test_youtube_playlist_and_live_stream(server):
    server.by_query("/oembed", "url", {"https://www.youtube.com/playlist?list=PL123":
                                       server.fixture("youtube", "youtube-aqz-KE-bpKQ.json")})
    assert resolve_url(server, "https://www.youtube.com/embed/videoseries?list=PL123").status == "ok"
    live = resolve_url(server, "https://www.youtube.com/embed/live_stream?channel=UC123")
    assert live.status == "unresolved" and "no single video" in live.status_detail


def test_instagram_with_a_token(server, monkeypatch):
    monkeypatch.setenv("ARCHIVER_META_TOKEN", "app|secret")
    server.routes["/v22.0/instagram_oembed"] = server.fixture("instagram", "instagram-Cabc123xyz.json")
    from resolving import make_ctx
    from archiver.models import PostRef
    from archiver.resolve import resolve_ref

    captures = []
    post = resolve_ref(PostRef("instagram", "Cabc123xyz", "https://www.instagram.com/p/Cabc123xyz/"),
                       make_ctx(server, captures=captures))
    assert post.status == "ok" and post.text == "Smoke over the port, seen from the hill #mariupol"
    assert post.account.handle == "osint.desk"
    assert "access_token=app%7Csecret" in server.requests[-1]
    assert captures[-1].url.endswith("access_token=REDACTED")  # the token never reaches the evidence


def test_instagram_without_a_token_keeps_the_fallback(server, monkeypatch):
    from resolving import make_ctx
    from archiver.endpoints import Endpoints
    from archiver.models import Embed
    from archiver.resolve import resolve_embed

    monkeypatch.delenv("ARCHIVER_META_TOKEN", raising=False)
    ctx = make_ctx(server)
    ctx.endpoints = Endpoints([], environ={})  # the real Graph API, which must not be asked without a token
    embed = Embed("instagram", "https://www.instagram.com/p/Cabc123xyz/", "Cabc123xyz",
                  fallback_text="A post shared by OSINT Desk", fallback_author="OSINT Desk")
    post = resolve_embed(embed, ctx)
    assert post.status == "unresolved" and "ARCHIVER_META_TOKEN" in post.status_detail
    assert post.text == "A post shared by OSINT Desk" and post.account.display_name == "OSINT Desk"
    assert server.requests == []


def test_facebook_token_error(server, monkeypatch):
    monkeypatch.setenv("ARCHIVER_META_TOKEN", "bad")
    server.routes["/v22.0/oembed_post"] = server.fixture("facebook", "meta-token-error.json", status=400)
    post = resolve_url(server, "https://www.facebook.com/bellingcat/posts/1234567890")
    assert post.status == "unresolved" and "Provide valid app ID" in post.status_detail
