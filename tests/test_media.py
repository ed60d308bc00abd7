"""Media download and description, against a real local server: dedupe, EXIF, thumbnails, retries, bad input."""
import hashlib
import io
import os
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.http import BodyStore, Fetcher, utc_now
from archiver.media.image import describe_image
from archiver.media.collector import collect_media
from archiver.media.files import MediaFiles, files_dir
from archiver.models import Account, MediaItem, Post
from archiver.store import Store
from fixtures.media import samples
from server import Answer

needs_ffprobe = pytest.mark.skipif(not shutil.which("ffprobe"), reason="ffprobe (Debian's ffmpeg) not installed")


def add_post(store, *media, post_id="1", avatar=None):
    account = Account("x", f"user{post_id}", avatar_url=avatar) if avatar else None
    store.upsert_post(Post("x", post_id, f"https://x.com/u/status/{post_id}", status="ok", text="t",
                           account=account, media=list(media)), utc_now())


def run(store, *, allow_private=True, max_bytes=None):
    fetcher = Fetcher(bodies=BodyStore(store.bodies_dir), record=store.record_capture, allow_private=allow_private,
                      retries=0, backoff=0.01)
    if max_bytes:
        fetcher.media_max_bytes = max_bytes
    return collect_media(store, fetcher)


def serve(server, path, body, content_type="image/jpeg", status=200):
    server.routes[path] = Answer(status, body, content_type)
    return server.url(path)


def rows(store, native_id="1"):
    post_id = native_id if ":" in native_id else f"x:{native_id}"
    return list(store.db["post_media"].rows_where("post_id = ?", [post_id], order_by="position"))


@pytest.fixture
def store(db_path):
    return Store(db_path)


def test_photos_are_saved_once_with_exif_gps_and_a_thumbnail(server, store):
    photo = samples.jpeg((1600, 1200), exif=samples.gps_exif())
    a, b = serve(server, "/a.jpg", photo), serve(server, "/b.jpg", photo, content_type="application/octet-stream")
    add_post(store, MediaItem("photo", a, alt_text="checkpoint"), post_id="1")
    add_post(store, MediaItem("photo", b), post_id="2")
    report = run(store)
    assert (report.done, report.failed) == (2, 0)
    sha = hashlib.sha256(photo).hexdigest()
    assert [r["media_sha256"] for r in rows(store, "1") + rows(store, "2")] == [sha, sha]
    assert {r["status"] for r in store.db["post_media"].rows} == {"done"}
    assert store.db["media"].count == 1  # identical bytes, one row, one file
    media = store.db["media"].get(sha)
    assert (media["mime"], media["format"], media["width"], media["height"], media["size"]) == (
        "image/jpeg", "JPEG", 1600, 1200, len(photo))
    assert media["latitude"] == pytest.approx(50 + 36 / 60 + 12.34 / 3600, abs=1e-6)
    assert media["longitude"] == pytest.approx(36 + 35 / 60, abs=1e-6)
    assert media["taken_at"] == "2023-05-22T07:11:12Z"  # +03:00 camera time, in UTC
    exif = json.loads(media["exif"])
    assert (exif["make"], exif["model"]) == ("Canon", "EOS 5D")
    root = files_dir(store.path)
    assert media["path"] == f"media/{sha[:2]}/{sha}.jpg"
    assert (root / media["path"]).read_bytes() == photo
    assert [p.name for p in (root / "media").rglob("*.jpg")] == [f"{sha}.jpg"]
    thumb_bytes = (root / media["thumbnail_path"]).read_bytes()
    assert media["thumbnail_path"] == f"media/{hashlib.sha256(thumb_bytes).hexdigest()[:2]}/" \
                                      f"{hashlib.sha256(thumb_bytes).hexdigest()}.webp"
    with Image.open(io.BytesIO(thumb_bytes)) as thumb:
        assert thumb.format == "WEBP" and max(thumb.size) == 400 and thumb.size == (400, 300)
    assert len(media["phash"]) == 16
    # Every media response is a capture, the request included.
    captures = list(store.db["captures"].rows_where("kind = 'media'"))
    assert len(captures) == 2 and all(c["sha256"] == sha and c["method"] == "GET" for c in captures)


def test_done_rows_are_not_fetched_again_and_failures_are_retried(server, store):
    photo = samples.jpeg()
    url = serve(server, "/later.jpg", b"overloaded", "text/plain", status=503)
    add_post(store, MediaItem("photo", url))
    first = run(store)
    row = rows(store)[0]
    assert (first.failed, row["status"], row["media_sha256"], row["attempts"]) == (1, "failed", None, 1)
    assert "HTTP 503" in row["error"]
    serve(server, "/later.jpg", photo)
    assert run(store).done == 1
    row = rows(store)[0]
    assert (row["status"], row["error"], row["attempts"]) == ("done", None, 2)
    requests_before = len(server.requests)
    assert (run(store).done, run(store).failed) == (0, 0)
    assert len(server.requests) == requests_before


def test_collect_downloads_media_after_posts(server, db_path):
    photo = samples.jpeg(seed=3)
    tweet = json.loads((Path(__file__).parent / "fixtures" / "x" / "1660927314342432768.json").read_text())
    tweet["mediaDetails"] = [{"type": "photo", "media_url_https": serve(server, "/pbs/photo.jpg", photo)}]
    tweet["user"]["profile_image_url_https"] = serve(server, "/pbs/avatar_normal.jpg", samples.jpeg((64, 64)))
    server.routes["/pbs/avatar_400x400.jpg"] = server.routes["/pbs/avatar_normal.jpg"]
    server.syndication({"1660927314342432768": Answer(body=json.dumps(tweet).encode(),
                                                      content_type="application/json")})
    page = server.page("/belgorod", "belgorod-didomi.html")
    store = Store(db_path)
    report = Collector(store, endpoints=Endpoints([f"x={server.base}"]), allow_private=True).collect([page])
    assert "media: 2 saved" in report.summary()
    assert rows(store, "x:1660927314342432768")[0]["media_sha256"] == hashlib.sha256(photo).hexdigest()
    account = next(store.db["accounts"].rows)
    assert account["avatar_status"] == "done" and account["avatar_source_url"].endswith("avatar_400x400.jpg")
    assert store.db["media"].get(account["avatar_sha256"])["width"] == 64


def test_media_urls_from_content_pass_the_address_guard(server, store):
    add_post(store, MediaItem("photo", serve(server, "/p.jpg", samples.jpeg())))
    run(store, allow_private=False)
    row = rows(store)[0]
    assert row["status"] == "failed" and "non-public address" in row["error"]


@needs_ffprobe
def test_video_with_poster(server, store):
    video = samples.TINY_MP4.read_bytes()
    poster = samples.jpeg((160, 90), seed=5)
    add_post(store, MediaItem("video", serve(server, "/v.mp4", video, "video/mp4"),
                              poster_url=serve(server, "/poster.jpg", poster)))
    assert run(store).done == 1
    row = rows(store)[0]
    assert (row["status"], row["error"]) == ("done", None)
    assert row["poster_sha256"] == hashlib.sha256(poster).hexdigest()
    media = store.db["media"].get(row["media_sha256"])
    assert (media["mime"], media["status"], media["width"], media["height"]) == ("video/mp4", "ok", 160, 90)
    assert media["duration"] == pytest.approx(1.0, abs=0.15)
    assert media["thumbnail_path"] == store.db["media"].get(row["poster_sha256"])["thumbnail_path"]


def test_video_without_poster_keeps_the_video_and_says_so(server, store):
    add_post(store, MediaItem("gif", serve(server, "/g.mp4", samples.TINY_MP4.read_bytes(), "video/mp4")))
    run(store)
    row = rows(store)[0]
    assert row["status"] == "done" and "no poster" in row["error"]
    media = store.db["media"].get(row["media_sha256"])
    assert media["mime"] == "video/mp4" and (files_dir(store.path) / media["path"]).exists()
    if shutil.which("ffmpeg"):
        assert "first frame" in row["error"] and media["thumbnail_path"]
    if not shutil.which("ffprobe"):
        assert media["status"] == "unverified" and "ffprobe" in media["error"]


def test_a_missing_poster_is_retried_without_fetching_the_video_again(server, store):
    video_url = serve(server, "/v.mp4", samples.TINY_MP4.read_bytes(), "video/mp4")
    poster_url = serve(server, "/poster.jpg", b"", "image/jpeg", status=404)
    add_post(store, MediaItem("video", video_url, poster_url=poster_url))
    run(store)
    row = rows(store)[0]
    assert row["status"] == "partial" and "poster failed: HTTP 404" in row["error"] and row["media_sha256"]
    serve(server, "/poster.jpg", samples.jpeg((160, 90)))
    server.requests.clear()
    run(store)
    assert rows(store)[0]["status"] == "done" and rows(store)[0]["poster_sha256"]
    assert server.requests == ["/poster.jpg"]


BOMB_PIXELS = 20_000 * 20_000  # over twice Pillow's limit: Pillow itself refuses
NEAR_LIMIT = 10_000 * 10_000  # over the limit, under twice: Pillow only warns; we refuse


@pytest.mark.parametrize("name, body, content_type, status, error", [
    ("bomb", samples.png_header_only(20_000, 20_000), "image/png", "invalid", "decompression bomb"),
    ("warned bomb", samples.png_header_only(10_000, 10_000), "image/png", "invalid", "decompression bomb"),
    ("truncated", samples.jpeg()[:5000], "image/jpeg", "invalid", "truncated image"),
    ("corrupt", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20, "image/jpeg", "invalid", "corrupt image"),
    ("html", b"<!doctype html><html><script>alert(1)</script></html>", "image/jpeg", "invalid",
     "not an image: the bytes are text/html"),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml", "invalid",
     "not an image: the bytes are image/svg+xml"),
    ("video as photo", samples.TINY_MP4.read_bytes(), "image/jpeg", "invalid", "expected image, the bytes are video/mp4"),
    ("zero bytes", b"", "image/jpeg", "failed", "empty body (0 bytes)"),
])
def test_bad_media_gets_a_clear_status_and_its_bytes_are_kept(server, store, name, body, content_type, status, error):
    add_post(store, MediaItem("photo", serve(server, "/bad", body, content_type)))
    report = run(store)
    row = rows(store)[0]
    assert report.failed == 1
    assert row["status"] == status and error in row["error"]
    if body:
        sha = hashlib.sha256(body).hexdigest()
        assert row["media_sha256"] == sha
        media = store.db["media"].get(sha)
        assert (files_dir(store.path) / media["path"]).read_bytes() == body  # kept as received
        if name in ("html", "svg"):
            assert media["path"].endswith(".bin") and media["mime"] in ("text/html", "image/svg+xml")
    else:
        assert row["media_sha256"] is None
    assert not list(files_dir(store.path).rglob(".*.tmp"))


def test_oversized_media_is_refused_and_nothing_of_it_kept(server, store):
    add_post(store, MediaItem("photo", serve(server, "/big.jpg", samples.jpeg())))
    run(store, max_bytes=1000)
    row = rows(store)[0]
    assert row["status"] == "failed" and "size cap" in row["error"] and row["media_sha256"] is None
    capture = store.db["captures"].get(row["capture_id"])
    assert capture["size"] > 1000 and capture["sha256"] is None  # how much came, and no bytes on disk
    assert not [p for p in store.bodies_dir.rglob("*") if p.is_file()]


def test_absurd_exif_is_noted_not_trusted():
    exif = samples.gps_exif(lat=((50, 0), (1, 0), (0, 1)), lon=(500, 0, 0), when="0000:00:00 00:00:00",
                            offset="+99:99", make="Ca\x00non" + "x" * 5000)
    info = describe_image(samples.jpeg(exif=exif))
    assert info.status == "ok"
    assert (info.latitude, info.longitude, info.taken_at) == (None, None, None)
    problems = " | ".join(info.exif["problems"])
    assert "latitude is not a number" in problems and "longitude out of range" in problems
    assert "DateTimeOriginal is not a real date" in problems
    assert info.exif["make"].startswith("Canon") and len(info.exif["make"]) <= 200


def test_exif_date_without_offset_stays_camera_local_and_south_west_is_negative():
    info = describe_image(samples.jpeg(exif=samples.gps_exif(lat_ref="S", lon_ref="W", offset=None)))
    assert info.taken_at == "2023-05-22T10:11:12"
    assert info.latitude < 0 and info.longitude < 0


def test_near_duplicates_have_close_hashes():
    from archiver.media.phash import distance

    picture = samples.picture((1200, 900), seed=7)
    original = describe_image(samples.encode(picture, quality=95))
    reposted = describe_image(samples.encode(picture.resize((640, 480)), quality=40))
    other = describe_image(samples.jpeg((1200, 900), seed=8))
    assert distance(original.phash, reposted.phash) <= 6
    assert distance(original.phash, other.phash) > 10


def test_a_killed_write_leaves_no_file_under_its_final_name(tmp_path, monkeypatch):
    files = MediaFiles(tmp_path)
    data = samples.jpeg()

    def killed(source, target):  # the bytes landed under the temporary name, then the process dies
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", killed)
    with pytest.raises(KeyboardInterrupt):
        files.put(data, "jpg")
    sha = hashlib.sha256(data).hexdigest()
    assert not files.path(files.relpath(sha, "jpg")).exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    monkeypatch.undo()
    assert files.put(data, "jpg") == (sha, files.relpath(sha, "jpg"))
    assert files.path(files.relpath(sha, "jpg")).read_bytes() == data


def test_a_damaged_exif_block_is_noted_and_the_image_still_described():
    import struct

    photo = samples.jpeg((300, 200))
    payload = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff" + b"\x00" * 50  # 65535 entries that are not there
    damaged = photo[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + photo[2:]
    info = describe_image(damaged)
    assert (info.status, info.width, info.height) == ("ok", 300, 200) and info.thumbnail
    assert any("Corrupt EXIF" in problem for problem in info.exif["problems"])


def test_without_ffmpeg_a_video_is_kept_unverified(server, store, monkeypatch):
    import archiver.media.video

    monkeypatch.setattr(archiver.media.video.shutil, "which", lambda name: None)
    add_post(store, MediaItem("video", serve(server, "/v.mp4", samples.TINY_MP4.read_bytes(), "video/mp4")))
    assert run(store).done == 1
    row = rows(store)[0]
    media = store.db["media"].get(row["media_sha256"])
    assert (media["status"], media["duration"], media["thumbnail_path"]) == ("unverified", None, None)
    assert "ffprobe is not installed" in media["error"]
    assert row["status"] == "done" and "no poster" in row["error"] and "no thumbnail" in row["error"]


@needs_ffprobe
def test_a_broken_video_is_invalid_and_kept(server, store):
    broken = samples.TINY_MP4.read_bytes()[:40] + bytes(2000)  # the container's start, then nothing playable
    add_post(store, MediaItem("video", serve(server, "/broken.mp4", broken, "video/mp4")))
    run(store)
    row = rows(store)[0]
    assert row["status"] == "invalid" and "not a playable video" in row["error"]
    assert (files_dir(store.path) / store.db["media"].get(row["media_sha256"])["path"]).read_bytes() == broken


def test_audio_is_kept_and_probed(server, store):
    audio = (samples.HERE / "tiny.mp3").read_bytes()
    add_post(store, MediaItem("audio", serve(server, "/a.mp3", audio, "audio/mpeg")))
    assert run(store).done == 1
    row = rows(store)[0]
    assert (row["status"], row["error"]) == ("done", None)
    media = store.db["media"].get(row["media_sha256"])
    assert media["mime"] == "audio/mpeg" and media["path"].endswith(".mp3")
    if shutil.which("ffprobe"):
        assert media["status"] == "ok" and media["duration"] == pytest.approx(1.0, abs=0.15)


def test_failed_downloads_stop_after_max_attempts_and_restart_on_a_new_url(server, tmp_path):
    from archiver.media.collector import MAX_ATTEMPTS, MediaCollector
    from archiver.http import Fetcher
    from archiver.models import MediaItem, Post
    from archiver.store import Store

    store = Store(tmp_path / "archive.db")
    post = Post("x", "1", "https://x.com/i/status/1", status="ok", text="t",
                media=[MediaItem("photo", server.url("/gone.jpg"))])
    store.upsert_post(post, "2024-01-01T00:00:00Z")
    fetcher = Fetcher(allow_private=True, retries=0, record=store.record_capture)
    for _ in range(MAX_ATTEMPTS + 2):
        MediaCollector(store, fetcher).run()
    assert server.requests.count("/gone.jpg") == MAX_ATTEMPTS
    row = next(store.db["post_media"].rows)
    assert row["status"] == "failed" and row["attempts"] == MAX_ATTEMPTS
    post.media = [MediaItem("photo", server.url("/moved.jpg"))]
    store.upsert_post(post, "2024-01-02T00:00:00Z")
    MediaCollector(store, fetcher).run()
    assert server.requests.count("/moved.jpg") == 1


def test_two_collects_on_one_archive_fetch_each_file_once(server, db_path):
    import threading

    store = Store(db_path)
    items = []
    for n in range(6):
        server.routes[f"/p{n}.jpg"] = Answer(200, samples.jpeg((64 + n, 48)), "image/jpeg", delay=0.2)
        items.append(MediaItem("photo", server.url(f"/p{n}.jpg")))
    add_post(store, *items)
    reports = []

    def another_collect():  # its own connection and run, as another process has
        reports.append(run(Store(db_path)))

    threads = [threading.Thread(target=another_collect) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(server.requests) == [f"/p{n}.jpg" for n in range(6)]  # each once, by one or the other
    assert sum(r.done for r in reports) == 6 and not any(r.failed for r in reports)
    assert {row["status"] for row in rows(store)} == {"done"}


def test_a_claim_left_by_a_killed_collect_is_taken_over_and_a_live_ones_left_alone(server, store):
    import socket
    import subprocess
    import sys

    from archiver.media.claims import precise_now

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    add_post(store, MediaItem("photo", serve(server, "/dead.jpg", samples.jpeg((40, 30)))), post_id="1")
    add_post(store, MediaItem("photo", serve(server, "/live.jpg", samples.jpeg((40, 30)))), post_id="2")
    host = socket.gethostname()
    for post_id, holder in (("x:1", f"{host} {dead.pid} gone"), ("x:2", f"{host} {os.getpid()} other-run")):
        store.db.execute("update post_media set claimed_by = ?, claimed_at = ? where post_id = ?",
                         [holder, precise_now(), post_id])
    store.db.conn.commit()
    run(store)
    assert [r["status"] for r in rows(store, "1")] == ["done"] and rows(store, "1")[0]["claimed_by"] is None
    assert [r["status"] for r in rows(store, "2")] == ["pending"]  # its collect is alive: left to it
    assert server.requests == ["/dead.jpg"]
