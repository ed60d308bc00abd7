"""What resolvers share: asking an endpoint, and turning what comes back into a post status.

Every platform answers trouble differently (404 JSON, a login redirect, 429, an
HTML error page where JSON was expected, a bare "Forbidden"); `ask` reads them
all the same way so each resolver only parses the good answers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

from ..http import Capture, env_flag
from ..models import MediaItem, Post
from .fields import dig, text

# With ARCHIVER_OFFLINE=1 only endpoints pointed elsewhere (--endpoint) are asked:
# a test run or an offline demo never reaches the real platforms by accident.
OFFLINE_ENV = "ARCHIVER_OFFLINE"

_LOGIN_PATH = re.compile(r"/(?:accounts/)?(?:login|signin|sign_in|auth)(?:[/.?]|$)|/checkpoint/|/consent", re.I)
_LOGIN_HOST = re.compile(r"^(?:login|accounts|consent|auth)\.", re.I)
# Short plain-text bodies that some oEmbed servers send instead of JSON.
_REFUSALS = ("forbidden", "unauthorized", "not found", "bad request", "private video", "access denied")


@dataclass
class Reply:
    """An endpoint's answer: the parsed data, or the status and detail a post gets instead."""

    capture: Optional[Capture]
    data: Any = None
    status: str = "ok"
    detail: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def capture_id(self) -> Optional[int]:
        return self.capture.id if self.capture else None

    def post(self, ref, platform: Optional[str] = None) -> Post:
        """An empty post carrying this reply's failure."""
        return Post(platform or ref.platform, ref.native_id, ref.url, status=self.status,
                    status_detail=self.detail, raw_capture_id=self.capture_id)


def endpoint_url(ctx, name: str, url: str) -> Optional[str]:
    """url pointed at endpoint `name` (overrides applied); None when offline and not overridden."""
    if env_flag(OFFLINE_ENV) and not ctx.endpoints.is_overridden(name):
        return None
    return ctx.endpoints.url(name, url)


def fetch_endpoint(ctx, name: str, target: str, accept: str) -> Capture:
    """GET an endpoint URL. Trusted only when the user pointed `name` somewhere (--endpoint):
    hosts taken from a page (a Mastodon instance) and the platforms' own public hosts pass
    the address guard like any content URL."""
    return ctx.fetcher.fetch(target, kind="api", trusted=ctx.endpoints.is_overridden(name), accept=accept,
                             endpoint=name)  # its rate limit follows the platform wherever it points


def ask(ctx, name: str, url: str, label: str, *, want: str = "json") -> Reply:
    """GET an endpoint's URL; want is "json" (parsed) or "html" (decoded text)."""
    target = endpoint_url(ctx, name, url)
    if target is None:
        return Reply(None, status="unresolved", detail=f"{label}: not asked ({OFFLINE_ENV} is set and "
                                                         f"endpoint {name!r} is not configured)")
    accept = "application/json" if want == "json" else "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
    capture = fetch_endpoint(ctx, name, target, accept)
    failure = classify(capture)
    if failure:
        return Reply(capture, status=failure[0], detail=f"{label}: {failure[1]}")
    if want == "html":
        return Reply(capture, data=(capture.body or b"").decode("utf-8", "replace"))
    try:
        return Reply(capture, data=capture.json())
    except ValueError as exc:
        refusal = _refusal(capture.body)
        if refusal:
            return Reply(capture, status="unavailable", detail=f"{label}: answered {refusal!r}")
        return Reply(capture, status="unresolved", detail=f"{label}: {exc}")


def classify(capture: Capture) -> Optional[tuple[str, str]]:
    """(status, detail) when a capture is not a usable answer, else None."""
    if capture.status_code is None:
        return "unresolved", capture.error or "no answer"
    final = urlsplit(capture.final_url or "")
    if capture.redirects and (_LOGIN_PATH.search(final.path) or _LOGIN_HOST.match(final.hostname or "")):
        return "unresolved", f"redirected to a login or consent page ({capture.final_url})"
    code = capture.status_code
    said = _error_message(capture)
    suffix = f": {said}" if said else ""
    if code in (404, 410):
        return "unavailable", f"not found (HTTP {code}){suffix}"
    if code in (401, 403):
        return "unavailable", f"refused (HTTP {code}: private, removed or login required){suffix}"
    if code == 429:
        wait = capture.headers.get("Retry-After") if capture.headers else None
        return "unresolved", "rate limited (HTTP 429" + (f", Retry-After: {wait}" if wait else "") + ")"
    if not capture.ok:
        return "unresolved", (capture.error or f"HTTP {code}") + suffix
    if not (capture.body or b"").strip():
        return "unavailable", "empty answer"
    return None


def _error_message(capture: Capture) -> Optional[str]:
    """The reason an error body gives, if it is short JSON or text."""
    body = capture.body or b""
    if not body or len(body) > 4096:
        return None
    try:
        data = capture.json()
    except ValueError:
        return _refusal(body)
    if isinstance(data, dict):
        message = data.get("error_description") or data.get("message") or data.get("error")
        message = dig(message, "message") if isinstance(message, dict) else message
        return text(message)[:300] if text(message) else None
    return None


def _refusal(body: Optional[bytes]) -> Optional[str]:
    words = (body or b"")[:200].decode("utf-8", "replace").strip()
    return words if words.lower().rstrip(".!") in _REFUSALS else None


def video_by_ytdlp(kind: str = "video", **fields) -> MediaItem:
    """A video the platform's answer shows but gives no file URL for: yt-dlp is asked for it, on the post's
    own URL (filled in by point_at_post once the post's URL is known)."""
    return MediaItem(kind, "", via="yt-dlp", **fields)


def point_at_post(post: Post) -> Post:
    for item in post.media:
        if item.via == "yt-dlp" and not item.source_url:
            item.source_url = post.url
    post.media = [m for m in post.media if m.source_url]
    return post


def with_video(post: Post, url: str, ctx) -> Post:
    """The post as yt-dlp also sees it (text, uploader, time, counts, the video to download), when the
    run has yt-dlp (ctx.video); a removed or private video becomes the post's status."""
    source = getattr(ctx, "video", None)
    if source is None:
        return post
    from ..media.ytdlp import enrich

    return enrich(post, url, source)


def post_from(ref, reply: Reply, platform: Optional[str] = None) -> Post:
    """A post to fill from a good reply."""
    return Post(platform or ref.platform, ref.native_id, ref.url, status="ok", raw_capture_id=reply.capture_id)
