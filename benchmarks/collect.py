"""Whole runs at network speed: pages per minute with --concurrency 1 and N, against a local server
that answers every page after a fixed latency, as a news site far away would.

    python benchmarks/collect.py [--pages 60] [--latency 0.1] [--concurrency 8]

Each page embeds two posts, resolved on the same server (without latency). The per-host limit is
raised to the concurrency: here one host stands for many sites.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ.setdefault("ARCHIVER_OFFLINE", "1")

from archiver.collect import Collector  # noqa: E402
from archiver.endpoints import Endpoints  # noqa: E402
from archiver.store import Store  # noqa: E402
from server import FIXTURES, Answer, TestServer  # noqa: E402  (the tests' local HTTP server)


def run(server, urls, workers: int, latency: float) -> float:
    db = Path(tempfile.mkdtemp(prefix="archiver-bench-")) / "archive.db"
    collector = Collector(Store(db), endpoints=Endpoints([f"x={server.base}"]), allow_private=True)
    collector.fetcher.gate.per_host = max(workers, 2)
    start = time.perf_counter()
    report = collector.collect(urls, concurrency=workers)
    elapsed = time.perf_counter() - start
    assert len(report.succeeded) == len(urls), report.summary()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    server = TestServer().start()
    page = (FIXTURES / "pages" / "two-tweets.html").read_bytes()
    urls = []
    for n in range(args.pages):
        server.routes[f"/article{n}"] = Answer(body=page, delay=args.latency)
        urls.append(server.url(f"/article{n}"))
    server.syndication({})
    slow = run(server, urls, 1, args.latency)
    fast = run(server, urls, args.concurrency, args.latency)
    print(f"{args.pages} pages, {args.latency * 1000:.0f} ms per request:")
    print(f"  --concurrency 1   {slow:6.1f} s  {args.pages / slow * 60:6.0f} pages/min")
    print(f"  --concurrency {args.concurrency:<3} {fast:6.1f} s  {args.pages / fast * 60:6.0f} pages/min"
          f"  ({slow / fast:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
