"""Where a collection's CPU goes, per page: an in-process Collector over the fake web of
collectsites.py (no latency: only CPU is measured), profiled with cProfile on the thread's CPU
clock, one page at a time.

    python benchmarks/collectprofile.py [--pages 200] [--top 20]

Discovery normally runs in a child process, which cProfile would not see: here the same
functions run in this process (prescan.refusal, then discover_document). The share of each kind
of work (image decoding and thumbnails, hashing, SQLite, parsing, HTTP, JSON, disk) is the self
time of the functions that do it; the entry points' cumulative times say the same per stage.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("ARCHIVER_OFFLINE", "1")
os.environ.setdefault("ARCHIVER_RATES", "x=none")  # X's request quota is not CPU

from archiver.collect import Collector  # noqa: E402
from archiver.discover import prescan  # noqa: E402
from archiver.discover.document import discover_document  # noqa: E402
from archiver.endpoints import Endpoints  # noqa: E402
from archiver.store import Store  # noqa: E402
from collectsites import FakeWeb  # noqa: E402

# (kind of work, test on a profile entry's file name and function name), first match wins.
KINDS = [
    ("disk sync (fsync)", lambda file, name: "fsync" in name),
    ("SQLite commit", lambda file, name: "sqlite3" in name and "commit" in name),
    ("SQLite statements", lambda file, name: "sqlite3" in name or "sqlite_utils" in file),
    ("image decode, thumbnail, dHash (Pillow)", lambda file, name: "/PIL/" in file or "Imaging" in name
        or "archiver/media/image" in file or "archiver/media/phash" in file or "archiver/media/exif" in file),
    ("hashing (SHA-256)", lambda file, name: "_hashlib" in name or "hashlib" in file),
    ("HTML parsing and discovery", lambda file, name: "selectolax" in name or "selectolax" in file
        or "archiver/discover/" in file),
    ("HTTP (requests, urllib3, sockets)", lambda file, name: any(part in file for part in (
        "/requests/", "/urllib3/", "http/client", "/socket.py", "/ssl.py", "/email/"))
        or any(part in name for part in ("socket", "_ssl", "select.", "poll"))),
    ("JSON", lambda file, name: "/json/" in file or "_json" in name),
    # requests reads the proxy variables for every request (trust_env): os.environ walked each time.
    ("environment lookups (proxy settings per request)", lambda file, name: "<frozen os>" in file
        or "getproxies" in name or "proxy_bypass" in name),
    ("file I/O", lambda file, name: any(part in name for part in ("io.", "posix.", "'open'", "builtins.open"))
        or "/shutil.py" in file or "/tempfile.py" in file or "/pathlib.py" in file),
    ("rate limits and host gate", lambda file, name: "pyrate_limiter" in file or "archiver/ratelimits" in file
        or "archiver/hostgate" in file or "threading.py" in file),
    ("archiver's own Python (store, platforms, pipeline)", lambda file, name: "/archiver/" in file),
]
# Stages: the entry points of the pipeline and of the expensive steps, by (file ending, function).
STAGES = [
    ("a page, whole (fetch, discover, resolve, store, media)", "archiver/collect.py", "collect_page"),
    ("  a page without its media", "archiver/collect.py", "collect_one"),
    ("  fetch the page", "archiver/collect.py", "_read"),
    ("  discover (prescan + parse)", "benchmarks/collectprofile.py", "discover"),
    ("  resolve posts (API request, parse JSON)", "archiver/resolve.py", "resolve_embed"),
    ("  store posts", "archiver/collect.py", "_store_post"),
    ("  media, whole", "archiver/media/collector.py", "run"),
    ("    download", "archiver/media/collector.py", "fetch"),
    ("    verify, describe, thumbnail, dHash (Pillow)", "archiver/media/image.py", "describe_image"),
    ("      thumbnail's WebP encoding", "PIL/Image.py", "save"),
    ("      dHash", "archiver/media/phash.py", "dhash"),
    ("every HTTP request", "archiver/http.py", "fetch"),
    ("every capture recorded", "archiver/store.py", "record_capture"),
    ("every body stored", "archiver/http.py", "put"),
]


class InProcessDiscovery:
    """What BudgetedDiscovery does, in this process, so the profile sees the parse."""

    def __init__(self, limits, linked: bool = False):
        self.limits, self.linked = limits, linked

    def discover(self, text: str, base_url=None):
        prescan.refusal(text)
        return discover_document(text, base_url, linked=self.linked, max_embeds=self.limits.embeds_per_page)

    def close(self) -> None:
        pass


def kind_of(file: str, name: str) -> str:
    for kind, test in KINDS:
        if test(file, name):
            return kind
    return "other (Python's own library, interpreter)"


def profile(pages: int) -> tuple[pstats.Stats, float, float]:
    """(the profile, CPU seconds of this thread, wall seconds) of collecting `pages` pages."""
    web = FakeWeb(latency=0).start()
    urls = web.articles(pages)
    with tempfile.TemporaryDirectory(prefix="archiver-profile-") as tmp:
        collector = Collector(Store(Path(tmp) / "archive.db"), endpoints=Endpoints([f"x={web.api.base}"]),
                              allow_private=True)
        collector.discovery.close()
        collector.discovery = InProcessDiscovery(collector.limits)
        profiler = cProfile.Profile(time.thread_time)  # this thread's CPU: the servers' threads are not counted
        cpu, wall = time.thread_time(), time.perf_counter()
        profiler.enable()
        report = collector.collect(urls)
        profiler.disable()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        if len(report.succeeded) != pages or report.media.done < 2 * pages:
            raise SystemExit(f"the run did not collect everything: {report.summary()}")
        print(report.summary())
    web.stop()
    return pstats.Stats(profiler), cpu, wall


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    stats, cpu, wall = profile(args.pages)
    entries = stats.stats  # (file, line, name) -> (calls, primitive calls, tottime, cumtime, callers)
    total = sum(entry[2] for entry in entries.values())
    print(f"\n{args.pages} pages: {cpu:.2f} s CPU in the collecting thread ({cpu / args.pages * 1000:.1f} ms per page; "
          f"profiled, so slower than a real run), wall {wall:.1f} s")

    by_kind: dict[str, float] = {}
    for (file, _line, name), entry in entries.items():
        kind = kind_of(file, name)
        by_kind[kind] = by_kind.get(kind, 0.0) + entry[2]
    print("\nkind of work (self time)                              ms/page   share")
    for kind, seconds in sorted(by_kind.items(), key=lambda item: -item[1]):
        print(f"  {kind:52s} {seconds / args.pages * 1000:6.1f}  {seconds / total:6.1%}")

    print("\nstage (cumulative time)                               ms/page   share")
    for label, file_end, function in STAGES:
        found = [entry for (file, _line, name), entry in entries.items()
                 if file.endswith(file_end) and name == function]
        seconds = sum(entry[3] for entry in found)
        if not found:  # the pipeline changed under this list
            print(f"  {label:52s}      -")
            continue
        print(f"  {label:52s} {seconds / args.pages * 1000:6.1f}  {seconds / total:6.1%}")

    print(f"\ntop {args.top} functions by self time")
    ranked = sorted(entries.items(), key=lambda item: -item[1][2])[:args.top]
    for (file, line, name), entry in ranked:
        where = name if file == "~" else f"{_short(file)}:{line} {name}"
        print(f"  {entry[2] / args.pages * 1000:6.2f} ms/page {entry[2] / total:6.1%}  {entry[0]:7d} calls  {where}")
    return 0


def _short(file: str) -> str:
    for marker in ("site-packages/", "/lib/python3"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file.replace(str(HERE.parent) + "/", "")


if __name__ == "__main__":
    sys.exit(main())
