"""One HTTP session for everything the archiver fetches.

Timeouts, a total deadline per fetch, retries with backoff, a body size cap, an
address guard for every URL the user did not give, and a record of every
response as evidence: the body stored by SHA-256 on disk and a Capture handed
to whoever records them.

The guard reads a URL's host exactly as urllib3 (which connects) reads it,
refuses URLs that parsers could read two ways, resolves the host once, checks
every address and then connects to the address it checked, so a name that
resolves differently a moment later (DNS rebinding) cannot slip through.
"""
from __future__ import annotations

import errno
import hashlib
import ipaddress
import json
import os
import re
import socket
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (ConnectTimeoutError, InvalidHeader, LocationParseError, MaxRetryError,
                                NewConnectionError)
from urllib3.poolmanager import SSL_KEYWORDS
from urllib3.util import parse_url
from urllib3.util.connection import create_connection
from urllib3.util.retry import Retry

from . import USER_AGENT
from .hostgate import DEFAULT_GIVE_UP_AFTER, HostGate
from .ratelimits import RateLimited, parse_rate_overrides
from .textdecode import decode_document

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
# Videos are the evidence too, and far larger than pages (ARCHIVER_MEDIA_MAX_BYTES overrides).
DEFAULT_MEDIA_MAX_BYTES = 300 * 1024 * 1024
DEFAULT_TIMEOUT = (10.0, 30.0)  # connect, read: each socket operation
# A whole fetch (every redirect and retry) ends after this many seconds, however
# the server trickles its answer (ARCHIVER_DEADLINE overrides).
DEFAULT_DEADLINE = 60.0
# Media may take longer: the deadline grows by one second per this many bytes
# received, so a big video arriving at least this fast is never cut
# (ARCHIVER_MEDIA_MIN_RATE overrides, in bytes per second).
DEFAULT_MEDIA_MIN_RATE = 100_000
CHUNK = 64 * 1024
MAX_REDIRECTS = 10
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 60.0


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


class RefusedAddress(Exception):
    """A URL the user did not give points at a non-public address, or could be read two ways."""


class DeadlineExceeded(Exception):
    """A fetch went on longer than its deadline (a server trickling its answer)."""


class DiskFull(OSError):
    """The disk filled up while a body or media file was written; its temporary file is removed."""

    def __init__(self, relative_name: str, code: int = errno.ENOSPC):
        super().__init__(code, f"disk full while writing {relative_name}: "
                               "free some space and run the same command again")
        self.relative_name = relative_name

    def __str__(self) -> str:
        return self.strerror


# ENOSPC: the file system is full; EDQUOT: the user's quota is.
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


@dataclass
class Capture:
    """One HTTP exchange, kept as evidence whether it succeeded or not."""

    url: str
    kind: str = "page"  # page, api, media
    method: str = "GET"
    final_url: Optional[str] = None
    status_code: Optional[int] = None
    content_type: Optional[str] = None
    headers: dict = field(default_factory=dict)
    request_headers: dict = field(default_factory=dict)
    sha256: Optional[str] = None
    size: Optional[int] = None
    fetched_at: str = field(default_factory=utc_now)
    error: Optional[str] = None
    redirects: list = field(default_factory=list)
    body: Optional[bytes] = field(default=None, repr=False)
    id: Optional[int] = None  # set once recorded

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    def json(self):
        """The body as JSON; ValueError with a clear message when it is not."""
        if not self.body:
            raise ValueError("empty body where JSON was expected")
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            kind = "HTML" if self.body.lstrip()[:1] == b"<" else "not JSON"
            raise ValueError(f"{kind} where JSON was expected ({exc.__class__.__name__})") from None


@dataclass
class Page:
    """A fetched page decoded to text, or why it could not be."""

    capture: Capture
    text: Optional[str] = None
    encoding: Optional[str] = None
    error: Optional[str] = None
    warning: Optional[str] = None

    @property
    def final_url(self) -> str:
        return self.capture.final_url or self.capture.url


@contextmanager
def written_in_full(tmp: Path, relative_name: str) -> Iterator[None]:
    """Remove the temporary file if writing it fails; a full disk becomes DiskFull naming the file."""
    try:
        yield
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in DISK_FULL_ERRNOS:
            raise DiskFull(relative_name, exc.errno) from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def temporary_name(final: Path) -> Path:
    """A hidden sibling name, unique per writer: a killed run leaves no partial file under `final`."""
    return final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def write_atomically(final: Path, data: bytes, relative_name: str, opener=None) -> None:
    """data into `final` through a temporary name and an atomic rename."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(final)
    with written_in_full(tmp, relative_name):
        with open(tmp, "xb", opener=opener) as out:
            out.write(data)
        os.replace(tmp, final)


class BodyStore:
    """Bodies on disk by SHA-256: <root>/ab/<sha256>. Identical bytes are stored once.

    opener: passed to open() for every file written (the standard hook; tests use
    it to put a real full device under a temporary file).
    """

    def __init__(self, root: Path, opener=None):
        self.root = Path(root)
        self.opener = opener

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def relative_name(self, path: Path) -> str:
        """A path as error texts show it: from the store's own directory name, never absolute."""
        return str(Path(self.root.name) / path.relative_to(self.root))

    def put(self, body: bytes) -> str:
        digest = hashlib.sha256(body).hexdigest()
        path = self.path_for(digest)
        if not path.exists():
            write_atomically(path, body, self.relative_name(path), self.opener)
        return digest

    def writer(self) -> "BodyWriter":
        return BodyWriter(self)

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()


class BodyWriter:
    """A body streamed to a temporary file, hashed as it comes; kept only when committed.

    Use as a context manager: leaving it without commit() removes the temporary file,
    so a body over the size cap, cut by the deadline or broken off leaves nothing.
    """

    def __init__(self, store: BodyStore):
        self.store = store
        self.size = 0
        self._hash = hashlib.sha256()
        store.root.mkdir(parents=True, exist_ok=True)
        self._tmp = temporary_name(store.root / "incoming")
        self._name = self.store.relative_name(self._tmp)
        with written_in_full(self._tmp, self._name):
            self._file = open(self._tmp, "xb", opener=store.opener)

    def write(self, chunk: bytes) -> None:
        with written_in_full(self._tmp, self._name):
            self._file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def commit(self) -> Optional[str]:
        """Move the bytes under their SHA-256 name; None (nothing kept) for an empty body."""
        digest = self._hash.hexdigest()
        final = self.store.path_for(digest)
        with written_in_full(self._tmp, self._name):
            self._file.close()
            if not self.size:
                self._tmp.unlink()
                return None
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._tmp, final)
        return digest

    def __enter__(self) -> "BodyWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self._file.close()
        except OSError:
            pass  # the write that failed has said why
        self._tmp.unlink(missing_ok=True)


class DigestOnly:
    """A BodyWriter's stand-in for a Fetcher without a body store: hashes and counts, keeps nothing."""

    def __init__(self):
        self.size = 0
        self._hash = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)

    def commit(self) -> Optional[str]:
        return self._hash.hexdigest() if self.size else None

    def __enter__(self) -> "DigestOnly":
        return self

    def __exit__(self, *exc_info) -> None:
        pass


def is_public_address(address: str) -> bool:
    """True for an address on the public internet, also looking inside IPv6 forms that carry an IPv4 one."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if any(inner is not None and not is_public_address(str(inner)) for inner in embedded):
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
                                 or ip.is_private or ip.is_unspecified)


# Characters that parsers disagree on: a backslash ends the host for urllib3 but not for
# urlsplit; whitespace and control characters are stripped by some and kept by others.
_AMBIGUOUS_CHARACTERS = re.compile(r"[\\\s\x00-\x1f\x7f]")
ALLOW_PRIVATE_HINT = "(use --allow-private or ARCHIVER_ALLOW_PRIVATE=1 to allow)"


@dataclass(frozen=True)
class Target:
    """Where a guarded request goes: the host and port as urllib3 reads them, and the address checked."""

    scheme: str
    host: str
    port: int
    address: Optional[str] = None


def read_target(url: str) -> Target:
    """The host and port urllib3 will connect to; RefusedAddress for a URL that reads two ways.

    Refused: backslashes, spaces and control characters, a user name or password,
    a percent-encoded host, and any URL whose host or port urlsplit reads differently.
    """
    if _AMBIGUOUS_CHARACTERS.search(url):
        raise RefusedAddress(f"refused: backslash, space or control character in {url[:200]!r}")
    try:
        parsed = parse_url(url)
        split = urlsplit(url)
        split_port = split.port
    except (LocationParseError, ValueError):
        raise RefusedAddress(f"refused: not a URL that reads one way: {url[:200]!r}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise RefusedAddress(f"refused: not an http(s) URL with a host: {url[:200]!r}")
    if parsed.auth is not None or "@" in split.netloc:
        raise RefusedAddress(f"refused: user name or password in {url[:200]!r}")
    if "%" in split.netloc:
        raise RefusedAddress(f"refused: percent-encoded host in {url[:200]!r}")
    host = parsed.host.strip("[]").lower()
    if _idna(split.hostname or "") != host or split_port != parsed.port:
        raise RefusedAddress(f"refused: host or port reads two ways in {url[:200]!r}")
    return Target(parsed.scheme, host, parsed.port or (443 if parsed.scheme == "https" else 80))


def _idna(host: str) -> str:
    """A host as urllib3 sends it (xn-- labels for non-ASCII names)."""
    try:
        return host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


Resolver = Callable[..., list]


class AddressGuard:
    """Checks where a URL the user did not give would connect, and pins that address.

    resolve: getaddrinfo by default; tests give another (no real DNS needed).
    is_allowed: which addresses pass; public ones by default.
    """

    def __init__(self, resolve: Optional[Resolver] = None, is_allowed: Callable[[str], bool] = is_public_address):
        self.resolve = resolve or socket.getaddrinfo
        self.is_allowed = is_allowed

    def target(self, url: str) -> Target:
        """The URL's target with the one address to connect to; RefusedAddress otherwise (DNS failure too)."""
        target = read_target(url)
        try:
            infos = self.resolve(target.host, target.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            infos = []
        addresses = [info[4][0] for info in infos]
        if not addresses:
            # Fail closed: a name that does not resolve here must not resolve differently later.
            raise RefusedAddress(f"could not resolve host {target.host} (DNS failure)")
        for address in addresses:
            if not self.is_allowed(address):
                raise RefusedAddress(f"refused: {target.host} resolves to non-public address {address} "
                                     f"{ALLOW_PRIVATE_HINT}")
        return Target(target.scheme, target.host, target.port, addresses[0])


def check_on_this_machine(url: str) -> None:
    """Raise RefusedAddress unless the URL names this machine literally (no DNS lookup)."""
    try:
        host = (parse_url(url).host or "").strip("[]").lower()  # the host urllib3 would connect to
    except LocationParseError:
        host = ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise RefusedAddress(f"not fetched: offline (ARCHIVER_OFFLINE=1) and {host or url!r} is not this machine")


def same_origin(url: str, other: str) -> bool:
    """Same scheme, host and port: a redirect that stays where the user pointed."""
    try:
        a, b = parse_url(url), parse_url(other)
    except LocationParseError:
        return False
    return (a.scheme, (a.host or "").lower(), a.port) == (b.scheme, (b.host or "").lower(), b.port)


# -- the fetch's deadline, and connections that keep it -------------------------------

_this_fetch = threading.local()  # the Deadline of the fetch running in this thread


class Deadline:
    """A fetch's whole time allowance. When it runs out, the sockets the fetch uses are
    shut down, which ends any read blocked on them: a per-read timeout alone lets a
    server sending a byte every few seconds hold a fetch forever."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = time.monotonic()
        self.ends = self.started + seconds
        self.expired = False
        self._sockets: list = []
        self._lock = threading.Lock()
        self._stopped = False
        self._timer: Optional[threading.Timer] = None

    def __enter__(self) -> "Deadline":
        _this_fetch.deadline = self
        self._arm()
        return self

    def __exit__(self, *exc_info) -> None:
        _this_fetch.deadline = None
        with self._lock:
            self._stopped = True
            self._sockets.clear()
            if self._timer:
                self._timer.cancel()

    def allow(self, seconds: float) -> None:
        """Let the fetch run until `seconds` after it started, if that is later (media growing)."""
        self.ends = max(self.ends, self.started + seconds)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def passed(self) -> bool:
        return self.expired or self.remaining() <= 0

    def watch(self, sock) -> None:
        with self._lock:
            if not self._stopped:
                self._sockets.append(sock)
        if self.expired:
            _shut(sock)

    def _arm(self) -> None:
        self._timer = threading.Timer(max(self.remaining(), 0.0), self._on_timer)
        self._timer.daemon = True
        self._timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            if self._stopped:
                return
            if self.remaining() > 0:  # allowed more time meanwhile
                self._arm()
                return
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watch(sock) -> None:
    deadline = getattr(_this_fetch, "deadline", None)
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class _DeadlineAndPin:
    """For urllib3's connections: put every socket under the running fetch's deadline,
    and connect to the pinned address when there is one (Host header, TLS SNI and
    certificate checks still use the host name)."""

    def __init__(self, *args, pinned_address: Optional[str] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pinned_address = pinned_address

    def _new_conn(self):
        sock = self._connect_pinned() if self.pinned_address else super()._new_conn()
        _watch(sock)
        return sock

    def _connect_pinned(self):
        """urllib3's own connect, to the checked address instead of a fresh lookup of the host."""
        try:
            return create_connection((self.pinned_address, self.port), self.timeout,
                                     source_address=self.source_address, socket_options=self.socket_options)
        except socket.timeout as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out. "
                                            f"(connect timeout={self.timeout})") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc

    def getresponse(self):
        _watch(self.sock)  # a kept-alive connection serves the next fetch, under its deadline
        return super().getresponse()


class _HTTPConnection(_DeadlineAndPin, HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineAndPin, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}
MAX_PINNED_POOLS = 32


class FetchAdapter(HTTPAdapter):
    """requests' adapter with the deadline's connections; with a guard, every request is
    checked where it is sent (the URL as prepared) and connected to the address checked."""

    def __init__(self, guard: Optional[AddressGuard] = None, **kwargs):
        self.guard = guard
        self._pinned: dict[tuple, HTTPConnectionPool] = {}
        self._pinned_lock = threading.Lock()  # one session may serve several threads (recheck, media)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        if self.guard is None:
            return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        target = self.guard.target(request.url)  # never through a proxy: the address is what we checked
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        key = (target.scheme, target.host, target.port, target.address)
        with self._pinned_lock:
            pool = self._pinned.get(key)
            if pool is None:
                pool = self._pinned[key] = self._pinned_pool(host_params, pool_kwargs, target.address)
        return pool

    def _pinned_pool(self, host_params: dict, pool_kwargs: dict, address: str) -> HTTPConnectionPool:
        if len(self._pinned) >= MAX_PINNED_POOLS:
            # Forgotten, not closed: another thread may be sending on one of them right now; their
            # idle connections close when the pools are collected.
            self._pinned.clear()
        scheme = host_params["scheme"]
        options = {**self.poolmanager.connection_pool_kw, **pool_kwargs}
        if scheme == "http":
            options = {k: v for k, v in options.items() if k not in SSL_KEYWORDS}
        return _POOLS[scheme](host_params["host"], host_params["port"], pinned_address=address, **options)

    def _close_pinned(self) -> None:  # called with _pinned_lock held
        for pool in self._pinned.values():
            pool.close()
        self._pinned.clear()

    def close(self):
        with self._pinned_lock:
            self._close_pinned()
        super().close()


def describe_error(exc: Exception, url: str) -> str:
    """One clear line for an expected network failure."""
    host = urlsplit(url).hostname or url
    text = str(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"connection to {host} timed out"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"{host} stopped answering (read timed out)"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS error talking to {host}"
    if isinstance(exc, requests.exceptions.ConnectionError):
        if any(s in text for s in ("Name or service not known", "nodename nor servname", "NameResolutionError",
                                   "Temporary failure in name resolution", "No address associated")):
            return f"could not resolve host {host} (DNS failure)"
        if "Connection refused" in text:
            return f"connection refused by {host}"
        if "RemoteDisconnected" in text or "Connection aborted" in text:
            return f"{host} closed the connection without answering"
        return f"could not connect to {host}"
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return f"not a fetchable URL: {url!r}"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return f"{host} sent a body that does not decompress"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return f"{host} broke off the response"
    return f"{exc.__class__.__name__}: {text[:200]}"


class Fetcher:
    """The one session. `record` is called with every Capture (success or failure).

    deadline: seconds a whole fetch may take (ARCHIVER_DEADLINE, default 60);
    media_min_rate: bytes per second a media download is allowed beyond that
    (ARCHIVER_MEDIA_MIN_RATE, default 100000). guard: the address guard for URLs
    the user did not give (a real resolver by default).
    """

    def __init__(self, *, bodies: Optional[BodyStore] = None, record: Optional[Callable[[Capture], None]] = None,
                 allow_private: Optional[bool] = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 timeout=DEFAULT_TIMEOUT, retries: Optional[int] = None, backoff: Optional[float] = None,
                 deadline: Optional[float] = None, media_min_rate: Optional[float] = None,
                 guard: Optional[AddressGuard] = None, gate: Optional[HostGate] = None):
        self.bodies = bodies
        # Per-host politeness and the circuit breaker, shared with the run's other fetchers.
        self.gate = gate or HostGate(give_up_after=int(env_number("ARCHIVER_GIVE_UP_AFTER", DEFAULT_GIVE_UP_AFTER)),
                                     rates=parse_rate_overrides(os.environ.get("ARCHIVER_RATES", "")))
        self.record = record
        self.allow_private = env_flag("ARCHIVER_ALLOW_PRIVATE") if allow_private is None else allow_private
        # Offline (tests, the demo): nothing leaves this machine, whoever asks.
        self.offline = env_flag("ARCHIVER_OFFLINE")
        self.max_bytes = max_bytes
        self.media_max_bytes = int(os.environ.get("ARCHIVER_MEDIA_MAX_BYTES", DEFAULT_MEDIA_MAX_BYTES))
        self.timeout = timeout
        self.retries = int(os.environ.get("ARCHIVER_RETRIES", 3)) if retries is None else retries
        self.backoff = float(os.environ.get("ARCHIVER_BACKOFF", 1.0)) if backoff is None else backoff
        self.deadline = env_number("ARCHIVER_DEADLINE", DEFAULT_DEADLINE) if deadline is None else deadline
        self.media_min_rate = (env_number("ARCHIVER_MEDIA_MIN_RATE", DEFAULT_MEDIA_MIN_RATE)
                               if media_min_rate is None else media_min_rate)
        self.timeouts: Counter = Counter()  # host -> fetches that timed out or ran past their deadline
        self.session = requests.Session()
        self.session.headers.update({
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "en;q=0.9, *;q=0.5",
        })
        self.session.max_redirects = MAX_REDIRECTS
        _mount(self.session, FetchAdapter())
        # URLs the user did not give: same headers and cookies, no proxy or .netrc from the
        # environment, and every request checked and pinned where it is sent.
        self.guarded_session = requests.Session()
        self.guarded_session.trust_env = False
        self.guarded_session.headers = self.session.headers
        self.guarded_session.cookies = self.session.cookies
        self.guard = guard or AddressGuard()
        _mount(self.guarded_session, FetchAdapter(self.guard))

    def twin(self, *, bodies: Optional[BodyStore], record: Optional[Callable[[Capture], None]]) -> "Fetcher":
        """A fetcher for another thread: this one's limits, guard and per-host gate, sessions of its own."""
        twin = Fetcher(bodies=bodies, record=record, allow_private=self.allow_private, max_bytes=self.max_bytes,
                       timeout=self.timeout, retries=self.retries, backoff=self.backoff, deadline=self.deadline,
                       media_min_rate=self.media_min_rate, guard=self.guard, gate=self.gate)
        twin.media_max_bytes, twin.offline = self.media_max_bytes, self.offline
        return twin

    # -- public -------------------------------------------------------------
    def fetch(self, url: str, *, kind: str = "page", trusted: bool = False, headers: Optional[dict] = None,
              accept: Optional[str] = None, endpoint: Optional[str] = None) -> Capture:
        """GET url, following redirects by hand so every hop passes the address guard.

        trusted: the user gave this URL (or configured its endpoint), so it may point
        anywhere; a redirect that leaves its origin is guarded like any URL taken from
        fetched content, and so is everything else unless allow_private.
        endpoint: the endpoint name (endpoints.py) the URL was built for, so the
        platform's rate limit applies wherever the endpoint points.
        """
        request_headers = dict(headers or {})
        if accept:
            request_headers["Accept"] = accept
        capture = Capture(url=url, kind=kind, request_headers=request_headers)
        host = (urlsplit(url).hostname or "").lower()
        capture.error = self.gate.refusal(host)
        if capture.error is None:
            before = sum(self.timeouts.values())
            with self.gate.slot(host, kind=kind), Deadline(self.deadline) as deadline:
                try:
                    self._fetch_into(capture, trusted=trusted, deadline=deadline, endpoint=endpoint)
                except (RefusedAddress, RateLimited) as exc:
                    capture.error = str(exc)
                except (DeadlineExceeded, requests.RequestException) as exc:
                    capture.error = self._failure(exc, capture.final_url or url, deadline)
            if sum(self.timeouts.values()) > before:
                self.gate.timed_out(host)
        _redact(capture)
        if self.record:
            self.record(capture)
        return capture

    def fetch_page(self, url: str, *, trusted: bool = True) -> Page:
        """Fetch an article and decode it; the error says why it is not a usable HTML page."""
        capture = self.fetch(url, kind="page", trusted=trusted,
                             accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
        return page_from_capture(capture)

    # -- internals ----------------------------------------------------------
    def _failure(self, exc: Exception, url: str, deadline: Deadline) -> str:
        """The error line for a failed fetch; timeouts are counted per host."""
        host = urlsplit(url).hostname or url
        if deadline.passed() or isinstance(exc, DeadlineExceeded):
            self.timeouts[host] += 1
            return f"{host} sent too slowly: stopped after {deadline.elapsed():.0f} s"
        if isinstance(exc, requests.exceptions.Timeout):
            self.timeouts[host] += 1
        return describe_error(exc, url)

    def _fetch_into(self, capture: Capture, *, trusted: bool, deadline: Deadline,
                    endpoint: Optional[str] = None) -> None:
        url = capture.url
        first_host = urlsplit(url).hostname
        seen = set()
        for _hop in range(MAX_REDIRECTS + 1):
            if self.offline:
                check_on_this_machine(url)
            session = self._session_for(url, trusted_origin=capture.url if trusted else None)
            if url in seen:
                capture.final_url = url
                capture.error = f"redirect loop ({len(capture.redirects)} redirects, back to {url})"
                return
            seen.add(url)
            # The endpoint's limit follows its own host; a redirect elsewhere is under that host's.
            hop_endpoint = endpoint if urlsplit(url).hostname == first_host else None
            response = self._get_with_retries(session, url, capture.request_headers, deadline, hop_endpoint)
            try:
                location = response.headers.get("Location")
                if response.is_redirect and location:
                    capture.redirects.append({"url": url, "status": response.status_code, "location": location})
                    url = urljoin(url, location)
                    continue
                self._read_body(response, capture, url, deadline)
                return
            finally:
                response.close()
        capture.final_url = url
        capture.error = f"more than {MAX_REDIRECTS} redirects"

    def _session_for(self, url: str, *, trusted_origin: Optional[str]) -> requests.Session:
        """The plain session for the user's own origin (or with allow_private), else the guarded one."""
        if self.allow_private or (trusted_origin and same_origin(url, trusted_origin)):
            return self.session
        read_target(url)  # refuse ambiguous URLs before requests rewrites them
        return self.guarded_session

    def _get_with_retries(self, session: requests.Session, url: str, headers: dict, deadline: Deadline,
                          endpoint: Optional[str] = None) -> requests.Response:
        """GET once, and again as urllib3's Retry policy says (our loop: the deadline, the
        host's rate limit before every attempt and the host-wide hold stay ours)."""
        host = (urlsplit(url).hostname or "").lower()
        retry = self._retry_policy()
        self.gate.wait_for_turn(host, endpoint, deadline.remaining())
        while True:
            try:
                parse_url(url)
                response = session.get(url, headers=headers, timeout=self.timeout, stream=True,
                                       allow_redirects=False)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if _not_worth_retrying(exc):
                    raise
                try:
                    retry = retry.increment("GET", url, error=exc)
                except MaxRetryError:
                    raise exc from None
                delay = retry.get_backoff_time()
                if not self._next_attempt_fits(host, endpoint, delay, deadline):
                    raise
                time.sleep(delay)
                continue
            except ValueError as exc:  # urllib3 rejects the URL outright
                raise requests.exceptions.InvalidURL(str(exc)) from None
            retry_after = self._retry_after(retry, response)
            if retry_after is not None and response.status_code in (429, 503):
                self.gate.hold(host, retry_after)  # every thread pauses, not only this fetch
            if not retry.is_retry("GET", response.status_code, retry_after is not None):
                return response
            try:
                retry = retry.increment("GET", url, response=response.raw)
            except MaxRetryError:
                return response
            delay = max(retry.get_backoff_time(), retry_after or 0.0)
            if not self._next_attempt_fits(host, endpoint, delay, deadline):
                return response  # another answer would come too late: this one is the answer
            response.close()
            time.sleep(delay)

    def _next_attempt_fits(self, host: str, endpoint: Optional[str], delay: float, deadline: Deadline) -> bool:
        """Whether another attempt can be sent before the deadline, `delay` from now and in its
        turn under the host's rate limit (taken now, so a last answer is kept when it cannot)."""
        if delay >= deadline.remaining():
            return False
        try:
            self.gate.wait_for_turn(host, endpoint, deadline.remaining() - delay)
        except RateLimited:
            return False
        return True

    def _retry_policy(self) -> Retry:
        """Our retries as urllib3 counts them: connection errors, timeouts and RETRY_STATUSES,
        backoff from ARCHIVER_BACKOFF, Retry-After (seconds or an HTTP date) capped at MAX_RETRY_AFTER."""
        return _Retry(total=self.retries, status_forcelist=RETRY_STATUSES, backoff_factor=self.backoff,
                      retry_after_max=MAX_RETRY_AFTER, raise_on_status=False)

    @staticmethod
    def _retry_after(retry: Retry, response: requests.Response) -> Optional[float]:
        """The seconds the response's Retry-After asks for; None without one or when it reads as neither form."""
        try:
            return retry.get_retry_after(response.raw)
        except (InvalidHeader, ValueError, OverflowError):  # a date past year 9999 overflows
            return None  # a header we cannot read: our own backoff applies

    def _read_body(self, response: requests.Response, capture: Capture, url: str, deadline: Deadline) -> None:
        capture.final_url = url
        capture.status_code = response.status_code
        capture.headers = dict(response.headers)
        # The request as sent (session headers included), so the capture can be written as WARC.
        capture.request_headers = dict(response.request.headers)
        capture.content_type = response.headers.get("Content-Type")
        chunks = self._body_chunks(response, capture.kind, deadline)
        if capture.kind == "media":
            self._stream_to_disk(chunks, capture)
        else:
            self._read_into_memory(chunks, capture)
        if capture.error is None and not (200 <= response.status_code < 300):
            capture.error = f"HTTP {response.status_code} {response.reason or ''}".strip()

    def _body_chunks(self, response: requests.Response, kind: str, deadline: Deadline) -> Iterator[bytes]:
        """The body as it arrives; DeadlineExceeded when it comes too slowly."""
        received = 0
        for chunk in response.iter_content(CHUNK):
            received += len(chunk)
            if kind == "media":
                deadline.allow(self.deadline + received / self.media_min_rate)
            if deadline.passed():
                raise DeadlineExceeded()
            yield chunk
        if deadline.expired:  # the deadline shut the socket: what looked like the end was not
            raise DeadlineExceeded()

    def _read_into_memory(self, chunks: Iterator[bytes], capture: Capture) -> None:
        """Pages and API answers: up to max_bytes in memory (the first part kept when over)."""
        cap = self.max_bytes
        parts, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if size > cap:
                capture.error = f"body is over the size cap of {cap} bytes (kept the first part)"
                parts.append(chunk[: len(chunk) - (size - cap)])
                break
            parts.append(chunk)
        body = b"".join(parts)
        capture.body = body
        capture.size = len(body)
        if self.bodies is not None and body:
            capture.sha256 = self.bodies.put(body)
        elif body:
            capture.sha256 = hashlib.sha256(body).hexdigest()

    def _stream_to_disk(self, chunks: Iterator[bytes], capture: Capture) -> None:
        """Media: straight to a temporary file in the body store, never whole in memory.

        Over the media cap nothing is kept (an endless stream would fill the disk
        once per URL): the capture says so and how much came.
        """
        cap = self.media_max_bytes
        with (self.bodies.writer() if self.bodies is not None else DigestOnly()) as out:
            for chunk in chunks:
                if out.size + len(chunk) > cap:
                    capture.size = out.size + len(chunk)
                    capture.error = (f"body is over the size cap of {cap} bytes "
                                     f"(stopped after {capture.size} bytes, nothing kept)")
                    return
                out.write(chunk)
            capture.size = out.size
            capture.sha256 = out.commit()


def _mount(session: requests.Session, adapter: FetchAdapter) -> None:
    session.mount("http://", adapter)
    session.mount("https://", adapter)


_SECRET_PARAM = re.compile(r"([?&]access_token=)[^&#]*", re.I)


def _redact(capture: Capture) -> None:
    """Keep API tokens (given in the query) out of the evidence, which gets published."""
    capture.url = _SECRET_PARAM.sub(r"\1REDACTED", capture.url)
    if capture.final_url:
        capture.final_url = _SECRET_PARAM.sub(r"\1REDACTED", capture.final_url)
    for hop in capture.redirects:
        for key in ("url", "location"):
            if isinstance(hop.get(key), str):
                hop[key] = _SECRET_PARAM.sub(r"\1REDACTED", hop[key])


class _Retry(Retry):
    """urllib3's Retry, except that the first retry waits the backoff too (urllib3 sends it
    at once): a busy server is not asked again straight away. Waits: b, 2b, 4b…"""

    def get_backoff_time(self) -> float:
        return super().get_backoff_time() or (min(self.backoff_factor, self.backoff_max) if self.history else 0.0)


def _not_worth_retrying(exc: Exception) -> bool:
    """DNS failures and refused connections will not heal in a few seconds."""
    text = str(exc)
    return any(s in text for s in ("Name or service not known", "NameResolutionError", "nodename nor servname",
                                   "No address associated", "Connection refused"))


HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")


def page_from_capture(capture: Capture) -> Page:
    """Decide whether a capture is an HTML page we can read, and decode it."""
    page = Page(capture=capture)
    if capture.error:
        page.error = capture.error
        return page
    mime = (capture.content_type or "").split(";")[0].strip().lower()
    body = capture.body or b""
    if not body.strip():
        page.error = "empty body"
        return page
    if mime and mime not in HTML_TYPES and not _looks_like_html(body):
        page.error = f"not an HTML page (content type {mime})"
        return page
    page.text, page.encoding, page.warning = decode_document(body, capture.content_type)
    return page


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta"))
