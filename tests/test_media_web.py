"""Media in Datasette: files served safely, thumbnails, the post page, and the near-duplicate query."""
import asyncio
import hashlib

import pytest

from archiver.models import MediaItem
from archiver.serve import build_datasette
from archiver.store import Store
from conftest import datasette_get as get
from fixtures.media import samples
from test_media import add_post, run, serve

PICTURE = samples.picture((1200, 900), seed=7)
ORIGINAL = samples.encode(PICTURE, quality=95)
REPOST = samples.encode(PICTURE.resize((600, 450)), quality=50)
OTHER = samples.jpeg((1200, 900), seed=8)
HTML = b"<html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def archive(server, db_path):
    store = Store(db_path)
    add_post(store, MediaItem("photo", serve(server, "/original.jpg", ORIGINAL), alt_text="<b>checkpoint</b>"),
             post_id="1")
    add_post(store, MediaItem("photo", serve(server, "/repost.jpg", REPOST)), post_id="2")
    add_post(store, MediaItem("photo", serve(server, "/other.jpg", OTHER)), post_id="3")
    add_post(store, MediaItem("photo", serve(server, "/fake.jpg", HTML)),
             MediaItem("photo", serve(server, "/fake.svg", SVG, "image/svg+xml")), post_id="4")
    run(store)
    return db_path




def test_media_is_served_with_its_verified_type_and_nosniff(archive):
    ds = build_datasette(archive)
    response = get(ds, f"/-/media/{sha(ORIGINAL)}")
    assert response.status_code == 200 and response.content == ORIGINAL
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    thumbnail = get(ds, f"/-/media/{sha(ORIGINAL)}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/webp"
    assert thumbnail.content[8:12] == b"WEBP"
    assert get(ds, f"/-/media/{'0' * 64}").status_code == 404
    assert get(ds, "/-/media/../../etc/passwd").status_code == 404


@pytest.mark.parametrize("body", [HTML, SVG])
def test_html_and_svg_are_never_served_as_documents(archive, body):
    response = get(build_datasette(archive), f"/-/media/{sha(body)}")
    assert response.status_code == 200 and response.content == body  # the evidence, as a download
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_file_changed_on_disk_is_not_served_inline(archive):
    from archiver.media.files import files_dir

    path = files_dir(archive) / Store(archive).db["media"].get(sha(OTHER))["path"]
    path.write_bytes(HTML)
    response = get(build_datasette(archive), f"/-/media/{sha(OTHER)}")
    assert response.headers["content-type"] == "application/octet-stream"


def test_phash_distance_sql_function(archive):
    ds = build_datasette(archive)
    sql = ("select phash_distance('ffffffffffffffff', '0000000000000000') as a, "
           "phash_distance('00000000000000ff', '0000000000000000') as b, phash_distance(null, 'ff') as c")
    response = get(ds, f"/archive/-/query.json?sql={sql}&_shape=objects")
    assert response.json()["rows"] == [{"a": 64, "b": 8, "c": None}]


def test_near_duplicate_query_lists_the_reposts(archive):
    ds = build_datasette(archive)
    response = get(ds, f"/archive/near_duplicate_media.json?sha256={sha(ORIGINAL)}&max_distance=&_shape=objects")
    assert response.status_code == 200, response.text
    found = {row["post_id"]: row["distance"] for row in response.json()["rows"]}
    assert set(found) == {"x:1", "x:2"} and found["x:1"] == 0 and found["x:2"] <= 6
    strict = get(ds, f"/archive/near_duplicate_media.json?sha256={sha(ORIGINAL)}&max_distance=0&_shape=objects")
    assert [row["post_id"] for row in strict.json()["rows"]] == ["x:1"]
    html = get(ds, f"/archive/near_duplicate_media?sha256={sha(ORIGINAL)}&max_distance=")
    assert f'src="/-/media/{sha(REPOST)}/thumbnail"' in html.text


def test_post_lists_and_tables_show_thumbnails(archive):
    ds = build_datasette(archive)
    listing = get(ds, "/archive/posts_with_media")
    assert listing.status_code == 200
    assert f'<img src="/-/media/{sha(ORIGINAL)}/thumbnail"' in listing.text
    assert f"/-/media/{sha(HTML)}/thumbnail" not in listing.text  # invalid files get no thumbnail
    table = get(ds, "/archive/media")
    assert f'<img src="/-/media/{sha(OTHER)}/thumbnail"' in table.text


def test_post_page_shows_the_media(archive):
    page = get(build_datasette(archive), "/-/post/x~3A1")
    assert page.status_code == 200
    text = page.text
    assert f'src="/-/media/{sha(ORIGINAL)}/thumbnail"' in text and f'href="/-/media/{sha(ORIGINAL)}"' in text
    assert "1200×900" in text and sha(ORIGINAL) in text
    assert "&lt;b&gt;checkpoint&lt;/b&gt;" in text and "<b>checkpoint</b>" not in text
    assert f"near_duplicate_media?sha256={sha(ORIGINAL)}" in text
    bad = get(build_datasette(archive), "/-/post/x~3A4").text
    assert "not an image: the bytes are text/html" in bad and f"/-/media/{sha(HTML)}/thumbnail" not in bad


def test_byte_ranges_for_video_players(archive):
    ds = build_datasette(archive)

    async def fetch(range_header):
        return await ds.client.get(f"/-/media/{sha(ORIGINAL)}", headers={"Range": range_header})

    part = asyncio.run(fetch("bytes=0-99"))
    assert part.status_code == 206 and part.content == ORIGINAL[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(ORIGINAL)}"
    assert part.headers["content-type"] == "image/jpeg" and part.headers["x-content-type-options"] == "nosniff"
    tail = asyncio.run(fetch("bytes=-10"))
    assert tail.status_code == 206 and tail.content == ORIGINAL[-10:]
    assert asyncio.run(fetch(f"bytes={len(ORIGINAL)}-")).status_code == 416
    assert asyncio.run(fetch("pages=1-2")).status_code == 200


def test_thread_page_shows_the_media_through_the_same_partial(archive):
    page = get(build_datasette(archive), "/-/thread/x~3A1")
    assert page.status_code == 200
    assert f'src="/-/media/{sha(ORIGINAL)}/thumbnail"' in page.text


def asgi_get(ds, path, headers=()):
    """Every ASGI message the app sends for one GET (to see how a body is sent, not only what)."""
    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": list(headers),
             "client": ("127.0.0.1", 1), "server": ("localhost", 80)}
    asyncio.run(ds.app()(scope, receive, send))
    return messages


def test_large_files_and_ranges_stream_in_chunks(archive):
    from archiver.media.files import files_dir

    ds = build_datasette(archive)
    path = files_dir(archive) / Store(archive).db["media"].get(sha(ORIGINAL))["path"]
    big = ORIGINAL[:64] + bytes(range(256)) * (3 * 4096)  # 3 MB that still sniffs as the JPEG it was
    path.write_bytes(big)
    for headers, expected, status in (((), big, 200),
                                      (((b"range", b"bytes=1000000-2999999"),), big[1000000:3000000], 206)):
        messages = asgi_get(ds, f"/-/media/{sha(ORIGINAL)}", headers)
        start = next(m for m in messages if m["type"] == "http.response.start")
        bodies = [m["body"] for m in messages if m["type"] == "http.response.body"]
        assert start["status"] == status and dict(start["headers"])[b"content-length"] == str(len(expected)).encode()
        assert b"".join(bodies) == expected and len(bodies) > 1  # sent as it is read, never whole in memory


def test_search_text_with_nul_is_a_clear_400(archive):
    ds = build_datasette(archive)
    page = get(ds, "/-/search?q=Koz%00inka")
    assert page.status_code == 400 and "NUL" in page.text
    data = get(ds, "/-/search.json?q=%00&tag=x")
    assert data.status_code == 400 and data.json()["ok"] is False
    assert get(ds, "/-/search?q=checkpoint").status_code == 200
