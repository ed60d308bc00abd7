"""Discovery of a hostile page under a CPU-time budget.

lexbor cannot be interrupted from Python while it parses, so discovery runs in a child
process the kernel stops when it has used its CPU seconds (RLIMIT_CPU: whole seconds,
counted per page), with a wall-clock stop in the parent for a child that hangs. One child
serves every page of a run (a process per page would cost more than discovering a
normal page); a child that is stopped is replaced for the next page.

Before the child sees a page, prescan.refusal() turns away the markup known to take lexbor
minutes. A page refused, over budget or whose child died gets a problem saying so, and
the post URLs of its raw text (fallback.py) as linked posts.
"""
from __future__ import annotations

import math
import multiprocessing
import signal
from typing import Optional

from ..models import Discovery, Limits
from . import fallback, prescan

try:
    import resource
except ImportError:  # not POSIX: the wall-clock stop alone bounds discovery
    resource = None

# The parent's wall-clock stop, for a child that waits instead of computing (or a busy machine).
WALL_FACTOR, WALL_EXTRA = 4, 10.0


def _context():
    # fork: the child starts in milliseconds with discovery already imported, and runs only
    # discovery (no lock of the parent's threads or database is touched). spawn and forkserver
    # would run `python -m archiver`'s main module again in the child.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _limit_memory(megabytes: int) -> None:
    """At most `megabytes` of address space beyond what the child has now (a forked child starts
    with its parent's mappings): a page built to make lexbor allocate without end fails there
    (MemoryError, or the child ends) instead of taking the machine's memory."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):  # no /proc: the CPU budget alone bounds discovery
        return
    current = pages * resource.getpagesize()
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    soft = current + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _serve(conn, parent_end, cpu_seconds: float, memory_mb: int = 0) -> None:
    """The child: discover each page sent, under a CPU limit that starts afresh for each page, and
    a memory limit."""
    from .document import discover_document

    if parent_end is not None:  # forked with a copy of the parent's end: closed, so the parent's close ends us
        parent_end.close()
    # Ctrl-C reaches the terminal's whole process group, and a service manager's SIGTERM may too: the
    # parent decides when discovery ends (it closes the pipe), so the page in hand is not lost to them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # stopped by SIGXCPU: no core file
        signal.signal(signal.SIGXCPU, signal.SIG_DFL)
        if memory_mb:
            _limit_memory(memory_mb)
    while True:
        try:
            text, base_url, linked, max_embeds = conn.recv()
        except (EOFError, OSError):
            return
        if resource is not None:
            used = resource.getrusage(resource.RUSAGE_SELF)
            cpu = used.ru_utime + used.ru_stime
            soft = max(math.floor(cpu) + 1, round(cpu + cpu_seconds))  # whole seconds, nearest to the budget
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
        try:
            answer = discover_document(text, base_url, linked=linked, max_embeds=max_embeds)
        except MemoryError:
            answer = f"discovery stopped: over its memory budget of {memory_mb} MB (ARCHIVER_DISCOVERY_MEMORY_MB)"
        except Exception as exc:  # noqa: BLE001 - reported as the page's problem, the run goes on
            answer = f"{exc.__class__.__name__}: {exc}"[:300]
        conn.send(answer)


class BudgetedDiscovery:
    """discover(text, base_url) for a run: pre-scan, then discovery in a child under a CPU budget."""

    def __init__(self, limits: Limits = Limits(), *, linked: bool = False):
        self.limits = limits
        self.linked = linked
        self._child = None
        self._conn = None

    def discover(self, text: str, base_url: Optional[str] = None) -> Discovery:
        reason = prescan.refusal(text)
        if reason:
            return self._fallback(text, f"not parsed: {reason}")
        answer = self._run(text, base_url)
        if isinstance(answer, Discovery):
            return answer
        return self._fallback(text, answer)

    def close(self) -> None:
        if self._child is not None and self._conn is not None:
            self._conn.close()
            self._child.join(timeout=5)
            if self._child.is_alive():
                self._child.kill()
                self._child.join()
            self._child = self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- internals ------------------------------------------------------------
    def _run(self, text: str, base_url: Optional[str]):
        """A Discovery, or a one-line reason why there is none."""
        budget = self.limits.discovery_cpu_seconds
        if self._child is None:
            self._start()
        try:
            self._conn.send((text, base_url, self.linked, self.limits.embeds_per_page))
            if self._conn.poll(budget * WALL_FACTOR + WALL_EXTRA):
                return self._conn.recv()
            reason = f"discovery stopped: it took longer than {budget * WALL_FACTOR + WALL_EXTRA:g} s"
        except (EOFError, OSError):  # the child died: the kernel stopped it, or it crashed
            reason = None
        self._stop()
        code = self._last_exit
        if reason is None and code == -getattr(signal, "SIGXCPU", 0):
            reason = f"discovery stopped: over its CPU budget of {budget:g} s (ARCHIVER_DISCOVERY_CPU_SECONDS)"
        elif reason is None:
            reason = f"discovery failed: its process ended with status {code}"
        return reason

    def _start(self) -> None:
        ctx = _context()
        parent, child = ctx.Pipe()
        forked = ctx.get_start_method() == "fork"
        self._child = ctx.Process(target=_serve, args=(child, parent if forked else None,
                                                       self.limits.discovery_cpu_seconds,
                                                       self.limits.discovery_memory_mb),
                                  daemon=True, name="archiver-discovery")
        self._child.start()
        child.close()
        self._conn = parent

    def _stop(self) -> None:
        self._child.join(timeout=1)  # a child the kernel stopped is already gone: keep its exit status
        if self._child.is_alive():
            self._child.kill()
            self._child.join()
        self._last_exit = self._child.exitcode
        self._conn.close()
        self._child = self._conn = None

    def _fallback(self, text: str, reason: str) -> Discovery:
        found = fallback.scan_post_urls(text, limit=self.limits.embeds_per_page)
        note = f"; {len(found)} post URL(s) taken from its raw text" if found else ""
        return Discovery(embeds=found, problems=[reason + note])
