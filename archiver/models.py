"""Plain data passed between the pipeline's stages.

Each stage (fetch, discover, resolve, store) takes and returns these, so each
can be tested alone and the pipeline in collect.py reads top to bottom.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class PostRef:
    """A post named by a URL: which platform, its native id, its canonical URL."""

    platform: str
    native_id: str
    url: str

    @property
    def post_id(self) -> str:
        return f"{self.platform}:{self.native_id}"


@dataclass
class PageMeta:
    """What a page says about itself."""

    title: Optional[str] = None
    canonical_url: Optional[str] = None
    site_name: Optional[str] = None
    lang: Optional[str] = None
    published_at: Optional[str] = None


@dataclass
class Embed:
    """One embedded post found in a page, with what the page itself showed of it."""

    platform: str
    url: str  # canonical post URL
    native_id: str
    position: int = 0
    blocked_by: Optional[str] = None  # consent tool that hid it
    recovered_from: Optional[str] = None  # where the URL was found
    fallback_text: Optional[str] = None
    fallback_author: Optional[str] = None
    fallback_handle: Optional[str] = None
    fallback_date: Optional[str] = None
    html: Optional[str] = None
    relation: str = "embedded"  # or "linked" for posts only linked from the text, "self" for the page's own post
    found_by: Optional[str] = None  # which discovery rule found it, in which element

    @property
    def post_id(self) -> str:
        return f"{self.platform}:{self.native_id}"


@dataclass
class Placeholder:
    """A consent placeholder seen in a page whose embed could not be recovered."""

    blocked_by: str
    detail: str
    html: Optional[str] = None


@dataclass
class Discovery:
    """Everything discovery found in one document."""

    meta: PageMeta = field(default_factory=PageMeta)
    embeds: list[Embed] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # bad input met and survived
    # The post whose own page this is (its URL, as the page states it, is the post's): not an embed
    # of itself, but what collecting that URL keeps.
    own_post: Optional[Embed] = None


@dataclass
class Account:
    platform: str
    handle: Optional[str]
    display_name: Optional[str] = None
    url: Optional[str] = None
    avatar_url: Optional[str] = None
    native_id: Optional[str] = None

    @property
    def id(self) -> str:
        return f"{self.platform}:{(self.native_id or self.handle or '').lower()}"


@dataclass
class MediaItem:
    kind: str  # photo, video, gif
    source_url: str
    alt_text: Optional[str] = None
    poster_url: Optional[str] = None
    width: Optional[int] = None
    height: Optional[int] = None
    via: Optional[str] = None  # "yt-dlp": source_url is the post, downloaded by yt-dlp


@dataclass
class Post:
    """A post as resolved (or as far as it could be)."""

    platform: str
    native_id: str
    url: str
    status: str = "unresolved"  # ok, deleted, unavailable, unresolved
    status_detail: Optional[str] = None
    text: Optional[str] = None
    lang: Optional[str] = None
    created_at: Optional[str] = None
    account: Optional[Account] = None
    reply_to_id: Optional[str] = None
    quote_of_id: Optional[str] = None
    thread_id: Optional[str] = None
    thread_position: Optional[int] = None
    like_count: Optional[int] = None
    repost_count: Optional[int] = None
    reply_count: Optional[int] = None
    view_count: Optional[int] = None
    media: list[MediaItem] = field(default_factory=list)
    text_source: str = "platform"  # or "embed" when only the page's fallback is known
    raw_capture_id: Optional[int] = None
    related: list["Post"] = field(default_factory=list)  # quoted / parent posts resolved alongside
    # Facets as the platform marks them; empty lists mean "read them from the text".
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # expanded URLs
    forwarded_from: Optional[str] = None  # where a forwarded post came from (URL, else name)
    duration: Optional[float] = None  # seconds, as the platform gives it (a video's)
    chapters: list = field(default_factory=list)  # [{"start", "end", "title"}] as the platform gives them
    video_info_capture_id: Optional[int] = None  # yt-dlp's info JSON, kept as a capture

    @property
    def id(self) -> str:
        return f"{self.platform}:{self.native_id}"

    @property
    def author_handle(self) -> Optional[str]:
        return self.account.handle if self.account else None


# The environment variables that override each limit (see Limits.from_env).
LIMIT_VARIABLES = {
    "discovery_cpu_seconds": "ARCHIVER_DISCOVERY_CPU_SECONDS",
    "discovery_memory_mb": "ARCHIVER_DISCOVERY_MEMORY_MB",
    "embeds_per_page": "ARCHIVER_MAX_EMBEDS",
    "media_per_post": "ARCHIVER_MAX_MEDIA",
    "api_calls_per_page": "ARCHIVER_MAX_API_CALLS",
}


@dataclass(frozen=True)
class Limits:
    """What one page may cost. A limit reached is recorded as a problem; what fits is kept."""

    discovery_cpu_seconds: float = 20.0  # CPU time to parse a page and find its embeds
    discovery_memory_mb: int = 2048      # memory discovery may take beyond what its process had
    embeds_per_page: int = 500           # distinct posts taken from one page
    media_per_post: int = 50             # media files queued for one post
    api_calls_per_page: int = 300        # platform requests made for one page's posts

    @classmethod
    def from_env(cls, environ=None) -> "Limits":
        """Defaults, overridden by ARCHIVER_DISCOVERY_CPU_SECONDS, _DISCOVERY_MEMORY_MB, ARCHIVER_MAX_EMBEDS,
        _MAX_MEDIA, _MAX_API_CALLS."""
        import os

        environ = os.environ if environ is None else environ
        values = {}
        for name, variable in LIMIT_VARIABLES.items():
            raw = environ.get(variable, "").strip()
            if not raw:
                continue
            kind = type(getattr(cls, name))
            try:
                value = kind(raw)
            except ValueError:
                value = -1
            if value <= 0:
                raise ValueError(f"{variable} must be a positive number, not {raw!r}")
            values[name] = value
        return cls(**values)
