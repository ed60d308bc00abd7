"""Videos of YouTube, Instagram, TikTok and Vimeo posts, downloaded by yt-dlp, offline.

yt-dlp runs for real; its extractors for those sites are overridden by the
replay plugin in tests/ytdlp_plugins (yt-dlp's own plugin mechanism), which
answers with the recorded info JSON of tests/fixtures/ytdlp. Formats, subtitles
and posters are real files (made with ffmpeg) served by the local test server.
"""
import json
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest
import sqlite_utils

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.media.files import files_dir
from archiver.media.ytdlp import VideoOptions, classify_error, format_spec
from archiver.store import Store
from archiver.verify import verify_archive
from server import FIXTURES, Answer

PLUGINS = Path(__file__).parent / "ytdlp_plugins"
YOUTUBE, REMOVED, PRIVATE, LIVE = "aqz-KE-bpKQ", "rem0vedVid1", "pr1vateVid1", "l1veStream1"
SUBTITLES = {
    "youtube-en.vtt": "the bridge at Kupiansk is still standing",
    "youtube-auto.vtt": "automatic words nobody wrote",
    "vimeo-fr.vtt": "le marché de Sevastopolska a brûlé",
    "vimeo-en.vtt": "the Sevastopolska market burned",
    "tiktok-ru.vtt": "дым над нефтезаводом в Туапсе",
    "tiktok-en.vtt": "smoke above the Tuapse refinery",
    "instagram-uk.vtt": "черга біля водокачки на Сумській",
}

pytestmark = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is needed (make system-deps)")


def ffmpeg(*args, out: Path) -> bytes:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(out)], check=True, timeout=60)
    return out.read_bytes()


@pytest.fixture(scope="module")
def media_files(tmp_path_factory):
    """Two seconds of test picture and tone: video alone, audio alone, both in one file, a poster."""
    d = tmp_path_factory.mktemp("formats")
    picture = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2"]
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2"]
    return {
        "video-240.mp4": ffmpeg(*picture, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-an", out=d / "v.mp4"),
        "audio.m4a": ffmpeg(*tone, "-c:a", "aac", out=d / "a.m4a"),
        "combined.mp4": ffmpeg(*picture, *tone, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                               "-shortest", out=d / "c.mp4"),
        "poster.jpg": ffmpeg(*picture, "-frames:v", "1", out=d / "p.jpg"),
    }


@pytest.fixture
def platform(server, media_files, monkeypatch):
    """The test server as the platforms' media hosts, named to the replay plugin."""
    for name, body in media_files.items():
        kind = "image/jpeg" if name.endswith(".jpg") else "audio/mp4" if name.endswith(".m4a") else "video/mp4"
        server.routes[f"/media/{name}"] = Answer(body=body, content_type=kind)
    for name, words in SUBTITLES.items():
        server.routes[f"/subs/{name}"] = Answer(
            body=f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{words}\n\n00:00:01.000 --> 00:00:02.000\n"
                 f"<c>{words}</c>\n".encode(), content_type="text/vtt")
    monkeypatch.setenv("ARCHIVER_TEST_MEDIA_SERVER", server.base)
    return server


def collect(server, db_path, *sources, warnings_=None, video=None, fetcher_options=None):
    store = Store(db_path)
    options = VideoOptions(plugin_dirs=(str(PLUGINS),), **(video or {}))
    collector = Collector(store, endpoints=Endpoints([]), allow_private=True, video=options,
                          warn=(warnings_.append if warnings_ is not None else lambda line: None))
    collector.fetcher.backoff, collector.fetcher.retries = 0.01, 1
    for name, value in (fetcher_options or {}).items():
        setattr(collector.fetcher, name, value)
    return collector.collect(sources), sqlite_utils.Database(db_path)


def probe(path: Path) -> dict:
    done = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(path)],
                          capture_output=True, check=True, timeout=60)
    return json.loads(done.stdout)


def posts_matching(db, phrase):
    return [r["id"] for r in db.query("select posts.id from posts_fts join posts on posts.rowid = posts_fts.rowid "
                                      "where posts_fts match ? order by posts.id", [f'"{phrase}"'])]


def test_a_page_of_video_embeds_is_archived_with_files_text_and_transcripts(platform, db_path):
    page = platform.page("/videos", "video-embeds.html")
    lines = []
    report, db = collect(platform, db_path, page, warnings_=lines)
    posts = {r["id"]: r for r in db["posts"].rows}
    wanted = [f"youtube:{YOUTUBE}", "instagram:Cabc123xyz", "tiktok:7234567890123456789", "vimeo:76979871"]
    root = files_dir(db_path)

    for post_id in wanted:
        post = posts[post_id]
        assert post["status"] == "ok", (post_id, post["status_detail"])
        video = next(db["post_media"].rows_where("post_id = ? and kind = 'video'", [post_id]))
        assert video["status"] == "done" and video["via"] == "yt-dlp", (post_id, video["error"])
        media = db["media"].get(video["media_sha256"])
        streams = {s["codec_type"] for s in probe(root / media["path"])["streams"]}
        assert streams == {"video", "audio"}, post_id  # YouTube's separate streams merged by ffmpeg
        assert media["status"] == "ok" and media["duration"] == pytest.approx(2, abs=0.2)
        assert video["poster_sha256"] and db["media"].get(video["poster_sha256"])["mime"] == "image/jpeg"
        assert media["thumbnail_path"]
        info = db["captures"].get(post["video_info_capture_id"])  # yt-dlp's info JSON as evidence
        assert info["kind"] == "info" and info["content_type"] == "application/json" and info["sha256"]
        kept = json.loads((root / "bodies" / info["sha256"][:2] / info["sha256"]).read_bytes())
        assert kept["id"] == post["native_id"] and "formats" in kept

    youtube = posts[f"youtube:{YOUTUBE}"]
    assert youtube["text"] == ("Convoy on the Kupiansk road\n\n"
                               "Filmed from a balcony at dawn. Four trucks and two armoured vehicles heading west.")
    assert youtube["author_handle"] == "fieldnotes" and youtube["author_name"] == "Field Notes"
    assert youtube["created_at"] == "2023-05-23T06:58:11Z" and youtube["view_count"] == 10432
    assert youtube["like_count"] == 311 and youtube["reply_count"] == 57 and youtube["duration"] == 2
    assert json.loads(youtube["chapters"])[1]["title"] == "Armour"
    tiktok = posts["tiktok:7234567890123456789"]
    assert tiktok["author_handle"] == "localwatcher" and tiktok["author_name"] == "Local Watcher"
    assert tiktok["text"] == "Smoke over the refinery #Tuapse" and tiktok["repost_count"] == 870
    instagram = posts["instagram:Cabc123xyz"]
    assert instagram["text"] == "Evening queue at the water point on Sumska street"
    assert instagram["author_handle"] == "kharkiv.daily" and instagram["created_at"] == "2023-05-23T16:40:00Z"
    assert posts["vimeo:76979871"]["author_handle"] == "citizendesk"

    # Removed and private videos: the platform's words, and the rest of the batch archived.
    assert posts[f"youtube:{REMOVED}"]["status"] == "deleted"
    assert posts[f"youtube:{REMOVED}"]["status_detail"] == \
        "yt-dlp: Video unavailable. This video has been removed by the uploader"
    assert posts[f"youtube:{PRIVATE}"]["status"] == "unavailable"
    assert "Private video" in posts[f"youtube:{PRIVATE}"]["status_detail"]
    assert report.results[0].error is None and report.media.failed == 0

    # Transcripts: the original language and English, as files and in the posts' search.
    transcripts = {(t["post_id"], t["lang"], t["kind"]) for t in db["transcripts"].rows}
    assert transcripts == {(f"youtube:{YOUTUBE}", "en", "subtitles"), ("vimeo:76979871", "fr", "subtitles"),
                           ("vimeo:76979871", "en-x-autogen", "subtitles"),
                           ("tiktok:7234567890123456789", "ru-RU", "subtitles"),
                           ("tiktok:7234567890123456789", "en", "subtitles"),
                           ("instagram:Cabc123xyz", "uk", "automatic")}
    assert posts_matching(db, "bridge at Kupiansk") == [f"youtube:{YOUTUBE}"]
    assert posts_matching(db, "Sevastopolska market") == ["vimeo:76979871"]
    assert posts_matching(db, "Туапсе") == ["tiktok:7234567890123456789"]
    assert posts_matching(db, "Сумській") == ["instagram:Cabc123xyz"]
    assert posts_matching(db, "automatic words") == []  # written subtitles exist: no automatic ones
    youtube_subs = next(db["transcripts"].rows_where("post_id = ?", [f"youtube:{YOUTUBE}"]))
    assert youtube_subs["text"] == "the bridge at Kupiansk is still standing"  # once, without markup
    assert (root / youtube_subs["path"]).read_bytes().startswith(b"WEBVTT")

    # Every request yt-dlp made went to the server, for the chosen formats only (1440p was not taken).
    assert "/media/video-big.mp4" not in platform.requests
    assert not list((root / ".yt-dlp").glob("*/*"))  # working files gone
    checked = verify_archive(db_path)
    assert checked.ok and checked.checked >= 15


def test_the_post_page_shows_the_transcript_and_search_finds_it(platform, db_path):
    from archiver.serve import build_datasette
    from conftest import datasette_get

    collect(platform, db_path, platform.page("/videos", "video-embeds.html"))
    ds = build_datasette(db_path)
    page = datasette_get(ds, f"/-/post/youtube:{YOUTUBE}")
    assert page.status_code == 200
    assert "the bridge at Kupiansk is still standing" in page.text and "Transcript" in page.text
    assert "Chapters" in page.text and "1.0 s: Armour" in page.text and "Duration" in page.text
    hits = datasette_get(ds, "/-/search?q=%22bridge+at+Kupiansk%22")
    assert hits.status_code == 200 and f"youtube:{YOUTUBE}" in hits.text


def test_a_video_over_the_size_cap_keeps_nothing_and_the_rest_goes_on(platform, db_path):
    url = "https://www.youtube.com/watch?v=" + YOUTUBE
    page = platform.url("/one")
    platform.routes["/one"] = Answer(body=f'<iframe src="{url.replace("watch?v=", "embed/")}"></iframe>'
                                          f'<iframe src="https://player.vimeo.com/video/76979871"></iframe>'.encode())
    report, db = collect(platform, db_path, page, fetcher_options={"media_max_bytes": 20_000})
    rows = {r["post_id"]: r for r in db["post_media"].rows_where("kind = 'video'")}
    youtube = rows[f"youtube:{YOUTUBE}"]
    assert youtube["status"] == "failed" and youtube["media_sha256"] is None
    assert "over the size cap of 20000 bytes" in youtube["error"]
    assert rows["vimeo:76979871"]["status"] == "failed"  # 32 kB: over the cap too
    video_rows = [m for m in db["media"].rows if (m["mime"] or "").startswith("video/")]
    assert video_rows == []
    root = files_dir(db_path)
    assert not [p for p in root.rglob("*") if p.is_file() and p.suffix in (".mp4", ".m4a", ".part")]


def test_without_ffmpeg_a_single_file_is_taken_and_the_row_says_what_was_skipped(platform, db_path):
    page = platform.url("/one")
    platform.routes["/one"] = Answer(body=f'<iframe src="https://www.youtube.com/embed/{YOUTUBE}"></iframe>'.encode())
    report, db = collect(platform, db_path, page, video={"ffmpeg": None})
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["status"] == "done"
    assert "ffmpeg is not installed" in row["error"] and "separate video and audio" in row["error"]
    assert "/media/combined.mp4" in platform.requests and "/media/video-240.mp4" not in platform.requests


def test_video_quality_and_no_video(platform, db_path, tmp_path):
    page = platform.url("/one")
    platform.routes["/one"] = Answer(body=f'<iframe src="https://www.youtube.com/embed/{YOUTUBE}"></iframe>'.encode())
    report, db = collect(platform, db_path, page, video={"quality": "audio"})
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["status"] == "done" and db["media"].get(row["media_sha256"])["mime"].startswith("audio/")
    assert "/media/video-240.mp4" not in platform.requests

    other = tmp_path / "novideo.db"
    platform.requests.clear()
    report, db = collect(platform, other, page, video={"video": False})
    post = db["posts"].get(f"youtube:{YOUTUBE}")
    assert post["status"] == "ok" and post["author_handle"] == "fieldnotes"  # what yt-dlp said is kept
    assert [r["kind"] for r in db["post_media"].rows] == ["thumbnail"]
    assert not [p for p in platform.requests if p.startswith("/media/") and not p.endswith(".jpg")]


def test_a_live_stream_is_recorded_as_live_and_not_downloaded(platform, db_path):
    page = platform.url("/live")
    platform.routes["/live"] = Answer(body=f'<iframe src="https://www.youtube.com/embed/{LIVE}"></iframe>'.encode())
    collect(platform, db_path, page)
    report, db = collect(platform, db_path, page)  # asked again: still live
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["status"] == "live" and row["attempts"] == 0 and "live" in row["error"]
    assert "/live/index.m3u8" not in platform.requests
    assert "live stream" in db["posts"].get(f"youtube:{LIVE}")["status_detail"]


def test_every_url_yt_dlp_fetches_passes_the_address_guard(platform, db_path):
    """Without --allow-private, formats on a loopback address are refused, like any URL from content."""
    page = platform.url("/one")
    platform.routes["/one"] = Answer(body=f'<iframe src="https://www.youtube.com/embed/{YOUTUBE}"></iframe>'.encode())
    store = Store(db_path)
    collector = Collector(store, endpoints=Endpoints([]), allow_private=False,
                          video=VideoOptions(plugin_dirs=(str(PLUGINS),)))
    collector.fetcher.allow_private = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collector.collect([page])  # the page itself is the user's: fetched
    db = sqlite_utils.Database(db_path)
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["status"] == "failed" and "non-public address 127.0.0.1" in row["error"]
    assert not [p for p in platform.requests if p.startswith(("/media/", "/subs/"))]


@pytest.mark.parametrize("words, status", [
    ("ERROR: [youtube] x: Video unavailable. This video has been removed by the uploader", "deleted"),
    ("ERROR: [youtube] x: This video has been removed for violating YouTube's Terms of Service", "deleted"),
    ("ERROR: [youtube] x: This video is no longer available because the YouTube account associated with "
     "this video has been terminated.", "deleted"),
    ("ERROR: [youtube] x: Private video. Sign in if you've been granted access to this video", "unavailable"),
    ("ERROR: [youtube] x: Sign in to confirm your age. This video may be inappropriate for some users.",
     "unavailable"),
    ("ERROR: [youtube] x: The uploader has not made this video available in your country", "unavailable"),
    ("ERROR: [instagram] x: Requested content is not available, rate-limit reached or login required",
     "unavailable"),
    ("ERROR: [youtube] x: Unable to download webpage: timed out", "unresolved"),
])
def test_refusals_are_read_in_the_platforms_words(words, status):
    from yt_dlp.utils import DownloadError

    got, said = classify_error(DownloadError(words), [])
    assert got == status and said == words.split(": ", 2)[2].split("ERROR: ")[-1].split("] x: ")[-1]


def test_format_policy():
    assert format_spec("1080", True).startswith("bv[height<=?1080]")
    assert "+" not in format_spec("720", False) and "[height<=?720]" in format_spec("720", False)
    assert format_spec("audio", True).startswith("ba")
    assert "[protocol!*=rtmp]" in format_spec("best", True)


def test_a_proxy_carries_yt_dlps_requests(platform, db_path, monkeypatch):
    """--proxy: yt-dlp asks the proxy (here the test server, which answers absolute-URL requests by path)."""
    page = platform.url("/one")
    platform.routes["/one"] = Answer(body=f'<iframe src="https://player.vimeo.com/video/76979871"></iframe>'.encode())
    monkeypatch.setenv("ARCHIVER_TEST_MEDIA_SERVER", "http://media.invalid")
    report, db = collect(platform, db_path, page, video={"proxy": platform.base})
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["media_sha256"], row["error"]  # (the poster is archiver's own fetch: offline, not asked)
    assert "http://media.invalid/media/combined.mp4" in platform.requests


def test_cookies_go_to_their_own_domain_and_stay_out_of_the_evidence(server, db_path, tmp_path):
    from archiver.collect import load_cookies

    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n"
                       "127.0.0.1\tFALSE\t/\tFALSE\t0\tsessionid\tsecret-value\n"
                       ".instagram.com\tTRUE\t/\tTRUE\t0\tother\tnot-for-here\n")
    server.routes["/page"] = Answer(body=b"<html><title>t</title></html>")
    store = Store(db_path)
    collector = Collector(store, endpoints=Endpoints([]), allow_private=True,
                          video=VideoOptions(cookies=str(cookies)))
    collector.use_network_options()
    collector.collect([server.url("/page")])
    assert "sessionid=secret-value" in server.headers[-1].get("Cookie", "")
    assert "not-for-here" not in server.headers[-1].get("Cookie", "")
    db = sqlite_utils.Database(db_path)
    recorded = json.loads(next(db["captures"].rows)["request_headers"])
    assert recorded["Cookie"] == "REDACTED"
    with pytest.raises(ValueError):
        load_cookies(collector.fetcher, str(FIXTURES / "pages" / "video-embeds.html"))


def test_the_info_json_is_in_the_warc_export(platform, db_path, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    from archiver.warc import export_warc

    page = platform.url("/one")
    platform.routes["/one"] = Answer(body=f'<iframe src="https://www.youtube.com/embed/{YOUTUBE}"></iframe>'
                                          f'<iframe src="https://www.youtube.com/embed/{REMOVED}"></iframe>'.encode())
    collect(platform, db_path, page)
    export_warc(db_path, tmp_path / "out.warc.gz")
    with open(tmp_path / "out.warc.gz", "rb") as f:
        resources = [(r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("Content-Type"),
                      r.content_stream().read()) for r in ArchiveIterator(f) if r.rec_type == "resource"]
    assert [(uri, kind) for uri, kind, _ in resources] == [
        (f"https://www.youtube.com/watch?v={YOUTUBE}", "application/json")]  # the refusal has no JSON
    assert json.loads(resources[0][2])["title"] == "Convoy on the Kupiansk road"


def test_the_video_options_on_the_command_line(archiver_cli, tmp_path):
    done = archiver_cli("collect", "--db", tmp_path / "a.db", "--proxy", "ftp://proxy.example", "page.html")
    assert done.returncode == 2 and "--proxy" in done.stderr
    done = archiver_cli("collect", "--db", tmp_path / "a.db", "--video-quality", "4k", "page.html")
    assert done.returncode == 2 and "--video-quality" in done.stderr
    bad = tmp_path / "cookies.txt"
    bad.write_text("<html>not cookies</html>")
    done = archiver_cli("collect", "--db", tmp_path / "a.db", "--cookies", bad, "page.html")
    assert done.returncode == 2 and "not a Netscape cookies.txt" in done.stderr


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    """Three scenes (test card, red, a fractal), and the same footage cut, re-encoded and scaled down."""
    d = tmp_path_factory.mktemp("scenes")
    cards = ["-f", "lavfi", "-i", "testsrc=size=640x360:rate=25:duration=2", "-f", "lavfi",
             "-i", "color=c=red:size=640x360:rate=25:duration=2", "-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=25"]
    joined = ("[2:v]trim=duration=2,setpts=PTS-STARTPTS[m];[0:v][1:v][m]concat=n=3:v=1,format=yuv420p[v]")
    original = ffmpeg(*cards, "-filter_complex", joined, "-map", "[v]", "-c:v", "libx264", "-g", "25",
                      out=d / "original.mp4")
    reupload = ffmpeg("-i", str(d / "original.mp4"), "-ss", "1", "-vf", "scale=426:240", "-c:v", "libx264",
                      "-crf", "35", "-g", "30", out=d / "reupload.mp4")
    return original, reupload


def test_keyframes_at_scene_changes_find_a_reupload_of_the_footage(server, db_path, scenes):
    from archiver.http import BodyStore, Fetcher, utc_now
    from archiver.media.collector import collect_media
    from archiver.media.phash import NEAR_DUPLICATE_BITS, distance
    from archiver.models import MediaItem, Post
    from archiver.serve import build_datasette
    from conftest import datasette_get

    store = Store(db_path)
    for name, body, post in (("original.mp4", scenes[0], "1"), ("reupload.mp4", scenes[1], "2")):
        server.routes[f"/{name}"] = Answer(body=body, content_type="video/mp4")
        store.upsert_post(Post("x", post, f"https://x.com/u/status/{post}", status="ok", text="t",
                               media=[MediaItem("video", server.url(f"/{name}"))]), utc_now())
    fetcher = Fetcher(bodies=BodyStore(store.bodies_dir), record=store.record_capture, allow_private=True)
    assert collect_media(store, fetcher).failed == 0
    db = store.db
    frames = {p: list(db.query("select post_media.*, media.phash from post_media join media on "
                               "media.sha256 = post_media.media_sha256 where post_id = ? and kind = 'keyframe' "
                               "order by position", [f"x:{p}"])) for p in ("1", "2")}
    assert [f["at_seconds"] for f in frames["1"]] == [0, 2, 4]  # the first frame and each new scene
    assert all(f["status"] == "done" and len(f["phash"]) == 16 for f in frames["1"] + frames["2"])
    assert len(frames["2"]) <= 20
    # The red scene of the re-upload is the original's, within the near-duplicate distance.
    assert min(distance(frames["1"][1]["phash"], f["phash"]) for f in frames["2"]) <= NEAR_DUPLICATE_BITS
    red = frames["1"][1]["media_sha256"]
    found = datasette_get(build_datasette(db_path), f"/archive/near_duplicate_media.json?sha256={red}&_shape=objects")
    assert {"x:1", "x:2"} <= {row["post_id"] for row in found.json()["rows"]}
    page = datasette_get(build_datasette(db_path), "/-/post/x:1").text
    assert "Keyframes at scene changes" in page and page.count(f'/-/media/{red}"') == 1
    # Kept like any media file: verify checks them, collecting again adds none.
    assert verify_archive(db_path).ok
    before = db["post_media"].count
    collect_media(store, fetcher)
    assert db["post_media"].count == before


def test_an_x_video_without_a_file_url_is_asked_of_yt_dlp(platform, db_path):
    tweet = "1700000000000000088"
    platform.syndication()
    page = platform.url("/x")
    platform.routes["/x"] = Answer(body=(f'<blockquote class="twitter-tweet"><p>Column</p>&mdash; C (@AmourskyCyrille)'
                                         f' <a href="https://twitter.com/AmourskyCyrille/status/{tweet}">May 24, 2023</a>'
                                         '</blockquote>').encode())
    store = Store(db_path)
    collector = Collector(store, endpoints=Endpoints([f"x={platform.base}"]), allow_private=True,
                          video=VideoOptions(plugin_dirs=(str(PLUGINS),)))
    collector.fetcher.retries = 1
    collector.collect([page])
    db = sqlite_utils.Database(db_path)
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["via"] == "yt-dlp" and row["source_url"] == f"https://x.com/AmourskyCyrille/status/{tweet}"
    assert row["media_sha256"] and "/media/combined.mp4" in platform.requests, row["error"]
    assert db["posts"].get(f"x:{tweet}")["text"] == "Column moving through Shebekino at noon"


def test_a_reddit_video_gets_its_sound_merged(platform, db_path):
    platform.routes["/comments/13pabcd/.json"] = platform.fixture("reddit", "comments-13pabcd.json")
    page = platform.url("/r")
    platform.routes["/r"] = Answer(body=b'<blockquote class="reddit-embed-bq"><a href="https://www.reddit.com/r/'
                                        b'UkraineWarVideoReport/comments/13pabcd/c/">Convoy</a></blockquote>')
    store = Store(db_path)
    collector = Collector(store, endpoints=Endpoints([f"reddit={platform.base}"]), allow_private=True,
                          video=VideoOptions(plugin_dirs=(str(PLUGINS),)))
    collector.collect([page])
    db = sqlite_utils.Database(db_path)
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["via"] == "yt-dlp" and row["status"] == "done", row["error"]
    media = db["media"].get(row["media_sha256"])
    streams = {s["codec_type"] for s in probe(files_dir(db_path) / media["path"])["streams"]}
    assert streams == {"video", "audio"}  # v.redd.it keeps the sound in a file of its own
    post = db["posts"].get("reddit:13pabcd")
    assert post["text"].startswith("Convoy crossing near Kozinka\n\nFootage posted") and post["like_count"] == 1520  # Reddit's own score kept


def test_each_item_of_an_instagram_carousel_is_kept(platform, db_path):
    page = platform.url("/ig")
    platform.routes["/ig"] = Answer(body=b'<blockquote class="instagram-media" '
                                         b'data-instgrm-permalink="https://www.instagram.com/p/Ccarousel12/"></blockquote>')
    report, db = collect(platform, db_path, page)
    rows = list(db["post_media"].rows_where("kind = 'video'", order_by="position"))
    assert [r["source_url"] for r in rows] == ["https://www.instagram.com/p/Ccarousel12/",
                                               "https://www.instagram.com/p/Ccarousel12/#item=2"]
    assert all(r["status"] == "done" for r in rows), [r["error"] for r in rows]
    assert rows[0]["media_sha256"] != rows[1]["media_sha256"]
    post = db["posts"].get("instagram:Ccarousel12")
    assert post["text"] == "Three angles of the same queue" and post["author_handle"] == "kharkiv.daily"


def test_a_proxy_carries_archivers_own_requests(server, db_path, monkeypatch):
    """--proxy for the session: the page and the platform answers go to the proxy (the test server, which
    answers absolute-URL requests by path); offline is lifted here since nothing can pass the proxy."""
    monkeypatch.delenv("ARCHIVER_OFFLINE")
    server.routes["/article"] = Answer(body=b"<html><head><title>Through the proxy</title></head></html>")
    store = Store(db_path)
    collector = Collector(store, endpoints=Endpoints([]), allow_private=False,
                          video=VideoOptions(proxy=server.base))
    collector.fetcher.retries = 0
    collector.use_network_options()
    report = collector.collect(["http://news.invalid/article"])
    assert report.results[0].error is None
    assert server.requests == ["http://news.invalid/article"]
    assert next(store.db["pages"].rows)["title"] == "Through the proxy"
    # A URL from content still passes the guard first: a name that does not resolve is refused, not proxied.
    capture = collector.fetcher.fetch("http://media.invalid/x.jpg", kind="media")
    assert "could not resolve host media.invalid" in capture.error and len(server.requests) == 1


@pytest.fixture
def gallery_replay(monkeypatch):
    """gallery-dl's Instagram post extractor answered from tests/fixtures/gallerydl: a subclass put first in
    gallery-dl's list of extractors (what its module-sources option does for the command line)."""
    import os

    from gallery_dl import extractor
    from gallery_dl.extractor.instagram import InstagramPostExtractor
    from gallery_dl.extractor.message import Message

    class ReplayInstagramPostExtractor(InstagramPostExtractor):
        def items(self):
            shortcode = self.groups[-1] if self.groups else self.item
            recorded = json.loads((FIXTURES / "gallerydl" / "instagram" / f"{shortcode}.json").read_text())
            server = os.environ["ARCHIVER_TEST_MEDIA_SERVER"]
            yield Message.Directory, {k: v for k, v in recorded.items() if k != "files"}
            for item in recorded["files"]:
                yield Message.Url, item["url"].replace("{server}", server), {**recorded, **item}

    extractor.find("https://www.instagram.com/p/Cphoto12345/")  # gallery-dl lists its extractors once
    monkeypatch.setattr(extractor, "_cache", [ReplayInstagramPostExtractor, *extractor._cache])


def test_an_instagram_photo_post_gets_its_photos_from_gallery_dl(platform, db_path, gallery_replay, media_files):
    platform.routes["/media/photo2.jpg"] = Answer(body=media_files["poster.jpg"][:-2] + b"\xff\xd9",
                                                  content_type="image/jpeg")
    page = platform.url("/ig")
    platform.routes["/ig"] = Answer(body=b'<blockquote class="instagram-media" '
                                         b'data-instgrm-permalink="https://www.instagram.com/p/Cphoto12345/"></blockquote>')
    report, db = collect(platform, db_path, page)
    post = db["posts"].get("instagram:Cphoto12345")
    assert post["status"] != "unavailable", post["status_detail"]  # "no video" is no refusal
    rows = list(db["post_media"].rows_where("post_id = ?", ["instagram:Cphoto12345"], order_by="position"))
    assert [(r["kind"], r["source_url"].rsplit("/", 1)[1], r["status"]) for r in rows] == [
        ("photo", "poster.jpg", "done"), ("photo", "photo2.jpg", "done")]


def test_the_export_carries_what_yt_dlp_said_and_matches_the_schema(platform, db_path):
    import io

    import jsonschema
    from referencing import Registry, Resource

    from archiver.export import export_jsonl

    collect(platform, db_path, platform.page("/videos", "video-embeds.html"))
    out = io.StringIO()
    export_jsonl(db_path, out)
    records = {r["id"]: r for r in map(json.loads, out.getvalue().splitlines())}
    schemas = [json.loads((Path(__file__).parent.parent / "schemas" / f"{n}.schema.json").read_text())
               for n in ("post", "page")]
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas])
    validator = jsonschema.Draft202012Validator(schemas[0], registry=registry)
    for record in records.values():
        assert not list(validator.iter_errors(record)), record["id"]
    video = records[f"youtube:{YOUTUBE}"]["video"]
    assert video["duration"] == 2 and video["chapters"][0]["title"] == "Trucks"
    assert video["info_capture"]["sha256"] and video["transcripts"][0]["lang"] == "en"
    assert "keyframe" in {m["kind"] for m in records[f"youtube:{YOUTUBE}"]["media"]}
    assert records[f"youtube:{REMOVED}"]["video"]["info_capture"]["sha256"] is None  # the refusal, kept


def test_a_subtitle_that_fails_loses_nothing_else(platform, db_path):
    del platform.routes["/subs/tiktok-ru.vtt"]  # 404: the Russian subtitles are gone, the English ones are not
    page = platform.url("/t")
    platform.routes["/t"] = Answer(body=b'<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@localwatcher/'
                                        b'video/7234567890123456789"></blockquote>')
    report, db = collect(platform, db_path, page)
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["status"] == "done" and "subtitles ru-RU not saved: HTTP Error 404" in row["error"]
    assert [t["lang"] for t in db["transcripts"].rows] == ["en"]


def test_the_users_cookie_file_is_only_read(platform, db_path, tmp_path):
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n.youtube.com\tTRUE\t/\tTRUE\t0\tSID\tsecret\n")
    before = cookies.read_bytes()
    page = platform.url("/one")
    platform.routes["/one"] = Answer(body=f'<iframe src="https://www.youtube.com/embed/{YOUTUBE}"></iframe>'.encode())
    report, db = collect(platform, db_path, page, video={"cookies": str(cookies)})
    assert next(db["post_media"].rows_where("kind = 'video'"))["status"] in ("done", "partial")
    assert cookies.read_bytes() == before
    assert not list(Path(tempfile.gettempdir()).glob(f"archiver-cookies-*"))  # the copy yt-dlp had is gone


def test_a_trickling_video_is_cut_by_the_deadline_and_keeps_nothing(platform, db_path, media_files):
    platform.routes["/media/combined.mp4"] = Answer(body=media_files["combined.mp4"], content_type="video/mp4",
                                                    trickle=0.002)
    page = platform.url("/v")
    platform.routes["/v"] = Answer(body=b'<iframe src="https://player.vimeo.com/video/76979871"></iframe>')
    report, db = collect(platform, db_path, page, fetcher_options={"deadline": 0.5, "media_min_rate": 10_000})
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["status"] == "failed" and "sent too slowly: stopped after" in row["error"]
    assert not [p for p in files_dir(db_path).rglob("*.mp4")]


def test_a_full_disk_under_yt_dlp_is_told_apart():
    import errno

    from yt_dlp.utils import DownloadError

    from archiver.media.ytdlp import disk_is_full

    assert disk_is_full(DownloadError("ERROR: unable to write data: [Errno 28] No space left on device"))
    assert disk_is_full(DownloadError("x", exc_info=(OSError, OSError(errno.EDQUOT, "Disk quota exceeded"), None)))
    assert not disk_is_full(DownloadError("ERROR: unable to download video data: HTTP Error 404: Not Found"))


@pytest.mark.parametrize("data, text", [
    (b"WEBVTT\nKind: captions\nLanguage: en\n\nNOTE a comment\nstill comment\n\n00:00.000 --> 00:01.000 align:start\n"
     b"<00:00:00.500><c>rolling</c> words\n\n00:01.000 --> 00:02.000\nrolling words\n", "rolling words"),
    (b"1\n00:00:01,000 --> 00:00:02,000\n<i>srt &amp; words</i>\n", "srt & words"),
    (b'<?xml version="1.0"?><tt><body><div><p begin="0s">first line</p><p begin="1s">second<br/>part</p></div>'
     b"</body></tt>", "first line\nsecond\npart"),
    (b'{"events": [{"segs": [{"utf8": "hello "}, {"utf8": "world"}]}, {"segs": [{"utf8": "again"}]}]}',
     "hello world\nagain"),
    (b'{"events": "not a list"}', ""),
    (b"\xff\xfe\x00garbage", "\ufffd\ufffdgarbage"),
])
def test_subtitle_files_are_read_as_text(data, text):
    from archiver.media.transcripts import subtitle_text

    assert subtitle_text(data) == text


def test_an_answer_asked_without_yt_dlp_does_not_replace_its_video(platform, db_path):
    """archiver recheck asks the platforms without yt-dlp: the oEmbed preview must not take the video's place."""
    from archiver.http import utc_now
    from archiver.models import MediaItem, Post

    page = platform.url("/one")
    platform.routes["/one"] = Answer(body=f'<iframe src="https://www.youtube.com/embed/{YOUTUBE}"></iframe>'.encode())
    report, db = collect(platform, db_path, page)
    before = next(db["post_media"].rows_where("position = 0"))
    Store(db_path).upsert_post(Post("youtube", YOUTUBE, f"https://www.youtube.com/watch?v={YOUTUBE}", status="ok",
                                    text="Convoy", media=[MediaItem("thumbnail", "https://i.ytimg.com/vi/x/hq.jpg")]),
                               utc_now())
    after = next(db["post_media"].rows_where("position = 0"))
    assert after == before and after["kind"] == "video" and after["media_sha256"]


@pytest.mark.parametrize("video_id, words", [
    ("ge0Blocked1", "The uploader has not made this video available in your country"),
    ("ageGated001", "Sign in to confirm your age. This video may be inappropriate for some users."),
])
def test_walls_in_front_of_a_video_are_unavailable_in_the_platforms_words(platform, db_path, video_id, words):
    page = platform.url("/w")
    platform.routes["/w"] = Answer(body=f'<iframe src="https://www.youtube.com/embed/{video_id}"></iframe>'.encode())
    report, db = collect(platform, db_path, page)
    post = db["posts"].get(f"youtube:{video_id}")
    assert post["status"] == "unavailable" and post["status_detail"].startswith(f"yt-dlp: {words}")


def test_a_failed_video_download_is_tried_again_on_the_next_collect(platform, db_path, media_files):
    del platform.routes["/media/combined.mp4"]
    page = platform.url("/v")
    platform.routes["/v"] = Answer(body=b'<iframe src="https://player.vimeo.com/video/76979871"></iframe>')
    report, db = collect(platform, db_path, page)
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert (row["status"], row["attempts"]) == ("failed", 1) and "HTTP Error 404" in row["error"]
    platform.routes["/media/combined.mp4"] = Answer(body=media_files["combined.mp4"], content_type="video/mp4")
    report, db = collect(platform, db_path, page)
    row = next(db["post_media"].rows_where("kind = 'video'"))
    assert row["status"] == "done" and row["media_sha256"] and row["attempts"] == 2
