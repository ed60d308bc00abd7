"""One HTTP session for everything the archiver fetches.

Timeouts, retries with backoff, a body size cap, an address guard for URLs
taken from fetched content, and a record of every response as evidence: the
body stored by SHA-256 on disk and a Capture handed to whoever records them.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.util import parse_url

from . import USER_AGENT
from .textdecode import decode_document

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
# Videos are the evidence too, and far larger than pages (ARCHIVER_MEDIA_MAX_BYTES overrides).
DEFAULT_MEDIA_MAX_BYTES = 300 * 1024 * 1024
DEFAULT_TIMEOUT = (10.0, 30.0)  # connect, read
MAX_REDIRECTS = 10
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 60.0


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class RefusedAddress(Exception):
    """A URL taken from fetched content points at a loopback, private or link-local address."""


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


class BodyStore:
    """Bodies on disk by SHA-256: <root>/ab/<sha256>. Identical bytes are stored once."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, body: bytes) -> str:
        digest = hashlib.sha256(body).hexdigest()
        path = self.path_for(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written under a temporary name first: a killed run leaves no partial file
            # under the final, content-addressed name.
            tmp = path.with_name(f".{digest}.{os.getpid()}.tmp")
            tmp.write_bytes(body)
            os.replace(tmp, path)
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_public(url: str) -> None:
    """Raise RefusedAddress unless every address the URL's host resolves to is public."""
    host = urlsplit(url).hostname
    if not host:
        raise RefusedAddress(f"no host in {url!r}")
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return  # the fetch itself reports the DNS failure
    for info in infos:
        address = info[4][0]
        if not is_public_address(address):
            raise RefusedAddress(
                f"refused: {host} resolves to non-public address {address} "
                "(use --allow-private or ARCHIVER_ALLOW_PRIVATE=1 to allow)")


def check_on_this_machine(url: str) -> None:
    """Raise RefusedAddress unless the URL names this machine literally (no DNS lookup)."""
    host = (urlsplit(url).hostname or "").lower()
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise RefusedAddress(f"not fetched: offline (ARCHIVER_OFFLINE=1) and {host or url!r} is not this machine")


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
    """The one session. `record` is called with every Capture (success or failure)."""

    def __init__(self, *, bodies: Optional[BodyStore] = None, record: Optional[Callable[[Capture], None]] = None,
                 allow_private: Optional[bool] = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 timeout=DEFAULT_TIMEOUT, retries: Optional[int] = None, backoff: Optional[float] = None):
        self.bodies = bodies
        self.record = record
        self.allow_private = env_flag("ARCHIVER_ALLOW_PRIVATE") if allow_private is None else allow_private
        # Offline (tests, the demo): nothing leaves this machine, whoever asks.
        self.offline = env_flag("ARCHIVER_OFFLINE")
        self.max_bytes = max_bytes
        self.media_max_bytes = int(os.environ.get("ARCHIVER_MEDIA_MAX_BYTES", DEFAULT_MEDIA_MAX_BYTES))
        self.timeout = timeout
        self.retries = int(os.environ.get("ARCHIVER_RETRIES", 3)) if retries is None else retries
        self.backoff = float(os.environ.get("ARCHIVER_BACKOFF", 1.0)) if backoff is None else backoff
        self.session = requests.Session()
        self.session.headers.update({
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "en;q=0.9, *;q=0.5",
        })
        self.session.max_redirects = MAX_REDIRECTS

    # -- public -------------------------------------------------------------
    def fetch(self, url: str, *, kind: str = "page", trusted: bool = False, headers: Optional[dict] = None,
              accept: Optional[str] = None) -> Capture:
        """GET url, following redirects by hand so every hop passes the address guard.

        trusted: the user gave this URL (or configured its endpoint), so it may point
        anywhere; URLs taken from fetched content are guarded unless allow_private.
        """
        request_headers = dict(headers or {})
        if accept:
            request_headers["Accept"] = accept
        capture = Capture(url=url, kind=kind, request_headers=request_headers)
        try:
            self._fetch_into(capture, trusted=trusted)
        except RefusedAddress as exc:
            capture.error = str(exc)
        except requests.RequestException as exc:
            capture.error = describe_error(exc, capture.final_url or url)
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
    def _fetch_into(self, capture: Capture, *, trusted: bool) -> None:
        url = capture.url
        guarded = not (trusted or self.allow_private)
        seen = set()
        for _hop in range(MAX_REDIRECTS + 1):
            if self.offline:
                check_on_this_machine(url)
            if guarded:
                check_public(url)
            if url in seen:
                capture.final_url = url
                capture.error = f"redirect loop ({len(capture.redirects)} redirects, back to {url})"
                return
            seen.add(url)
            response = self._get_with_retries(url, capture.request_headers)
            try:
                location = response.headers.get("Location")
                if response.is_redirect and location:
                    capture.redirects.append({"url": url, "status": response.status_code, "location": location})
                    url = urljoin(url, location)
                    continue
                self._read_body(response, capture, url)
                return
            finally:
                response.close()
        capture.final_url = url
        capture.error = f"more than {MAX_REDIRECTS} redirects"

    def _get_with_retries(self, url: str, headers: dict) -> requests.Response:
        attempt = 0
        while True:
            try:
                parse_url(url)
                response = self.session.get(url, headers=headers, timeout=self.timeout, stream=True,
                                            allow_redirects=False)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if attempt >= self.retries or _not_worth_retrying(exc):
                    raise
                self._sleep(attempt, None)
                attempt += 1
                continue
            except ValueError as exc:  # urllib3 rejects the URL outright
                raise requests.exceptions.InvalidURL(str(exc)) from None
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                retry_after = response.headers.get("Retry-After")
                response.close()
                self._sleep(attempt, retry_after)
                attempt += 1
                continue
            return response

    def _sleep(self, attempt: int, retry_after: Optional[str]) -> None:
        delay = self.backoff * (2 ** attempt)
        if retry_after:
            try:
                delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
            except ValueError:
                pass  # an HTTP date: keep our own backoff
        time.sleep(delay)

    def _read_body(self, response: requests.Response, capture: Capture, url: str) -> None:
        capture.final_url = url
        capture.status_code = response.status_code
        capture.headers = dict(response.headers)
        # The request as sent (session headers included), so the capture can be written as WARC.
        capture.request_headers = dict(response.request.headers)
        capture.content_type = response.headers.get("Content-Type")
        cap = self.media_max_bytes if capture.kind == "media" else self.max_bytes
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > cap:
                capture.error = f"body is over the size cap of {cap} bytes (kept the first part)"
                chunks.append(chunk[: len(chunk) - (size - cap)])
                break
            chunks.append(chunk)
        body = b"".join(chunks)
        capture.body = body
        capture.size = len(body)
        if self.bodies is not None and body:
            capture.sha256 = self.bodies.put(body)
        elif body:
            capture.sha256 = hashlib.sha256(body).hexdigest()
        if capture.error is None and not (200 <= response.status_code < 300):
            capture.error = f"HTTP {response.status_code} {response.reason or ''}".strip()


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
