"""Search under load: 50 concurrent clients against `archiver serve` on a big archive.

    python benchmarks/load.py [--posts 1000000] [--dir DIR] [--clients 50] [--seconds 20]

Builds (or reuses) the synthetic archive of benchmarks/search.py, serves it with
uvicorn as `archiver serve` does, and keeps N clients busy with one kind of
request at a time, with `hey` (apt-get install hey). Then it mixes them: a
post page and a rare-term search while most clients search a common term.
Prints requests per second, p50 and p99 latency and any answer that was not 200. Goals: p99 under 1 s for post pages and rare terms, under
2 s for common terms, and no 500.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from search import TERMS, synthetic_archive  # noqa: E402  (benchmarks/search.py)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(db_path: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "serve", "--db", str(db_path), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/-/versions.json")
            if connection.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start: " + proc.stderr.read().decode(errors="replace")[-2000:])


def hey(url: str, clients: int, seconds: float) -> subprocess.Popen:
    return subprocess.Popen(["hey", "-z", f"{seconds:.0f}s", "-c", str(clients), url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def summary(output: str) -> str:
    """Requests per second, p50, p99 and the answers that were not 200, from hey's report."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"50%+ in ([\d.]+) secs", output)
    p99 = re.search(r"99%+ in ([\d.]+) secs", output) or re.search(r"Slowest:\s+([\d.]+) secs", output)
    codes = dict(re.findall(r"\[(\d+)\]\s+(\d+) responses", output))
    errors = re.search(r"Error distribution:\n(.+)", output, re.S)
    bad = {code: int(n) for code, n in codes.items() if code != "200"}
    if not (rate and p50 and p99):
        return "no answer: " + output.strip()[-300:]
    return (f"{float(rate[1]):7.1f} req/s  p50 {float(p50[1]) * 1000:6.0f} ms  p99 {float(p99[1]) * 1000:6.0f} ms  "
            + (f"not 200: {bad}" if bad else "all 200") + (f"; errors: {errors[1].strip()[:200]}" if errors else ""))


def run(title: str, loads: list[tuple[str, str, int]], seconds: float) -> None:
    """Several hey runs at once: (what, url, clients) each."""
    print(title)
    running = [(what, hey(url, clients, seconds)) for what, url, clients in loads]
    for what, proc in running:
        output, _ = proc.communicate()
        print(f"  {what:24} {summary(output)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--dir", help="Keep the built archive here (and reuse it next time).")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    db_path = synthetic_archive(args.dir, args.posts)
    if not shutil.which("hey"):
        raise SystemExit("needs hey, the HTTP load generator: apt-get install hey")
    rare, common = list(TERMS)[0], list(TERMS)[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    post = f"{base}/-/post/x~3A{args.posts // 2}"
    rare_url, common_url = f"{base}/-/search?q={quote(rare)}", f"{base}/-/search?q={quote(common)}"
    proc = serve(db_path, port)
    try:
        print(f"{args.posts:,} posts, {args.clients} clients, {args.seconds:.0f} s a scenario")
        run("post page alone", [("post page", post, args.clients)], args.seconds)
        run(f"rare term ({rare}) alone", [("rare term", rare_url, args.clients)], args.seconds)
        run(f"common term ({common}) alone", [("common term", common_url, args.clients)], args.seconds)
        share = max(args.clients // 10, 1)
        run("common term searched while others read posts and search a rare term",
            [("common term", common_url, args.clients - 2 * share), ("post page", post, share),
             ("rare term", rare_url, share)], args.seconds)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
