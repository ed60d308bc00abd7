"""Media benchmarks, each against a baseline measured in the same run.

Images: per-image processing (SHA-256, type check, verify, EXIF, thumbnail, perceptual
hash) against Pillow's own decode + thumbnail of the same images, as a ratio.

Video: archiving a big local video (default 1 GB) the two ways archiver fetches
videos: through yt-dlp (a post of a video platform, replayed by an extractor plugin:
video-only and audio-only formats downloaded and merged by ffmpeg) and directly (a
single-file video URL, as X and Telegram give). Reported: the peak RSS of the
archiving process (and of the ffmpeg/ffprobe it runs), and the time spent beyond
the download itself, the baseline being a plain streamed download of the same bytes
from the same local server.

    python benchmarks/media.py [COUNT] [--video-mb MB] [--no-video] [--no-images]

The images are drawn here: camera-sized JPEGs with EXIF (GPS, time, camera),
phone-screenshot PNGs, and small web JPEGs as a CDN serves them. The video is made
here with ffmpeg (incompressible noise, so the size is real) and kept in the
temporary directory for the next run.
"""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from PIL import Image, ImageDraw  # noqa: E402
from PIL.TiffImagePlugin import IFDRational  # noqa: E402

from archiver.media.image import THUMBNAIL_SIZE, describe_image  # noqa: E402


def draw(size, seed):
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    pen = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (seed * 131 + i * 977) % size[0], (seed * 71 + i * 631) % size[1]
        r = 10 + (seed + i * 37) % (min(size) // 6)
        pen.ellipse((x - r, y - r, x + r, y + r), fill=((seed * 40 + i * 9) % 256, (i * 50) % 256, (seed * 7) % 256))
    return image


def camera_exif(seed):
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS 5D"
    exif.get_ifd(0x8769)[0x9003] = "2023:05:22 10:11:12"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (IFDRational(50), IFDRational(seed % 60), IFDRational(1234, 100))
    gps[3], gps[4] = "E", (IFDRational(36), IFDRational(35), IFDRational(0))
    return exif


def make_images(count):
    images = []
    for seed in range(count):
        out = io.BytesIO()
        draw((4000, 3000), seed).save(out, "JPEG", quality=88, exif=camera_exif(seed))
        images.append(("camera JPEG 4000x3000 + EXIF", out.getvalue()))
        out = io.BytesIO()
        draw((1170, 2532), seed).save(out, "PNG", compress_level=6)
        images.append(("screenshot PNG 1170x2532", out.getvalue()))
        out = io.BytesIO()
        draw((1200, 675), seed).save(out, "JPEG", quality=80)
        images.append(("web JPEG 1200x675", out.getvalue()))
    return images


def pillow_baseline(data):
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))


def archiver_processing(data):
    hashlib.sha256(data).hexdigest()
    info = describe_image(data)
    assert info.status == "ok", info.error


def timed_pair(items, repeat=5):
    """Best of `repeat` for the baseline and for archiver, alternated so that load on the machine hits both."""
    best = {pillow_baseline: float("inf"), archiver_processing: float("inf")}
    for _ in range(repeat):
        for fn in best:
            start = time.perf_counter()
            for data in items:
                fn(data)
            best[fn] = min(best[fn], time.perf_counter() - start)
    return best[pillow_baseline], best[archiver_processing]


def image_benchmark(count):
    images = make_images(count)
    print(f"{len(images)} images, {sum(len(d) for _, d in images) / 1e6:.1f} MB; best of 5 alternated runs; "
          f"Pillow {Image.__version__}")
    kinds = sorted({kind for kind, _ in images})
    total_base = total_ours = 0.0
    for kind in kinds + ["all"]:
        items = [d for k, d in images if kind in (k, "all")]
        if kind == "all":
            base, ours = total_base, total_ours
        else:
            base, ours = timed_pair(items)
            total_base, total_ours = total_base + base, total_ours + ours
        print(f"{kind:32} Pillow decode+thumbnail {1000 * base / len(items):7.1f} ms/image   "
              f"archiver {1000 * ours / len(items):7.1f} ms/image   ratio {ours / base:.2f}x")


# -- video ------------------------------------------------------------------------------

BENCH_PLUGIN = """
import json, os
from yt_dlp.extractor.youtube import YoutubeIE


class BenchYoutubeIE(YoutubeIE, plugin_name="archiver_bench"):
    def _real_initialize(self):
        pass

    def _real_extract(self, url):
        return json.loads(os.environ["ARCHIVER_BENCH_INFO"])
"""


def make_video(megabytes: int) -> tuple:
    """(video-only mp4 of about `megabytes`, audio-only m4a, single-file mp4 of both), cached."""
    import tempfile

    folder = os.path.join(tempfile.gettempdir(), f"archiver-bench-video-{megabytes}")
    os.makedirs(folder, exist_ok=True)
    video, audio, both = (os.path.join(folder, n) for n in ("video.mp4", "audio.m4a", "both.mp4"))
    if all(os.path.exists(p) for p in (video, audio, both)):
        return video, audio, both
    run = lambda *a: subprocess.run(["ffmpeg", "-v", "error", "-y", *a], check=True)  # noqa: E731
    segment, parts = os.path.join(folder, "segment.mp4"), os.path.join(folder, "parts.txt")
    # 10 s of 720p noise at 80 Mbit/s: about 100 MB that no encoder can shrink.
    run("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=10", "-vf", "noise=alls=60:allf=t",
        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "80M", "-maxrate", "80M", "-bufsize", "80M",
        "-pix_fmt", "yuv420p", segment)
    copies = max(1, round(megabytes * 1024 * 1024 / os.path.getsize(segment)))
    with open(parts, "w") as f:
        f.write(f"file '{segment}'\n" * copies)
    run("-f", "concat", "-safe", "0", "-i", parts, "-c", "copy", video)
    seconds = 10 * copies
    run("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-b:a", "64k", audio)
    run("-i", video, "-i", audio, "-c", "copy", "-map", "0:v:0", "-map", "1:a:0", both)
    os.unlink(segment)
    os.unlink(parts)
    return video, audio, both


def serve_folder(folder: str):
    """A real HTTP server in another process, streaming the files from disk."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def plain_download(urls, folder) -> float:
    """The baseline: the same bytes streamed to a file with requests, nothing else."""
    import requests

    start = time.perf_counter()
    for i, url in enumerate(urls):
        with requests.get(url, stream=True) as response, open(os.path.join(folder, f"plain{i}"), "wb") as out:
            for chunk in response.iter_content(1 << 20):
                out.write(chunk)
    elapsed = time.perf_counter() - start
    for i in range(len(urls)):
        os.unlink(os.path.join(folder, f"plain{i}"))
    return elapsed


def child_archive(way: str, base: str, folder: str) -> None:
    """In a child process (its peak RSS is measured alone): archive one post's video, print the time."""
    import json

    from archiver.http import BodyStore, Fetcher, utc_now
    from archiver.media.collector import collect_media
    from archiver.media.ytdlp import VideoOptions, VideoSource
    from archiver.models import MediaItem, Post
    from archiver.store import Store

    store = Store(os.path.join(folder, "archive.db"))
    fetcher = Fetcher(bodies=BodyStore(store.bodies_dir), record=store.record_capture, allow_private=True)
    video = None
    if way == "yt-dlp":
        url = "https://www.youtube.com/watch?v=benchVideo1"
        plugins = os.path.join(folder, "plugins", "bench", "yt_dlp_plugins", "extractor")
        os.makedirs(plugins, exist_ok=True)
        with open(os.path.join(plugins, "archiver_bench.py"), "w") as f:
            f.write(BENCH_PLUGIN)
        os.environ["ARCHIVER_BENCH_INFO"] = json.dumps({
            "id": "benchVideo1", "title": "bench", "webpage_url": url, "formats": [
                {"format_id": "137", "url": f"{base}/video.mp4", "ext": "mp4", "protocol": "http",
                 "vcodec": "avc1.64001f", "acodec": "none", "width": 1280, "height": 720},
                {"format_id": "140", "url": f"{base}/audio.m4a", "ext": "m4a", "protocol": "http",
                 "vcodec": "none", "acodec": "mp4a.40.2"}]})
        video = VideoSource(fetcher, VideoOptions(plugin_dirs=(os.path.join(folder, "plugins"),)))
        item = MediaItem("video", url, via="yt-dlp")
    else:
        item = MediaItem("video", f"{base}/both.mp4")
    store.upsert_post(Post("youtube" if video else "x", "1", "https://example.invalid/1", status="ok",
                           media=[item]), utc_now())
    start = time.perf_counter()
    report = collect_media(store, fetcher, video=video)
    elapsed = time.perf_counter() - start
    row = next(store.db["post_media"].rows_where("kind = 'video'"))
    assert report.failed == 0 and row["status"] in ("done", "partial"), row["error"]
    size = store.db["media"].get(row["media_sha256"])["size"]
    print(json.dumps({"seconds": elapsed, "size": size}))


def measure(way: str, base: str, folder: str) -> dict:
    """Run one archiving in a child process; its time and peak RSS (with the ffmpeg it ran)."""
    import json
    import shutil
    import tempfile

    work = tempfile.mkdtemp(dir=folder)
    env = {**os.environ, "ARCHIVER_MEDIA_MAX_BYTES": str(8 << 30), "ARCHIVER_OFFLINE": "1"}
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", way, base, work],
                             stdout=subprocess.PIPE, env=env)
    out = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    shutil.rmtree(work, ignore_errors=True)
    if status != 0:
        raise SystemExit(f"the {way} run failed")
    result = json.loads(out)
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    return result


def video_benchmark(megabytes: int) -> None:
    import shutil
    import tempfile

    if not shutil.which("ffmpeg"):
        print("video: skipped (ffmpeg is not installed)")
        return
    video, audio, both = make_video(megabytes)
    folder = os.path.dirname(video)
    server, base = serve_folder(folder)
    scratch = tempfile.mkdtemp()
    try:
        size = (os.path.getsize(video) + os.path.getsize(audio)) / 1e6
        print(f"\nvideo: {size:.0f} MB (720p video-only {os.path.getsize(video) / 1e6:.0f} MB + audio), "
              "served from another process on 127.0.0.1")
        for way, urls in (("yt-dlp", [f"{base}/video.mp4", f"{base}/audio.m4a"]), ("direct", [f"{base}/both.mp4"])):
            plain = plain_download(urls, scratch)
            ours = measure(way, base, scratch)
            print(f"{way:7} plain download {plain:6.1f} s   archiver {ours['seconds']:6.1f} s   "
                  f"beyond the download {ours['seconds'] - plain:6.1f} s   "
                  f"peak RSS {ours['peak_rss_mb']:6.0f} MB (aim: under 200)   kept {ours['size'] / 1e6:.0f} MB")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    args = sys.argv[1:]
    if args[:1] == ["--child"]:
        child_archive(*args[1:4])
        return
    megabytes = 1024
    if "--video-mb" in args:
        megabytes = int(args[args.index("--video-mb") + 1])
        del args[args.index("--video-mb"):args.index("--video-mb") + 2]
    numbers = [a for a in args if a.isdigit()]
    if "--no-images" not in args:
        image_benchmark(int(numbers[0]) if numbers else 24)
    if "--no-video" not in args:
        video_benchmark(megabytes)


if __name__ == "__main__":
    main()
