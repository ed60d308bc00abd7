"""yt-dlp as a library: what a video platform says about a post, and its video downloaded.

Two steps, as the pipeline has them:

- extract(url) while posts are resolved: yt-dlp's info JSON, kept as a capture
  (kind "info") and read into the post (text, uploader, upload time, counts);
  a refusal ("Video unavailable", "Private video", a removed account…) becomes
  the post's status, with the platform's own words.
- download(url, workdir) in the media stage: the chosen formats (by default the
  best up to 1080p, video and audio merged by ffmpeg) and the subtitles,
  streamed to files in workdir; the caller keeps them in the media store.

Every request yt-dlp makes goes through the archiver's address guard (see
ytdlp_network.py); a download reading more than the media size cap stops and
keeps nothing. Plugins the user installed for yt-dlp load as they do for the
yt-dlp command; more plugin directories can be given.
"""
from __future__ import annotations

import copy
import functools
import json
import re
import shutil
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from ..http import DISK_FULL_ERRNOS, Capture, DiskFull
from ..models import Account, MediaItem, Post

QUALITIES = ("best", "2160", "1440", "1080", "720", "480", "360", "240", "audio")
DEFAULT_QUALITY = "1080"
# Protocols only an external program (ffmpeg, rtmpdump) fetches: never chosen, the guard could not see them.
NATIVE_ONLY = "[protocol!*=rtmp][protocol!=rtsp][protocol!=mms][protocol!*=websocket]"
SUBTITLE_FORMATS = "vtt/srt/best"
# Live states yt-dlp reports; such a stream is recorded as live and tried again later.
LIVE_STATES = ("is_live", "is_upcoming")
SOCKET_TIMEOUT = 30
KEPT_EXTRACTIONS = 64
EXTRACTION_BYTES = 100 * 1024 * 1024  # all the pages and API answers read to learn about one post
MAX_SUBTITLE_BYTES = 20 * 1024 * 1024  # as transcripts.MAX_FILE


@dataclass(frozen=True)
class VideoOptions:
    """How videos are fetched: quality (see QUALITIES), off entirely with video=False."""

    video: bool = True
    quality: str = DEFAULT_QUALITY
    cookies: Optional[str] = None  # a Netscape cookies.txt
    proxy: Optional[str] = None
    plugin_dirs: tuple = ()  # more yt-dlp plugin directories, besides the default places
    ffmpeg: Optional[str] = field(default_factory=lambda: shutil.which("ffmpeg"))


@dataclass
class Extraction:
    """What yt-dlp said about a URL: its info (sanitised) or why not."""

    url: str
    info: Optional[dict] = None
    status: str = "ok"  # ok, deleted, unavailable, unresolved
    detail: Optional[str] = None
    capture: Optional[Capture] = None

    @property
    def ok(self) -> bool:
        return self.info is not None

    @property
    def not_a_video(self) -> bool:
        """yt-dlp found the post but no video in it (an Instagram photo post): no refusal."""
        return bool(self.detail) and any(p in self.detail.lower() for p in NOT_A_VIDEO)


@dataclass
class Download:
    status: str  # done, failed, live
    path: Optional[Path] = None
    subtitles: list = field(default_factory=list)  # (lang, kind, ext, path)
    error: Optional[str] = None
    notes: list = field(default_factory=list)
    info_capture_id: Optional[int] = None


def format_spec(quality: str, ffmpeg: bool) -> str:
    """yt-dlp's format selector for a quality; without ffmpeg, single files only (nothing to merge)."""
    p = NATIVE_ONLY
    if quality == "audio":
        return f"ba{p}/b{p}"
    height = "" if quality == "best" else f"[height<=?{int(quality)}]"
    if ffmpeg:
        return f"bv{height}{p}+ba{p}/bv*{height}{p}+ba{p}/b{height}{p}/bv*{p}+ba{p}/b{p}"
    return f"b{height}{p}/b{p}"


class _Logger:
    def __init__(self):
        self.warnings: list[str] = []
        self.errors: list[str] = []

    def debug(self, msg):
        self._keep(msg)

    def info(self, msg):
        self._keep(msg)

    def _keep(self, msg):
        # yt-dlp says a file over max-filesize is skipped on its screen only: kept to say why no file came.
        if "max-filesize" in str(msg) or "larger than" in str(msg):
            self.warnings.append(str(msg))

    def warning(self, msg):
        self.warnings.append(str(msg))

    def error(self, msg):
        self.errors.append(str(msg))


@functools.lru_cache(maxsize=None)
def _youtube_dl_class():
    from yt_dlp import YoutubeDL

    from .ytdlp_network import handler_for

    class ArchiverYoutubeDL(YoutubeDL):
        """YoutubeDL whose only request handler is the archiver's guarded one."""

        def __init__(self, params, policy):
            self._archiver_policy = policy
            super().__init__(params)

        @functools.cached_property
        def _request_director(self):
            return self.build_request_director([handler_for(self._archiver_policy)])

    return ArchiverYoutubeDL


def add_plugin_dirs(dirs) -> None:
    """Directories to look for yt-dlp plugins in, besides the default places (as --plugin-dirs does)."""
    from yt_dlp import globals as ytdlp_globals
    from yt_dlp.plugins import load_all_plugins

    new = [str(Path(d).resolve()) for d in dirs]
    new = [d for d in new if d not in ytdlp_globals.plugin_dirs.value]
    if not new:
        return
    ytdlp_globals.plugin_dirs.value = [*ytdlp_globals.plugin_dirs.value, *new]
    if ytdlp_globals.all_plugins_loaded.value:
        load_all_plugins()  # already loaded once in this process: load again with the new directories
        _forget_loaded_extractors()


def _forget_loaded_extractors() -> None:
    """yt-dlp's lazy extractors remember the class they loaded; one overridden by a plugin loaded
    since must be looked up again."""
    from yt_dlp import globals as ytdlp_globals

    try:
        from yt_dlp.extractor import lazy_extractors
    except ImportError:  # yt-dlp built without lazy extractors: classes are looked up each time
        return
    for parent in list(ytdlp_globals.plugin_ies_overrides.value):
        lazy = getattr(lazy_extractors, parent.__name__, None)
        if lazy is not None and "_real_class" in vars(lazy):
            delattr(lazy, "_real_class")


class VideoSource:
    """yt-dlp for one run: extractions cached per URL, downloads through the guard."""

    def __init__(self, fetcher, options: Optional[VideoOptions] = None):
        from .ytdlp_network import NetworkPolicy

        self.fetcher = fetcher
        self.options = options or VideoOptions()
        guard = fetcher.guarded_session.get_adapter("https://").guard if hasattr(fetcher, "guarded_session") else None
        self.policy = NetworkPolicy(allow_private=bool(fetcher.allow_private), offline=bool(fetcher.offline),
                                    proxy=self.options.proxy)
        if guard is not None:
            self.policy.guard = guard
        if self.options.plugin_dirs:
            add_plugin_dirs(self.options.plugin_dirs)
        # The last answers, for the media stage of the same run (an info dict can weigh hundreds of kB:
        # older ones are asked again, which also gives fresh format URLs).
        self._extractions: OrderedDict[str, Extraction] = OrderedDict()
        self._galleries: dict = {}
        self._ydl = None
        self._cookies: Optional[str] = None

    # -- yt-dlp ----------------------------------------------------------------
    def _params(self, **extra) -> dict:
        params = {
            "quiet": True, "no_warnings": True, "noprogress": True, "logger": _Logger(),
            "noplaylist": True, "socket_timeout": SOCKET_TIMEOUT, "retries": 2, "fragment_retries": 2,
            "extractor_retries": 1, "file_access_retries": 1,
            "hls_prefer_native": True, "external_downloader": {"default": "native"},
            # Should yt-dlp hand a stream to ffmpeg anyway, ffmpeg may read local files only.
            "external_downloader_args": {"ffmpeg_i": ["-protocol_whitelist", "file,pipe,crypto,data"]},
            "live_from_start": False, "wait_for_video": None, "check_formats": False,
            "concurrent_fragment_downloads": 1, "overwrites": True, "color": "never",
            # Only extractors made for a site: the generic one would fetch any page to look for videos.
            "allowed_extractors": ["default", "-generic"],
            # YouTube's player is solved in JavaScript (yt-dlp-ejs): deno as yt-dlp prefers, else node, bun.
            "js_runtimes": {"deno": {}, "node": {}, "bun": {}},
        }
        if self.options.cookies:
            params["cookiefile"] = self._cookie_copy()
        if self.options.proxy:
            params["proxy"] = self.options.proxy
        if self.options.ffmpeg:
            params["ffmpeg_location"] = self.options.ffmpeg
        else:
            params["ffmpeg_location"] = "/nonexistent/ffmpeg-not-installed"
        params.update(extra)
        return params

    def _cookie_copy(self) -> str:
        """yt-dlp writes its cookie jar back to the file it was given: it gets a private copy, so the
        user's cookies.txt is only read."""
        if self._cookies is None:
            import os
            import tempfile

            handle, self._cookies = tempfile.mkstemp(prefix="archiver-cookies-", suffix=".txt")
            with os.fdopen(handle, "wb") as out, open(self.options.cookies, "rb") as src:
                shutil.copyfileobj(src, out)
        return self._cookies

    def close(self) -> None:
        """Close yt-dlp's connections and remove the cookie copy."""
        if self._ydl is not None:
            _close(self._ydl)
            self._ydl = None
        if self._cookies:
            Path(self._cookies).unlink(missing_ok=True)
            self._cookies = None

    def _new(self, **extra):
        return _youtube_dl_class()(self._params(**extra), self.policy)

    # -- step 1: what the platform says ------------------------------------------
    def extract(self, url: str) -> Extraction:
        if url in self._extractions:
            self._extractions.move_to_end(url)
        else:
            self._extractions[url] = self._extract(url)
            while len(self._extractions) > KEPT_EXTRACTIONS:
                self._extractions.popitem(last=False)
        return self._extractions[url]

    def _deadline(self) -> Optional[float]:
        return getattr(self.fetcher, "deadline", None)

    def _extract(self, url: str) -> Extraction:
        from yt_dlp.utils import DownloadError

        from .ytdlp_network import ByteBudget

        if self._ydl is None:
            self._ydl = self._new()
        self.policy.refused.clear()
        # What the platform answers about a post: pages and API answers, under the fetch deadline.
        self.policy.budget = ByteBudget(EXTRACTION_BYTES, self._deadline())
        try:
            info = self._ydl.extract_info(url, download=False)
        except DownloadError as exc:
            status, words = classify_error(exc, self.policy.refused)
            extraction = Extraction(url, status=status, detail=f"yt-dlp: {words}")
            extraction.capture = self._record(url, None, error=words)
            return extraction
        except Exception as exc:  # an extractor or plugin broke: the post keeps what else was found
            words = f"{exc.__class__.__name__}: {exc}"[:300]
            return Extraction(url, status="unresolved", detail=f"yt-dlp: {words}",
                              capture=self._record(url, None, error=words))
        finally:
            self.policy.budget = None
        info = self._ydl.sanitize_info(info)
        clean = _without_secrets(info)
        extraction = Extraction(url, info=info)
        extraction.capture = self._record(url, clean)
        return extraction

    def _record(self, url: str, info: Optional[dict], error: Optional[str] = None) -> Capture:
        """yt-dlp's answer as evidence: the info JSON, hashed and kept like a response body."""
        capture = Capture(url=url, kind="info", method="YT-DLP", error=error)
        if info is not None:
            body = json.dumps(info, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
            capture.final_url = info.get("webpage_url") if isinstance(info.get("webpage_url"), str) else None
            capture.status_code = 200
            capture.content_type = "application/json"
            capture.size = len(body)
            capture.body = body
            bodies = getattr(self.fetcher, "bodies", None)
            if bodies is not None:
                capture.sha256 = bodies.put(body)
            else:
                import hashlib

                capture.sha256 = hashlib.sha256(body).hexdigest()
        record = getattr(self.fetcher, "record", None)
        if record:
            record(capture)
        capture.body = None  # kept on disk; not held for the rest of the run
        return capture

    def gallery(self, url: str):
        """What gallery-dl lists in a post (once per URL per run), through the same guard."""
        from .gallery import gallery_files

        if url not in self._galleries:
            self.policy.refused.clear()
            self._galleries[url] = gallery_files(url, self.policy, cookies=self.options.cookies,
                                                 proxy=self.options.proxy)
        return self._galleries[url]

    # -- step 2: the files ---------------------------------------------------------
    def download(self, url: str, workdir: Path, *, cap: int, item: int = 0) -> Download:
        """The video (and its subtitles) of url into workdir; the caller removes workdir."""
        from yt_dlp.utils import DownloadError

        from .ytdlp_network import ByteBudget, SizeCapExceeded

        extraction = self.extract(url)
        if not extraction.ok:
            return Download("failed", error=extraction.detail)
        info = copy.deepcopy(extraction.info)
        if info.get("_type") == "playlist" or info.get("entries"):
            entries = [e for e in info.get("entries") or [] if isinstance(e, dict)]
            if item >= len(entries):
                return Download("failed", error=f"yt-dlp: the post has no item {item + 1}")
            info = entries[item]
        # As yt-dlp's --load-info-json does: formats are chosen again, with this download's policy.
        info = self._ydl.sanitize_info(info, remove_private_keys=True)
        result = Download("failed", info_capture_id=extraction.capture.id if extraction.capture else None)
        live = info.get("live_status")
        if live in LIVE_STATES or info.get("is_live"):
            result.status = "live"
            result.error = (f"a live stream, still {'to come' if live == 'is_upcoming' else 'live'}: "
                            "not recorded now, tried again on the next collect")
            return result
        quality = self.options.quality
        spec = format_spec(quality, bool(self.options.ffmpeg))
        if not self.options.ffmpeg and quality != "audio":
            result.notes.append("ffmpeg is not installed: took the best single-file format; formats with "
                                "separate video and audio (usually the better ones) were skipped")
        langs, automatic = choose_subtitles(info)
        pristine = copy.deepcopy(info)
        workdir.mkdir(parents=True, exist_ok=True)
        ydl = self._new(format=spec, merge_output_format="mp4/mkv", paths={"home": str(workdir)},
                        outtmpl={"default": "media.%(ext)s"}, max_filesize=cap)
        self.policy.budget = ByteBudget(cap, self._deadline(), getattr(self.fetcher, "media_min_rate", None))
        self.policy.refused.clear()
        try:
            done = ydl.process_ie_result(info, download=True)
        except SizeCapExceeded as exc:
            result.error = str(exc)
            return result
        except DownloadError as exc:
            cause = exc.exc_info[1] if exc.exc_info else None
            if disk_is_full(exc):  # the batch stops, as for any file the archive cannot write
                raise DiskFull(f"{workdir.parent.name}/{workdir.name}") from None
            if isinstance(cause, SizeCapExceeded) or "over the size cap" in str(exc):
                result.error = str(cause or exc)
            else:
                result.error = "yt-dlp: " + classify_error(exc, self.policy.refused)[1]
            return result
        except Exception as exc:
            result.error = f"yt-dlp: {exc.__class__.__name__}: {exc}"[:300]
            return result
        finally:
            self.policy.budget = None
            _close(ydl)
        downloads = (done or {}).get("requested_downloads") or []
        path = Path(downloads[0]["filepath"]) if downloads and downloads[0].get("filepath") else None
        if path is None or not path.exists():
            if any("max-filesize" in line or "larger than" in line for line in ydl.params["logger"].errors +
                   ydl.params["logger"].warnings):
                result.error = f"over the size cap of {cap} bytes (nothing kept)"
            else:
                result.error = "yt-dlp gave no file" + (f": {ydl.params['logger'].errors[-1]}"
                                                        if ydl.params["logger"].errors else "")
            return result
        if path.stat().st_size > cap:
            result.error = f"over the size cap of {cap} bytes ({path.stat().st_size} bytes, nothing kept)"
            return result
        result.status, result.path = "done", path
        for lang in langs:  # one by one, after the video: a subtitle that fails loses nothing else
            self._subtitle(pristine, lang, automatic, spec, workdir, result)
        return result

    def _subtitle(self, info: dict, lang: str, automatic: bool, spec: str, workdir: Path, result: Download) -> None:
        from yt_dlp.utils import DownloadError

        from .ytdlp_network import ByteBudget, SizeCapExceeded

        ydl = self._new(format=spec, skip_download=True, paths={"home": str(workdir)},
                        outtmpl={"default": "media.%(ext)s"}, writesubtitles=True, writeautomaticsub=automatic,
                        subtitleslangs=[lang], subtitlesformat=SUBTITLE_FORMATS)
        self.policy.budget = ByteBudget(MAX_SUBTITLE_BYTES, self._deadline())
        self.policy.refused.clear()
        try:
            done = ydl.process_ie_result(copy.deepcopy(info), download=True)
        except SizeCapExceeded as exc:
            result.notes.append(f"subtitles {lang} not saved: {exc}")
            return
        except DownloadError as exc:
            result.notes.append(f"subtitles {lang} not saved: {classify_error(exc, self.policy.refused)[1]}")
            return
        finally:
            self.policy.budget = None
            _close(ydl)
        for name, sub in ((done or {}).get("requested_subtitles") or {}).items():
            if sub.get("filepath") and Path(sub["filepath"]).exists():
                kind = "automatic" if name not in (info.get("subtitles") or {}) else "subtitles"
                result.subtitles.append((name, kind, sub.get("ext"), Path(sub["filepath"])))


def disk_is_full(exc: BaseException) -> bool:
    """yt-dlp reports a full disk as a download error in words ("unable to write data: [Errno 28] …")."""
    pending, seen = [exc, *(getattr(exc, "exc_info", None) or (None, None))[1:2]], set()
    while pending:
        error = pending.pop()
        if not isinstance(error, BaseException) or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            return True
        pending += [error.__cause__, error.__context__, getattr(error, "cause", None)]
    text = str(exc)
    return any(f"[Errno {code}]" in text for code in DISK_FULL_ERRNOS) or "No space left on device" in text


def _close(ydl) -> None:
    """The handlers' connection pools closed; not YoutubeDL.close(), which also writes the cookie file."""
    director = vars(ydl).get("_request_director")
    if director is not None:
        director.close()


def choose_subtitles(info: dict) -> tuple[list, bool]:
    """The original language and English: written subtitles where offered, else automatic captions."""
    manual = info.get("subtitles") or {}
    auto = info.get("automatic_captions") or {}
    original = info.get("language") or next((k for k in manual if k != "live_chat"), None)
    wanted = [lang for lang in dict.fromkeys([original, "en"]) if lang]
    chosen, automatic = [], False
    for lang in wanted:
        match = _pick(manual, lang)
        if match:
            chosen.append(match)
            continue
        match = _pick(auto, f"{lang}-orig") or _pick(auto, lang)
        if match:
            chosen.append(match)
            automatic = True
    return chosen, automatic


def _pick(tracks: dict, lang: str) -> Optional[str]:
    if lang in tracks:
        return lang
    return next((k for k in tracks if k.split("-")[0] == lang and k != "live_chat"), None)


# -- reading errors ---------------------------------------------------------------------

_PREFIX = re.compile(r"^(?:ERROR:\s*)?(?:\[[^\]]+\]\s*)?(?:[\w.-]+:\s+)?")
_SUFFIX = re.compile(r";?\s*please report this issue.*$|\s*\(caused by .*$", re.I | re.S)
DELETED = ("removed by the uploader", "has been removed", "been deleted", "was deleted", "no longer available",
           "has been terminated", "removed for violating", "violating", "copyright claim", "does not exist",
           "doesn't exist")
# A wall in front of a post that is there: a login, an age check, a country, a membership.
WALLS = ("private", "sign in", "log in", "login", "logged-in", "logged in", "confirm your age", "age-restricted",
         "inappropriate", "your country", "geo", "region", "members-only", "join this channel", "premium",
         "blocked", "restricted")
TRANSIENT = ("timed out", "timeout", "connection", "temporarily", "try again", "http error 5", "http error 429",
             "too many requests", "unable to download", "dns", "offline", "not fetched", "refused")
# yt-dlp's words for a post that is there but holds no video: its photos are asked of gallery-dl.
NOT_A_VIDEO = ("no video in this post", "there is no video", "no video formats found", "no media found")
GONE = ("unavailable", "not available", "isn't available", "no video", "no media", "has no formats")


def classify_error(exc: Exception, refused: list) -> tuple[str, str]:
    """(status, words) for a yt-dlp failure: deleted, unavailable, or unresolved (worth asking again)."""
    original = exc.exc_info[1] if getattr(exc, "exc_info", None) and exc.exc_info[1] is not None else exc
    words = getattr(original, "orig_msg", None) or getattr(original, "msg", None) or str(original)
    words = str(words).strip()
    words = _SUFFIX.sub("", _PREFIX.sub("", words.splitlines()[0] if words else "")) or str(exc)
    words = words[:300]
    if refused:
        return "unresolved", refused[-1][:300]
    lower = words.lower()
    cause = getattr(original, "cause", None)
    if getattr(getattr(cause, "response", None), "status", None) in (404, 410):
        return "unavailable", words
    if any(p in lower for p in DELETED):
        return "deleted", words
    if any(p in lower for p in WALLS):
        return "unavailable", words
    if "unsupported url" in lower or any(p in lower for p in TRANSIENT):
        return "unresolved", words
    if any(p in lower for p in GONE) or getattr(original, "expected", False):
        return "unavailable", words
    return "unresolved", words


def _without_secrets(value):
    """The info JSON as kept (and published): no cookies, no Cookie or Authorization headers."""
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items()
                if k.lower() not in ("cookies", "cookie", "authorization", "__postprocessors")}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


# -- reading the info into a post ----------------------------------------------------------

def _text(value) -> Optional[str]:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _count(value) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def fill_post(post: Post, info: dict) -> Post:
    """Fill a post from yt-dlp's info where the platform's other answer was thinner."""
    title, description = _text(info.get("title")), _text(info.get("description"))
    if title and description and _GENERIC_TITLE.match(title):  # "Video by kharkiv.daily": made up, not said
        title = None
    if description and title and (description.startswith(title.rstrip("….").strip()) or title in description):
        text = description
    else:
        text = "\n\n".join(t for t in (title, description) if t) or None
    if text and (post.text is None or len(text) > len(post.text)):
        post.text, post.text_source = text, "platform"
    handle, name = _uploader(info)
    if handle:
        if post.account is None or not post.account.handle:
            post.account = Account(platform=post.platform, handle=handle, display_name=name,
                                   url=_text(info.get("uploader_url")) or _text(info.get("channel_url")))
        elif post.account.display_name is None:
            post.account.display_name = name
    created = _created_at(info)
    if created and (post.created_at is None or len(created) > len(post.created_at)):
        post.created_at = created
    post.view_count = _count(info.get("view_count")) if post.view_count is None else post.view_count
    post.like_count = _count(info.get("like_count")) if post.like_count is None else post.like_count
    post.reply_count = _count(info.get("comment_count")) if post.reply_count is None else post.reply_count
    post.repost_count = _count(info.get("repost_count")) if post.repost_count is None else post.repost_count
    duration = info.get("duration")
    if isinstance(duration, (int, float)) and not isinstance(duration, bool) and duration >= 0:
        post.duration = float(duration)
    chapters = [c for c in info.get("chapters") or [] if isinstance(c, dict)]
    if chapters:
        post.chapters = [{"start": c.get("start_time"), "end": c.get("end_time"), "title": _text(c.get("title"))}
                         for c in chapters]
    post.lang = post.lang or _text(info.get("language"))
    if info.get("live_status") in LIVE_STATES:
        post.status_detail = f"a live stream ({info['live_status'].replace('_', ' ')}) when collected"
    return post


_GENERIC_TITLE = re.compile(r"^(?:video|post|photo|reel|story|clip|tiktok|facebook video|instagram (?:video|post))"
                            r"(?: by| from| #\d+)\b", re.I)


def _uploader(info: dict) -> tuple[Optional[str], Optional[str]]:
    """(handle, display name): platforms put them in different fields (a numeric uploader_id on TikTok
    and Instagram, where the handle is the uploader or the channel)."""
    uploader_id, uploader, channel = (_text(info.get(k)) for k in ("uploader_id", "uploader", "channel"))
    candidates = [uploader_id if uploader_id and not uploader_id.isdigit() else None,
                  channel if channel and " " not in channel else None,
                  uploader if uploader and " " not in uploader else None,
                  uploader_id, _text(info.get("channel_id"))]
    handle = next((c for c in candidates if c), None)
    handle = handle.lstrip("@") if handle else None
    name = next((n for n in (uploader, channel, _text(info.get("creator"))) if n and n.lstrip("@") != handle), None)
    return handle, name


def _created_at(info: dict) -> Optional[str]:
    for key in ("timestamp", "release_timestamp"):
        value = info.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 32503680000:
            return datetime.fromtimestamp(value, tz=timezone.utc).isoformat(timespec="seconds").replace(
                "+00:00", "Z")
    day = _text(info.get("upload_date"))
    if day and re.fullmatch(r"\d{8}", day):
        return f"{day[:4]}-{day[4:6]}-{day[6:]}"
    return None


def video_items(url: str, info: dict, poster: Optional[str]) -> list[MediaItem]:
    """The post's media as yt-dlp will download them: one video, or each item of a carousel."""
    entries = [e for e in info.get("entries") or [] if isinstance(e, dict)]
    if not entries:
        return [MediaItem("video", url, poster_url=_text(info.get("thumbnail")) or poster, via="yt-dlp",
                          width=_count(info.get("width")), height=_count(info.get("height")))]
    return [MediaItem("video", url if i == 0 else f"{url}#item={i + 1}", via="yt-dlp",
                      poster_url=_text(e.get("thumbnail")) or (poster if i == 0 else None))
            for i, e in enumerate(entries)]


def with_photos(post: Post, url: str, source: VideoSource) -> Post:
    """The files gallery-dl finds in a post that has no video, as photos (and videos) for the media stage."""
    found = source.gallery(url)
    if found.error:
        post.status_detail = post.status_detail or f"photos not listed: {found.error}"
        return post
    if found.urls:
        kept = [m for m in post.media if m.kind != "thumbnail"]  # the files themselves replace the preview
        post.media = kept + [MediaItem(kind, link) for link, kind in found.urls]
    return post


def item_index(source_url: str) -> tuple[str, int]:
    """(post URL, item index) of a post_media source URL made by video_items."""
    m = re.search(r"#item=(\d+)$", source_url)
    return (source_url[: m.start()], int(m.group(1)) - 1) if m else (source_url, 0)


def enrich(post: Post, url: str, source: Optional[VideoSource]) -> Post:
    """What yt-dlp says about the post at `url`, read into it; a refusal becomes its status."""
    if source is None:
        return post
    extraction = source.extract(url)
    if extraction.capture is not None and extraction.capture.id is not None:
        post.video_info_capture_id = extraction.capture.id
    if not extraction.ok and extraction.not_a_video:
        return with_photos(post, url, source)
    if not extraction.ok:
        if extraction.status == "deleted" or (extraction.status == "unavailable" and post.status != "ok"):
            post.status, post.status_detail = extraction.status, extraction.detail
        elif extraction.status == "unavailable":
            post.status_detail = f"video not downloadable: {extraction.detail}"
        return post
    if post.status != "ok":
        post.status, post.status_detail = "ok", None
        if post.raw_capture_id is None and extraction.capture is not None:
            post.raw_capture_id = extraction.capture.id
    fill_post(post, extraction.info)
    poster = next((m.source_url for m in post.media if m.kind == "thumbnail"), None)
    if source.options.video:
        post.media = video_items(url, extraction.info, poster)
    elif not post.media and _text(extraction.info.get("thumbnail")):
        post.media = [MediaItem("thumbnail", extraction.info["thumbnail"])]
    return post
