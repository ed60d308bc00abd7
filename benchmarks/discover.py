"""Discovery throughput over a folder of saved pages, against the raw selectolax (lexbor)
parse of the same text and a BeautifulSoup baseline, as ratios from one run.

Each timing is the best of five runs, each starting with empty URL caches; the parse and
discovery runs alternate, so that a busy spell on the machine weighs on both alike.
Discovery includes its own parse, so "2x the raw parse" means everything else costs one
more parse.
ARCHIVER_PURE_PYTHON_DISCOVERY=1 measures the path without the C prefilter.

    python benchmarks/discover.py [FOLDER]     # default: ../shared/corpus/pages
"""
from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from archiver.discover import discover_document, prefilter  # noqa: E402
from archiver.platforms import clear_caches  # noqa: E402
from archiver.textdecode import decode_document  # noqa: E402


def load(folder):
    texts = []
    for name in sorted(os.listdir(folder)):
        if name.endswith((".html", ".htm")):
            with open(os.path.join(folder, name), "rb") as f:
                texts.append(decode_document(f.read())[0])
    return texts


def run(fn, texts):
    clear_caches()  # each run starts cold: no URL matched in an earlier run
    start = time.perf_counter()
    for text in texts:
        fn(text)
    return time.perf_counter() - start


def timed(fn, texts, repeat=5):
    return min(run(fn, texts) for _ in range(repeat))


def timed_together(fns, texts, repeat=5):
    """The best time of each function, their runs alternating."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            best[k] = min(best[k], run(fn, texts))
    return best


def bs4_baseline(text):
    """What a generic archiver does: parse with BeautifulSoup, read blockquotes and iframe srcs."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    return [q.get("class") for q in soup.find_all("blockquote")] + [f.get("src") for f in soup.find_all("iframe")]


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "corpus", "pages")
    if not os.path.isdir(folder):
        print(f"no pages at {folder}; pass a folder of .html files")
        return 0
    texts = load(folder)
    if not texts:
        print(f"no .html files in {folder}")
        return 0
    mb = sum(len(t.encode("utf-8", "replace")) for t in texts) / 1e6
    parse, discover = timed_together([LexborHTMLParser, lambda t: discover_document(t, None)], texts)
    try:
        soup = timed(bs4_baseline, texts, repeat=1)
    except ImportError:
        soup = None
    found = sum(len(discover_document(t, None).embeds) for t in texts)
    print(f"{len(texts)} pages, {mb:.1f} MB, {found} embeds; element prefilter: "
          f"{'C' if prefilter.ENABLED else 'off (every element walked in Python)'}")
    print(f"raw lexbor parse   {parse:7.3f} s  {mb / parse:7.1f} MB/s")
    print(f"discover_document  {discover:7.3f} s  {mb / discover:7.1f} MB/s  "
          f"= {discover / parse:.2f}x the raw parse")
    if soup is not None:
        print(f"BeautifulSoup      {soup:7.3f} s  {mb / soup:7.1f} MB/s  "
              f"(discover is {soup / discover:.1f}x faster than html.parser + find_all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
