"""Collecting across machines: sources queued on a Redis broker, collected by any number of workers.

The queue is Dramatiq's (https://dramatiq.io) on Redis: a message is acknowledged only once its
source is collected, so the sources a worker had in hand when it died go back to the queue for
another worker (after Dramatiq's heartbeat timeout), and a SIGTERM lets a worker finish what it
holds and hand back what it had only prefetched. Each worker collects into an archive of its
own, with its own durable `sources` table (sourcequeue.py): a message delivered twice finds its
source done and is acknowledged without fetching anything. `archiver merge` brings the
workers' archives together.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import urlsplit

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from .http import env_number
from .collect import CollectReport, Collector, SourceResult, collector_threads
from .perthread import PerThread
from .sourcequeue import SourceQueue

QUEUE = "archiver-collect"
ACTOR = "collect_source"
NAMESPACE = "archiver"  # the prefix of every Redis key archiver's queue uses
BROKER_SCHEMES = ("redis", "rediss", "unix")
# A worker not heard from for this long is taken for dead, and the sources it held go back to the
# queue (ARCHIVER_WORKER_HEARTBEAT_TIMEOUT, seconds). Dramatiq looks for dead workers on a random
# share of its commands; one in 20 here (one in a thousand by default), so that their sources come
# back within seconds of the timeout rather than minutes.
DEFAULT_HEARTBEAT_TIMEOUT = 60
MAINTENANCE_CHANCE = 50_000  # in a million commands
MAX_RETRIES = 3  # a source whose collection raises (not one whose page fails: that is recorded) is retried
TIME_LIMIT_MS = 3 * 3600 * 1000  # a page with long videos takes long; its fetches have their own deadlines


class BrokerError(Exception):
    """The broker URL is not usable; the message says why, for the command line."""


def open_broker(url: str) -> RedisBroker:
    """A connected broker for url (redis://HOST:PORT/DB, rediss://… or unix:///path.sock)."""
    parts = urlsplit(url)
    if parts.scheme not in BROKER_SCHEMES:
        raise BrokerError(f"{url!r}: expected redis://HOST:PORT/DB, rediss://… or unix:///PATH.sock")
    heartbeat = env_number("ARCHIVER_WORKER_HEARTBEAT_TIMEOUT", DEFAULT_HEARTBEAT_TIMEOUT)
    broker = RedisBroker(url=url, namespace=NAMESPACE, heartbeat_timeout=int(heartbeat * 1000),
                         maintenance_chance=MAINTENANCE_CHANCE)
    try:
        broker.client.ping()
    except Exception as exc:  # redis-py's connection errors, and a wrong password or database
        raise BrokerError(f"cannot reach the broker at {_without_password(url)}: {exc}") from None
    broker.declare_queue(QUEUE)
    return broker


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()
    return url


def enqueue(broker: RedisBroker, sources: Iterable[str], *, refresh: bool = False) -> int:
    """Queue each source once for the workers; how many were queued."""
    count = 0
    for source in dict.fromkeys(s for s in sources if s):
        broker.enqueue(dramatiq.Message(queue_name=QUEUE, actor_name=ACTOR, args=(source,),
                                        kwargs={"refresh": refresh}, options={}))
        count += 1
    return count


def waiting(broker: RedisBroker) -> int:
    """Sources queued or in a worker's hands, not yet done."""
    return broker.do_qsize(QUEUE)


@dataclass
class WorkerRun:
    """What one worker did, for its summary."""

    report: CollectReport = field(default_factory=lambda: CollectReport(keep_results=False))
    already_done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class CollectWorker:
    """Takes sources from the broker and collects each into this worker's archive.

    threads: sources collected at once (each thread has its own collector; the per-host limits,
    the circuit breaker and the media claims are the worker's, across its threads).
    burst: stop once the queue is empty (everything queued is done, by this worker or others).
    """

    def __init__(self, broker: RedisBroker, collector: Collector, *, threads: int = 4, burst: bool = False,
                 progress: Callable[[SourceResult], None] = lambda result: None):
        self.broker = broker
        self.collector = collector
        self.threads = threads
        self.burst = burst
        self.progress = progress
        self.run_state = WorkerRun()
        self.stopping = threading.Event()
        self._collectors = collector_threads(collector)
        self._queues = PerThread(lambda: SourceQueue(self._collectors.mine().store.db))

    def collect_source(self, source: str, refresh: bool = False) -> None:
        """The actor: one message, one source."""
        collector, queue = self._collectors.mine(), self._queues.mine()
        if not queue.plan([source], refresh=refresh).todo:  # a second delivery: done already
            with self.run_state.lock:
                self.run_state.already_done += 1
            return
        result = collector.collect_page(source)
        queue.finished(result.source, error=result.error, page_id=result.page_id)
        with self.run_state.lock:
            self.run_state.report.add(result)
        self.progress(result)

    def run(self) -> WorkerRun:
        """Work until SIGTERM or SIGINT (or, with burst, an empty queue); finish what is in hand."""
        dramatiq.Actor(self.collect_source, broker=self.broker, actor_name=ACTOR, queue_name=QUEUE,
                       priority=0, options={"max_retries": MAX_RETRIES, "time_limit": TIME_LIMIT_MS})
        worker = dramatiq.Worker(self.broker, worker_threads=self.threads)
        # Take no more than it can start: a source prefetched by one worker waits while another idles.
        worker.queue_prefetch = self.threads
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        worker.start()
        try:
            if self.burst:
                threading.Thread(target=self._stop_when_empty, daemon=True).start()
            self.stopping.wait()
        finally:
            worker.stop()  # the threads finish their sources; prefetched ones go back to the queue
            self._collectors.close()
            self.collector.discovery.close()
            self.collector.video.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self.run_state

    def _on_signal(self, signum, frame) -> None:
        """The first SIGTERM or Ctrl-C: finish what is in hand. The second: stop at once (the
        sources in hand go back to the queue after the heartbeat timeout; nothing is half-stored)."""
        if self.stopping.is_set():
            print("archiver: stopped", file=sys.stderr, flush=True)
            os._exit(130)
        print("archiver: stopping: the sources in hand are finished first; Ctrl-C again stops at once",
              file=sys.stderr, flush=True)
        self.stopping.set()

    def _stop_when_empty(self, interval: float = 0.5) -> None:
        while not self.stopping.is_set():
            if waiting(self.broker) == 0:
                self.stopping.set()
                return
            self.stopping.wait(interval)


def worker_summary(run: WorkerRun, given_up: Iterable[str] = ()) -> str:
    line = run.report.summary(given_up)
    if run.already_done:
        line += f"; {run.already_done} source(s) were done already"
    return line
