"""yt-dlp's requests, under the archiver's own rules.

yt-dlp sends every request through a "request director" of request handlers
(yt_dlp.networking). The archiver gives its YoutubeDL one handler only, a
subclass of yt-dlp's own requests-based handler whose session is mounted with
the archiver's FetchAdapter: every URL yt-dlp fetches (pages, APIs, formats,
fragments, subtitles, each redirect hop) is read the way urllib3 reads it,
resolved once, refused when an address is not public, and connected to the
address checked, exactly like the Fetcher's own requests (see http.py).
Offline (ARCHIVER_OFFLINE=1) nothing leaves this machine. With a proxy the
address is checked here and the proxy connects.

A byte budget counts what a download reads, across all its formats and
fragments: over the media size cap the download stops with SizeCapExceeded.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from yt_dlp.networking._requests import RequestsRH
from yt_dlp.networking.exceptions import RequestError

from ..http import AddressGuard, FetchAdapter, RefusedAddress, check_on_this_machine, read_target


class SizeCapExceeded(Exception):
    """A download read more bytes than the media size cap allows."""

    def __init__(self, cap: int, read: int):
        super().__init__(f"over the size cap of {cap} bytes (stopped after {read} bytes, nothing kept)")
        self.cap, self.read = cap, read


class TooSlow(SizeCapExceeded):
    """A download (or an extraction) went on longer than its deadline allows: a server trickling its answer."""

    def __init__(self, seconds: float, read: int):
        Exception.__init__(self, f"sent too slowly: stopped after {seconds:.0f} s ({read} bytes, nothing kept)")
        self.cap, self.read = None, read


class ByteBudget:
    """Bytes a download may still read, and by when; shared by every response of that download.

    Like the Fetcher's deadline: `deadline` seconds, plus one second per `min_rate` bytes received,
    so a big video arriving at least that fast is never cut (checked as each read returns; a read
    itself waits at most yt-dlp's socket timeout)."""

    def __init__(self, cap: int, deadline: Optional[float] = None, min_rate: Optional[float] = None):
        self.cap = cap
        self.read = 0
        self.deadline, self.min_rate = deadline, min_rate
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def spend(self, count: int) -> None:
        with self._lock:
            self.read += count
            if self.read > self.cap:
                raise SizeCapExceeded(self.cap, self.read)
            if self.deadline is not None:
                elapsed = time.monotonic() - self.started
                allowed = self.deadline + (self.read / self.min_rate if self.min_rate else 0)
                if elapsed > allowed:
                    raise TooSlow(elapsed, self.read)


@dataclass
class NetworkPolicy:
    """What yt-dlp may reach: the Fetcher's rules, and the running download's byte budget."""

    allow_private: bool = False
    offline: bool = False
    guard: AddressGuard = field(default_factory=AddressGuard)
    budget: Optional[ByteBudget] = None
    refused: list = field(default_factory=list)  # what the guard refused, for the error line
    proxy: Optional[str] = None

    def check(self, url: str) -> None:
        try:
            if self.offline and not self._proxy_on_this_machine():
                check_on_this_machine(url)
            if not self.allow_private:
                read_target(url)  # refuse URLs that read two ways before anything rewrites them
        except RefusedAddress as exc:
            self.refused.append(str(exc))
            raise


    def _proxy_on_this_machine(self) -> bool:
        """Offline, a proxy on this machine may be asked for anything: nothing leaves through us."""
        if not self.proxy:
            return False
        try:
            check_on_this_machine(self.proxy)
            return True
        except RefusedAddress:
            return False


class GuardedAdapter(FetchAdapter):
    """FetchAdapter (pinned, checked connections), also for each redirect hop; through a
    proxy when one is configured, after the same check of the address."""

    def __init__(self, policy: NetworkPolicy, **kwargs):
        self.policy = policy
        super().__init__(None if policy.allow_private else policy.guard, **kwargs)

    def send(self, request, *args, **kwargs):
        self.policy.check(request.url)
        return super().send(request, *args, **kwargs)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        if select_proxy(request.url, proxies):
            if self.guard is not None:
                try:
                    self.guard.target(request.url)
                except RefusedAddress as exc:
                    self.policy.refused.append(str(exc))
                    raise
            return HTTPAdapter.get_connection_with_tls_context(self, request, verify, proxies=proxies, cert=cert)
        try:
            return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        except RefusedAddress as exc:
            self.policy.refused.append(str(exc))
            raise


class GuardedRH(RequestsRH):
    """yt-dlp's requests handler with the archiver's adapter; `policy` is set on a subclass per run."""

    policy: NetworkPolicy = NetworkPolicy()

    def _create_instance(self, cookiejar, legacy_ssl_support=None):
        session = super()._create_instance(cookiejar, legacy_ssl_support=legacy_ssl_support)
        adapter = GuardedAdapter(self.policy)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def _send(self, request):
        try:
            self.policy.check(request.url)
            response = super()._send(request)
        except RefusedAddress as exc:
            raise RequestError(str(exc)) from None
        budget = self.policy.budget
        if budget is not None:
            read = response.read

            def counted(amt=None):
                data = read(amt)
                budget.spend(len(data))
                return data

            response.read = counted
        return response


def handler_for(policy: NetworkPolicy) -> type:
    """A handler class bound to this policy (yt-dlp builds handlers from classes)."""
    return type("ArchiverGuardedRH", (GuardedRH,), {"policy": policy})
