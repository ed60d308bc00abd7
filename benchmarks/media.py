"""Per-image processing (SHA-256, type check, verify, EXIF, thumbnail, perceptual hash) against
Pillow's own decode + thumbnail of the same images, as a ratio from one run.

    python benchmarks/media.py [COUNT]     # default: 24 images of each kind

The images are drawn here: camera-sized JPEGs with EXIF (GPS, time, camera),
phone-screenshot PNGs, and small web JPEGs as a CDN serves them.
"""
from __future__ import annotations

import hashlib
import io
import os
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


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 24
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


if __name__ == "__main__":
    main()
