"""Whole collection runs as a user meets them: `python -m archiver collect` as a subprocess, with its
default options, against ten news sites, X's API and a media host on loopback addresses, every
request 100 ms away (see collectsites.py).

    python benchmarks/collect.py [--pages 500] [--latency 0.1] [--baseline-pages 100]
                                 [--try-concurrency N...] [--kills 10] [--kill-pages 200] [--seed N]
                                 [--worker-pages 100] [--rss [--sizes 100 500 2000]]
                                 [--only speed,kills,workers,rss] [--rate x=none]

Measures, each with a PASS or FAIL line (the exit status is 1 when one fails):
- speed: wall time against the sum of every request's latency (what a client asking one
  request at a time would wait); the aim is 6x or more. Also the floor the per-host limits
  put under the wall time (the busiest host's requests, --per-host at a time for a site,
  --per-platform-host for the API and media), and a
  --concurrency 1 run as the baseline. X's request quota is lifted (--rate): it would
  measure the quota, not the collector;
- politeness: the most requests each host had in flight at once, within --per-host (sites)
  or --per-platform-host (the API and media);
- CPU time per page and peak RSS of the child (from os.wait4); with --rss, the peak RSS
  for each of --sizes pages, which should stay flat;
- kills: the run killed with SIGKILL at --kills random moments and started again each time,
  then run to the end: every page collected once, every source done, PRAGMA integrity_check
  ok, `archiver verify` exits 0, and no source (nor media file) that was done when a run was
  killed was requested again afterwards;
- workers: two `archiver worker` processes on a real Redis until every source is done,
  SIGTERM, `archiver merge` (twice), against one `archiver collect` of the same sources.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from collectsites import FakeWeb  # noqa: E402

SPEED_AIM = 6.0  # sequential ideal / wall time, with the default options
RSS_GROWTH_ALLOWED = 1.5  # peak RSS at the largest size against the smallest
MEASURES = ("speed", "kills", "workers", "rss")


# -- running the command line ----------------------------------------------------------------
@dataclass
class Run:
    status: Optional[int]  # exit status; None when this script killed it
    wall: float
    cpu: float  # user + sys of the child and the processes it waited for
    max_rss_mb: float
    started: float  # time.monotonic()
    ended: float
    log: Path
    orphans: int = 0  # processes of the run still alive after its main process was killed

    @property
    def killed(self) -> bool:
        return self.status is None


def archiver_command(*args) -> list:
    return [sys.executable, "-m", "archiver", *map(str, args)]


def child_env() -> dict:
    # Nothing beyond this machine: only the endpoints pointed at the fake web are asked.
    return {**os.environ, "ARCHIVER_OFFLINE": "1"}


def run(command: list, log: Path, kill_after: Optional[float] = None) -> Run:
    """Run `command` to its end (or SIGKILL its main process after kill_after seconds, as `kill -9`
    would); its resource use from wait4. The run gets a session of its own so that anything it
    leaves behind can be found and stopped."""
    with open(log, "ab") as out:
        started = time.monotonic()
        child = subprocess.Popen(command, stdout=out, stderr=out, env=child_env(), cwd=ROOT,
                                 start_new_session=True)
    deadline = None if kill_after is None else started + kill_after
    killed = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG if deadline else 0)
        if pid:
            break
        if time.monotonic() >= deadline:
            os.kill(child.pid, signal.SIGKILL)
            killed, deadline = True, None
            continue
        time.sleep(0.02)
    ended = time.monotonic()
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
    return Run(status=None if killed and child.returncode == -signal.SIGKILL else child.returncode,
               wall=ended - started, cpu=usage.ru_utime + usage.ru_stime, max_rss_mb=usage.ru_maxrss / 1024,
               started=started, ended=ended, log=log, orphans=stop_leftovers(child.pid))


def stop_leftovers(session: int) -> int:
    """How many processes of the run's session still run two seconds after it ended; they are killed.
    (A child that ended with it stays a zombie until init reaps it: that is not one.)"""
    deadline = time.monotonic() + 2.0
    while True:
        left = [pid for pid in _pids() if _session_of(pid) == session and _state(pid) not in (None, "Z")]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(left)


def _pids() -> list:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _state(pid: int) -> Optional[str]:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0]
    except OSError:
        return None


def _session_of(pid: int) -> Optional[int]:
    try:
        return os.getsid(pid)
    except (ProcessLookupError, PermissionError):
        return None


def collect_command(list_file: Path, db: Path, web: FakeWeb, *options) -> list:
    return archiver_command("collect", "--from", list_file, "--db", db, "--allow-private",
                            *web.endpoint_options(), *options)


def command_defaults() -> dict:
    """The defaults of `archiver collect` (--concurrency, --per-host, --per-platform-host) as the command line
    has them now (a platform host takes --per-host requests at once where there is no --per-platform-host)."""
    from archiver.cli import cli

    names = ("concurrency", "per_host", "per_platform_host")
    defaults = {p.name: p.default for p in cli.commands["collect"].params if p.name in names}
    defaults.setdefault("per_platform_host", defaults["per_host"])
    return defaults


def host_limit(host: str, defaults: dict) -> int:
    """Requests at once the defaults allow to one of the fake web's hosts (sites, or the platform's API and media)."""
    return defaults["per_host"] if host.startswith("site") else defaults["per_platform_host"]


def collect_accepts(option: str) -> bool:
    from archiver.cli import cli

    return any(option in p.opts for p in cli.commands["collect"].params)


def x_rate_per_second() -> Optional[float]:
    """X's default request rate (requests per second), or None when it has none."""
    try:
        from archiver.ratelimits import DEFAULT_LIMITS, parse_rate
    except ImportError:
        return None
    limit = DEFAULT_LIMITS.get("x")
    rate = parse_rate(limit.rate) if limit else None
    return rate.limit / (rate.interval / 1000) if rate else None


def has_commands(*names) -> bool:
    from archiver.cli import cli

    return all(name in cli.commands for name in names)


# -- results -------------------------------------------------------------------------------
@dataclass
class Verdicts:
    failed: list = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str) -> None:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")
        if not ok:
            self.failed.append(name)

    @staticmethod
    def skip(name: str, why: str) -> None:
        print(f"  SKIP  {name}: {why}")


class Workdir:
    def __init__(self, root: Path):
        self.root = root

    def fresh(self, name: str) -> Path:
        """An empty directory for one archive (its database, files and logs)."""
        path = self.root / name
        path.mkdir()
        return path


def write_list(directory: Path, urls: list) -> Path:
    path = directory / "sources.txt"
    path.write_text("".join(f"{url}\n" for url in urls), encoding="utf-8")
    return path


def show_log_tail(log: Path, lines: int = 8) -> None:
    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    for line in tail:
        print(f"        | {line}")


# -- speed, politeness, CPU and memory --------------------------------------------------------------
@dataclass
class Measured:
    pages: int
    run: Run
    requests: dict  # host name -> requests it answered during the run
    most_in_flight: dict  # host name -> the most it had in flight at once
    posts: dict  # status -> posts

    @property
    def request_count(self) -> int:
        return sum(self.requests.values())


def measured_collect(web: FakeWeb, workdir: Workdir, name: str, pages: int, *options) -> Measured:
    directory = workdir.fresh(name)
    list_file = write_list(directory, web.articles(pages))
    web.reset_peaks()
    result = run(collect_command(list_file, directory / "archive.db", web, *options), directory / "collect.log")
    statuses = post_statuses(directory / "archive.db")
    seen = web.requests_since(result.started)
    return Measured(pages, result, {host: len(urls) for host, urls in seen.items()},
                    {host.name: host.log.most_in_flight for host in web.hosts}, statuses)


def post_statuses(db: Path) -> dict:
    if not db.exists():
        return {}
    with sqlite3.connect(db) as conn:
        found = dict(conn.execute("select status, count(*) from posts group by status").fetchall())
    conn.close()
    return found


@dataclass
class Pace:
    """How fast a run went against what its requests cost."""

    wall: float
    ideal: float  # the sum of every request's latency: a client asking one at a time
    floor: float  # the least wall time the per-host limit (or X's rate limit) allows
    floor_set_by: str

    @property
    def ratio(self) -> float:
        return self.ideal / self.wall


def pace_of(measured: Measured, web: FakeWeb, args, defaults: dict) -> Pace:
    def floor_of(host: str) -> float:
        return measured.requests[host] * args.latency / host_limit(host, defaults)

    busiest = max(measured.requests, key=floor_of)
    floor, set_by = floor_of(busiest), f"{busiest}, {host_limit(busiest, defaults)} at a time"
    api_calls = measured.requests[web.api.name]
    if args.x_rate and api_calls / args.x_rate > floor:
        floor, set_by = api_calls / args.x_rate, f"X's rate limit, {args.x_rate * 60:g}/min"
    return Pace(measured.run.wall, measured.request_count * args.latency, floor, set_by)


def describe(label: str, measured: Measured, pace: Pace) -> None:
    pages = measured.pages
    sites = sum(n for host, n in measured.requests.items() if host.startswith("site"))
    others = ", ".join(f"{host} {n}" for host, n in measured.requests.items() if not host.startswith("site"))
    print(f"    {label}: {measured.request_count} requests (sites {sites}, {others})")
    print(f"        wall {pace.wall:.1f} s, {pages / pace.wall * 60:.0f} pages/min: {pace.ratio:.1f}x the sequential "
          f"ideal of {pace.ideal:.1f} s; floor {pace.floor:.1f} s ({pace.floor_set_by}: at best "
          f"{pace.ideal / pace.floor:.1f}x)")
    print(f"        CPU {measured.run.cpu:.1f} s (user+sys), {measured.run.cpu / pages * 1000:.0f} ms per page; "
          f"peak RSS {measured.run.max_rss_mb:.0f} MB; posts " +
          ", ".join(f"{n} {status}" for status, n in sorted(measured.posts.items())))
    print("        most in flight: " + ", ".join(f"{host} {n}" for host, n in measured.most_in_flight.items()))


def measure_speed(web: FakeWeb, workdir: Workdir, args, defaults: dict, verdicts: Verdicts) -> Optional[float]:
    """Seconds of wall time per page with the defaults (for the kills to aim at), or None."""
    print(f"\nspeed: {args.pages} pages, {args.latency * 1000:.0f} ms per request")
    default = measured_collect(web, workdir, "speed-defaults", args.pages, *args.extra)
    if default.run.status != 0:
        verdicts.check("speed", False, f"archiver collect exited with {default.run.status}")
        show_log_tail(default.run.log)
        return None
    pace = pace_of(default, web, args, defaults)
    describe(f"defaults (--concurrency {defaults['concurrency']}, --per-host {defaults['per_host']}, "
             f"--per-platform-host {defaults['per_platform_host']})", default, pace)
    verdicts.check("every post resolved", default.posts.get("ok", 0) == 2 * args.pages,
                   f"{default.posts.get('ok', 0)} of {2 * args.pages} posts ok")
    verdicts.check("speed", pace.ratio >= SPEED_AIM,
                   f"{pace.ratio:.1f}x the sequential ideal (aim {SPEED_AIM:g}x); {pace.floor / pace.wall:.0%} of "
                   "the floor's pace")
    over = {host: n for host, n in default.most_in_flight.items() if n > host_limit(host, defaults)}
    sites = max(n for host, n in default.most_in_flight.items() if host.startswith("site"))
    platform = max(n for host, n in default.most_in_flight.items() if not host.startswith("site"))
    verdicts.check("per-host limit", not over,
                   f"at most {sites} request(s) at once to a site (limit {defaults['per_host']}), {platform} to a "
                   f"platform host (limit {defaults['per_platform_host']})" + (f"; over: {over}" if over else ""))
    baseline = [] if defaults["concurrency"] == 1 or not args.baseline_pages else [1]
    if defaults["concurrency"] == 1:
        print("        (the defaults are --concurrency 1: this run is the baseline too)")
    for concurrency in baseline + [j for j in args.try_concurrency if j != defaults["concurrency"]]:
        pages = args.baseline_pages if concurrency == 1 else args.pages
        other = measured_collect(web, workdir, f"speed-j{concurrency}", pages, "--concurrency", concurrency,
                                 *args.extra)
        if other.run.status != 0:
            print(f"    --concurrency {concurrency}: exited with {other.run.status}")
            show_log_tail(other.run.log)
            continue
        describe(f"--concurrency {concurrency}, {pages} pages", other, pace_of(other, web, args, defaults))
        print(f"        the defaults went {args.pages / pace.wall / (pages / other.run.wall):.2f}x its pages/min")
    return pace.wall / args.pages


def measure_rss(web: FakeWeb, workdir: Workdir, args, verdicts: Verdicts) -> None:
    print(f"\nmemory: peak RSS of archiver collect (defaults) for {', '.join(map(str, args.sizes))} pages")
    peaks = {}
    for size in args.sizes:
        result = measured_collect(web, workdir, f"rss-{size}", size, *args.extra)
        if result.run.status != 0:
            verdicts.check("peak RSS", False, f"{size} pages: archiver collect exited with {result.run.status}")
            show_log_tail(result.run.log)
            return
        peaks[size] = result.run.max_rss_mb
        print(f"        {size:6d} pages: peak RSS {result.run.max_rss_mb:5.0f} MB, wall {result.run.wall:.1f} s, "
              f"CPU {result.run.cpu / size * 1000:.0f} ms/page")
    smallest, largest = peaks[min(peaks)], peaks[max(peaks)]
    verdicts.check("peak RSS flat", largest <= smallest * RSS_GROWTH_ALLOWED,
                   f"{largest / smallest:.2f}x from {min(peaks)} to {max(peaks)} pages "
                   f"(allowed {RSS_GROWTH_ALLOWED:g}x)")


# -- kill -9 and start again ------------------------------------------------------------------
def done_so_far(db: Path) -> tuple:
    """(sources done, media URLs done) as the archive has them now."""
    with sqlite3.connect(db) as conn:
        sources = {row[0] for row in conn.execute("select source from sources where state = 'done'")}
        media = {row[0] for row in conn.execute("select source_url from post_media where status = 'done'")}
    conn.close()
    return sources, media


def measure_kills(web: FakeWeb, workdir: Workdir, args, seconds_per_page: float, verdicts: Verdicts) -> None:
    directory = workdir.fresh("kills")
    urls = web.articles(args.kill_pages)
    list_file, db = write_list(directory, urls), directory / "archive.db"
    command = collect_command(list_file, db, web, *args.extra)
    expected = seconds_per_page * args.kill_pages
    rng = random.Random(args.seed)
    print(f"\nkill -9: {args.kill_pages} pages, killed at {args.kills} random moments (seed {args.seed}), "
          "then run to the end")
    marks, orphans, landed = [], 0, 0  # marks: (moment, sources done, media done) after each kill
    for n in range(args.kills):
        delay = rng.uniform(0.3, 1.0 + 2 * expected / (args.kills + 1))
        result = run(command, directory / "collect.log", kill_after=delay)
        orphans += result.orphans
        if not result.killed:
            print(f"        run {n + 1}: ended by itself (status {result.status}) before its kill at {delay:.1f} s")
            break
        landed += 1
        sources, media = done_so_far(db) if db.exists() else (set(), set())
        marks.append((time.monotonic(), sources, media))
        print(f"        run {n + 1}: killed after {delay:.1f} s; {len(sources)} source(s), {len(media)} media done")
    last = run(command, directory / "collect.log")
    orphans += last.orphans
    print(f"        last run: {last.wall:.1f} s, status {last.status}")
    verdicts.check("kills landed", landed == args.kills, f"{landed} of {args.kills} kills hit a running collect")
    verdicts.check("last run", last.status == 0, f"exit status {last.status}")
    if last.status != 0:
        show_log_tail(last.log)
    check_archive(db, len(urls), verdicts)
    refetched = refetched_after_done(web, marks)
    verdicts.check("nothing done fetched again", not refetched["sources"],
                   f"{len(refetched['sources'])} done source(s) requested again after a restart"
                   + (f", e.g. {sorted(refetched['sources'])[0]}" if refetched["sources"] else ""))
    verdicts.check("no done media fetched again", not refetched["media"],
                   f"{len(refetched['media'])} done media file(s) requested again after a restart")
    verdicts.check("nothing left running", orphans == 0, f"{orphans} process(es) outlived a killed collect")


def refetched_after_done(web: FakeWeb, marks: list) -> dict:
    found = {"sources": set(), "media": set()}
    for moment, sources, media in marks:
        asked = {url for urls in web.requests_since(moment).values() for url in urls}
        found["sources"] |= asked & sources
        found["media"] |= asked & media
    return found


def check_archive(db: Path, pages: int, verdicts: Verdicts) -> None:
    with sqlite3.connect(db) as conn:
        count = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        rows = {table: count(f"select count(*) from {table}") for table in ("pages", "embeds", "posts", "sources")}
        done = count("select count(*) from sources where state = 'done'")
        media_done = count("select count(*) from post_media where status = 'done'")
        integrity = conn.execute("pragma integrity_check").fetchone()[0]
    conn.close()
    verdicts.check("every page once", rows["pages"] == rows["sources"] == pages == done,
                   f"{rows['pages']} pages, {rows['sources']} sources ({done} done) for {pages} given")
    verdicts.check("no duplicate rows", rows["embeds"] == rows["posts"] == 2 * pages == media_done,
                   f"{rows['embeds']} embeds, {rows['posts']} posts, {media_done} photos done for {2 * pages} posts")
    check_integrity(db, verdicts, integrity)


def check_integrity(db: Path, verdicts: Verdicts, integrity: Optional[str] = None) -> None:
    """PRAGMA integrity_check and `archiver verify` on the archive."""
    if integrity is None:
        with sqlite3.connect(db) as conn:
            integrity = conn.execute("pragma integrity_check").fetchone()[0]
        conn.close()
    verdicts.check("integrity_check", integrity == "ok", integrity)
    verify = subprocess.run(archiver_command("verify", "--db", db), env=child_env(), cwd=ROOT,
                            capture_output=True, text=True)
    verdicts.check("archiver verify", verify.returncode == 0,
                   f"exit status {verify.returncode}" + (f": {verify.stdout.strip()[-200:]}" if verify.returncode else ""))


# -- two workers on Redis, merged ---------------------------------------------------------------
def measure_workers(web: FakeWeb, workdir: Workdir, args, verdicts: Verdicts) -> None:
    """TWO WORKERS ON A REAL REDIS BROKER, THEN MERGE, COMPARED WITH A SINGLE-PROCESS ARCHIVE.

    `archiver enqueue` the sources, two `archiver worker`s (defaults) collect them until every source is
    done in one of their archives, SIGTERM ends them, `archiver merge` brings their archives together
    (twice: the second must change nothing), and the result must hold the same pages, embeds, posts
    and media as one `archiver collect` of the same sources. Skipped with a note until the commands
    exist."""
    print(f"\nworkers: {args.worker_pages} pages, two `archiver worker`s on Redis, merged, against one "
          "`archiver collect`")
    if not has_commands("enqueue", "worker", "merge"):
        verdicts.skip("workers", "`archiver enqueue`, `worker` and `merge` do not exist yet")
        return
    if not Path(REDIS_SERVER).exists():
        verdicts.skip("workers", f"no {REDIS_SERVER} on this machine")
        return
    directory = workdir.fresh("workers")
    urls = web.articles(args.worker_pages)
    list_file = write_list(directory, urls)
    single = run(collect_command(list_file, directory / "single.db", web, *args.extra), directory / "single.log")
    with redis_server(directory) as broker:
        enqueued = subprocess.run(archiver_command("enqueue", "--broker", broker, "--from", list_file),
                                  env=child_env(), cwd=ROOT, capture_output=True, text=True)
        if enqueued.returncode != 0:
            verdicts.check("workers", False, f"archiver enqueue exited with {enqueued.returncode}: "
                                             f"{enqueued.stderr.strip()[-300:]}")
            return
        started = time.monotonic()
        web.reset_peaks()
        workers = [start_worker(broker, directory / f"worker{n}", web, args) for n in (1, 2)]
        finished = wait_until_done([db for _process, db in workers], len(urls), timeout=args.worker_timeout)
        took = time.monotonic() - started
        statuses = [stop_worker(process) for process, _db in workers]
    print(f"        one collect {single.wall:.1f} s; two workers {took:.1f} s until every source was done "
          f"({'all' if finished else 'NOT all'} of {len(urls)}); most in flight to one host: "
          f"{max(host.log.most_in_flight for host in web.hosts)} (--per-host counts per process)")
    verdicts.check("workers collected everything", finished, f"within {args.worker_timeout:g} s")
    verdicts.check("workers stop on SIGTERM", statuses == [0, 0], f"exit statuses {statuses}")
    merged = directory / "merged.db"
    merge = [archiver_command("merge", merged, *[db for _process, db in workers])] * 2
    results = [subprocess.run(command, env=child_env(), cwd=ROOT, capture_output=True, text=True)
               for command in merge[:1]]
    first = archive_contents(merged)
    results.append(subprocess.run(merge[1], env=child_env(), cwd=ROOT, capture_output=True, text=True))
    verdicts.check("archiver merge", all(r.returncode == 0 for r in results),
                   f"exit statuses {[r.returncode for r in results]}" +
                   "".join(f": {r.stderr.strip()[-200:]}" for r in results if r.returncode))
    again = archive_contents(merged)
    verdicts.check("merging again changes nothing", again == first, difference(first, again))
    alone = archive_contents(directory / "single.db")
    verdicts.check("merged = one process", again == alone, difference(alone, again))
    check_integrity(merged, verdicts)


REDIS_SERVER = "/usr/bin/redis-server"


class redis_server:  # noqa: N801  (a context manager, read as a function)
    """A throwaway Redis on a free port, nothing written to disk; its URL."""

    def __init__(self, directory: Path):
        self.directory = directory

    def __enter__(self) -> str:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(self.directory)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return f"redis://127.0.0.1:{port}/0"
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not answer on port {port}")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


def start_worker(broker: str, name: Path, web: FakeWeb, args) -> tuple:
    db = name.with_suffix(".db")
    log = open(name.with_suffix(".log"), "ab")
    command = archiver_command("worker", "--broker", broker, "--db", db, "--allow-private",
                               *web.endpoint_options(), *args.extra)
    process = subprocess.Popen(command, stdout=log, stderr=log, env=child_env(), cwd=ROOT, start_new_session=True)
    log.close()
    return process, db


def wait_until_done(dbs: list, count: int, timeout: float) -> bool:
    """Whether every one of `count` sources is done in one of the workers' archives within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = set()
        for db in dbs:
            try:
                done |= done_so_far(db)[0] if db.exists() else set()
            except sqlite3.Error:  # a worker still creating its schema
                pass
        if len(done) >= count:
            return True
        time.sleep(0.5)
    return False


def stop_worker(process: subprocess.Popen) -> Optional[int]:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None


def archive_contents(db: Path) -> dict:
    """What an archive holds, by what things are (URLs, ids, hashes), not by row numbers."""
    if not db.exists():
        return {}
    queries = {
        "pages": "select url from pages",
        "embeds": "select p.url, e.position, e.post_id from embeds e join pages p on p.id = e.page_id",
        "posts": "select id, status, text, account_id from posts",
        "media": "select sha256 from media",
        "post_media": "select post_id, position, kind, media_sha256, status from post_media",
        "accounts": "select id, avatar_sha256 from accounts",
        "sources": "select source, state from sources",
    }
    with sqlite3.connect(db) as conn:
        found = {name: sorted(map(tuple, conn.execute(sql).fetchall())) for name, sql in queries.items()}
    conn.close()
    return found


def difference(expected: dict, got: dict) -> str:
    if expected == got:
        return "the same " + ", ".join(f"{len(rows)} {name}" for name, rows in expected.items())
    return "; ".join(f"{name}: {len(expected.get(name, []))} against {len(got.get(name, []))}"
                     + (f" (e.g. {sorted(set(expected.get(name, [])) ^ set(got.get(name, [])))[0]})"
                        if set(expected.get(name, [])) ^ set(got.get(name, [])) else "")
                     for name in expected if expected.get(name) != got.get(name))


# -- main -----------------------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="pages of the speed run (default 500)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds every request waits (default 0.1)")
    parser.add_argument("--baseline-pages", type=int, default=100,
                        help="pages of the --concurrency 1 baseline (default 100; 0: none)")
    parser.add_argument("--try-concurrency", type=int, nargs="*", default=[], metavar="N",
                        help="also run the speed measure with these --concurrency values (figures only)")
    parser.add_argument("--kills", type=int, default=10, help="kill -9 moments (default 10)")
    parser.add_argument("--kill-pages", type=int, default=200, help="pages of the kill run (default 200)")
    parser.add_argument("--seed", type=int, default=None, help="for the kill moments (default: random)")
    parser.add_argument("--worker-pages", type=int, default=100, help="pages for the two workers (default 100)")
    parser.add_argument("--worker-timeout", type=float, default=300, help="seconds the workers get (default 300)")
    parser.add_argument("--rss", action="store_true", help="also measure peak RSS for each of --sizes")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--rate", default="x=none",
                        help="rate limits for every run, as ARCHIVER_RATES or --rate reads them (default x=none: "
                             "X's quota left out of the measure; '' for the defaults)")
    parser.add_argument("--only", default=None, help=f"comma-separated measures among {', '.join(MEASURES)}")
    args = parser.parse_args(argv)
    args.seed = random.randrange(1 << 30) if args.seed is None else args.seed
    chosen = set((args.only or "speed,kills,workers").split(",")) | ({"rss"} if args.rss else set())
    unknown = chosen - set(MEASURES)
    if unknown:
        parser.error(f"unknown measure(s): {', '.join(sorted(unknown))}")
    args.measures = chosen
    return args


def lift_rate_limit(args) -> None:
    """X's request quota left out of the measure (--rate, default x=none), so that the runs measure the
    pipeline: through ARCHIVER_RATES, or --rate when archiver collect has it. When neither is there, X's
    default limit holds: said, and the runs are made short enough to stay within a few minutes under
    it (each page asks X twice)."""
    args.extra = []
    rate = args.x_rate = x_rate_per_second()  # X's requests per second in force during the runs
    if args.rate and (collect_accepts("--rate") or reads_rates_variable()):
        os.environ["ARCHIVER_RATES"] = args.rate  # the children inherit it
        args.extra = ["--rate", args.rate] if collect_accepts("--rate") else []
        args.x_rate = None
        print(f"rate limits for every run: {args.rate} (" +
              (f"--rate {args.rate}" if args.extra else f"ARCHIVER_RATES={args.rate}") + ")")
        return
    if rate is None:
        return
    seconds_per_page = 2 / rate
    print(f"NOTE: X's default rate limit, {rate * 60:g} requests/min, holds: at least {seconds_per_page:g} s "
          "per page whatever the concurrency")
    for name, budget in (("pages", 120), ("kill_pages", 90), ("baseline_pages", 60)):
        most = int(budget / seconds_per_page)
        if getattr(args, name) > most:
            print(f"      --{name.replace('_', '-')} {getattr(args, name)} -> {most} ({budget} s under the limit)")
            setattr(args, name, most)


def reads_rates_variable() -> bool:
    try:
        from archiver.ratelimits import parse_rate_overrides  # noqa: F401  (ARCHIVER_RATES' reader)
    except ImportError:
        return False
    return True


def main(argv=None) -> int:
    args = parse_args(argv)
    defaults = command_defaults()
    lift_rate_limit(args)
    web = FakeWeb(args.latency).start()
    verdicts = Verdicts()
    with tempfile.TemporaryDirectory(prefix="archiver-bench-") as tmp:
        workdir = Workdir(Path(tmp))
        seconds_per_page = None
        if "speed" in args.measures:
            seconds_per_page = measure_speed(web, workdir, args, defaults, verdicts)
        if "kills" in args.measures:
            # Without a speed run, the pace of a sequential run: kills spread a little wider, no harm.
            seconds_per_page = seconds_per_page or 5 * args.latency
            measure_kills(web, workdir, args, seconds_per_page, verdicts)
        if "rss" in args.measures:
            measure_rss(web, workdir, args, verdicts)
        if "workers" in args.measures:
            measure_workers(web, workdir, args, verdicts)
    web.stop()
    print(f"\n{'FAIL: ' + ', '.join(verdicts.failed) if verdicts.failed else 'PASS: every measure'}")
    return 1 if verdicts.failed else 0


if __name__ == "__main__":
    sys.exit(main())
