"""Download the media of stored posts, and their authors' avatars, and keep them as evidence.

Runs after posts are stored: every `post_media` row not yet `done` (new ones
are `pending`; `failed`, `invalid` and `partial` ones are tried again) and every
account whose avatar is not yet saved. Media URLs come from fetched content, so
they go through the Fetcher untrusted: the address guard applies. Each
response is a capture, its body streamed to disk (never whole in memory); the
bytes are kept by SHA-256 even when they turn out not to be the media claimed,
and the row says why.

Rows marked via "yt-dlp" name the post itself: yt-dlp downloads its video (and
subtitles, kept as transcripts) through the same guard and size cap, into a
working directory removed afterwards; the file lands in the same store.

post_media.status: done; partial (a video kept but its poster not); failed
(nothing usable came back: network, HTTP, size cap, empty body, a refusal);
invalid (bytes came back and are kept, but are not the image or video claimed);
live (a live stream still live: not recorded, tried again on the next collect).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from datasette_embed_archive.mediatype import extension, is_audio, is_image, is_video, sniff
from tqdm import tqdm

from ..http import BodyStore, Capture, Fetcher, utc_now
from .claims import RELEASED, RunClaims
from .image import describe_image, thumbnail_of
from .files import MediaFiles, files_dir
from ..store import Store, first_row
from .video import first_frame, probe_video

ACCEPT = "*/*"  # the original file as the CDN has it, not a format it would transcode to for us
RETRIED = ("pending", "failed", "invalid", "partial", "live")
# A download that failed this many times is left alone (a permanent 404 is not asked forever);
# a changed source URL starts the count again.
MAX_ATTEMPTS = 5
# What each post_media kind must turn out to be; thumbnail: a preview image (oEmbed, a video's web preview).
EXPECTED = {"photo": "image", "thumbnail": "image", "audio": "audio"}  # video and gif: video
IS_EXPECTED = {"image": is_image, "video": is_video, "audio": is_audio}
SNIFF_BYTES = 4096  # more than sniff() reads
# post_media positions of a video's keyframes: KEYFRAME_POSITIONS + the video's position * MAX_KEYFRAMES + i,
# clear of the positions a post's own media take.
KEYFRAME_POSITIONS = 10_000


@dataclass
class Outcome:
    """What one media URL gave."""

    status: str  # done, failed, invalid
    sha256: Optional[str] = None  # the bytes kept, also when invalid
    mime: Optional[str] = None
    thumbnail_path: Optional[str] = None
    error: Optional[str] = None
    capture_id: Optional[int] = None
    notes: list = field(default_factory=list)


@dataclass
class MediaReport:
    done: int = 0
    failed: int = 0

    def add(self, other: "MediaReport") -> None:
        self.done += other.done
        self.failed += other.failed

    def summary(self) -> str:
        return f"media: {self.done} saved, {self.failed} not saved" if self.done or self.failed else ""


class MediaCollector:
    def __init__(self, store: Store, fetcher: Fetcher, *, warn: Callable[[str], None] = lambda line: None,
                 video=None, claims: Optional[RunClaims] = None):
        self.claims = claims or RunClaims()
        self.store = store
        self.video = video  # a media.ytdlp.VideoSource, for rows via yt-dlp
        self.db = store.db
        self.fetcher = fetcher
        if fetcher.bodies is None:  # media stream into a body store: without one nothing would be kept
            fetcher.bodies = BodyStore(store.bodies_dir)
        self.files = MediaFiles(files_dir(store.path))
        self.warn = warn
        self._fetched: dict[tuple, Outcome] = {}  # one request per URL per run

    def run(self, *, post_ids: Optional[list] = None, show_bar: bool = True) -> MediaReport:
        """Every media row still to get (of post_ids only, when given), and the avatars of their
        authors; each once per run (see RunClaims)."""
        report = MediaReport()
        work = [(self.post_media, row) for row in self._rows(post_ids)]
        work += [(self.avatar, row) for row in self._avatars(post_ids)]
        bar = tqdm(work, desc="media", unit="file", file=sys.stderr, leave=False,
                   disable=None if show_bar and len(work) > 1 else True)  # None: shown only on a terminal
        for step, row in bar:
            outcome = step(row)
            if outcome is None:  # tried already in this run, or taken by another collect on this archive
                continue
            status, error, what = outcome
            if status == "done":
                report.done += 1
            else:
                report.failed += 1
                line = f"{what}: {status}: {error}"
                if bar.disable:
                    self.warn(line)
                else:  # printed above the bar, which a plain print would break
                    bar.write(f"archiver: {line}", file=sys.stderr)
        bar.close()
        return report

    def _rows(self, post_ids: Optional[list]) -> list:
        placeholders = ",".join("?" for _ in RETRIED)
        sql = (f"select * from post_media where coalesce(status, 'pending') in ({placeholders}) "
               "and coalesce(attempts, 0) < ?")
        params = [*RETRIED, MAX_ATTEMPTS]
        if post_ids is not None:
            sql += " and post_id in (select value from json_each(?))"
            params.append(json.dumps(post_ids))
        return [row for row in self.db.query(sql + " order by id", params) if not self.claims.held_elsewhere(row)]

    def _avatars(self, post_ids: Optional[list]) -> list:
        sql = ("select id, avatar_url from accounts where avatar_url is not null "
               "and (coalesce(avatar_status, '') != 'done' or avatar_source_url is not avatar_url)")
        params = []
        if post_ids is not None:
            sql += " and id in (select account_id from posts where id in (select value from json_each(?)))"
            params.append(json.dumps(post_ids))
        return list(self.db.query(sql + " order by id", params))

    # -- one row -------------------------------------------------------------
    def post_media(self, row: dict):
        if not self.claims.take(("media", row["id"])) or not self.claims.claim(self.db, row):
            return None
        expect = EXPECTED.get(row["kind"], "video")
        if row["status"] == "partial" and row["media_sha256"]:  # the video is kept; only its poster is missing
            main = Outcome("done", sha256=row["media_sha256"], capture_id=row["capture_id"])
        elif row.get("via") == "yt-dlp":
            if self.video is not None and self.video.options.quality == "audio":
                expect = "audio"
            main = self.video_file(row, expect)
        else:
            main = self.fetch(row["source_url"], expect)
        poster_sha, notes, status = row["poster_sha256"], list(main.notes), main.status
        if expect == "video":
            poster = None
            if row["poster_url"] and not poster_sha:
                poster = self.fetch(row["poster_url"], "image")
                poster_sha = poster.sha256 if poster.status == "done" else None
                if poster.status != "done":
                    notes.append(f"poster {poster.status}: {poster.error}")
                    status = "partial" if status == "done" else status
            elif not row["poster_url"]:
                notes.append("the post gives no poster image")
            if main.status == "done":
                note = self.give_video_a_thumbnail(main.sha256, poster)
                if note:
                    notes.append(note)
                note = self.keep_keyframes(row, main.sha256)
                if note:
                    notes.append(note)
        error = "; ".join(n for n in [main.error, *notes] if n) or None
        with self.db.conn:
            self.db["post_media"].update(row["id"], {
                "media_sha256": main.sha256, "poster_sha256": poster_sha, "status": status, "error": error,
                "capture_id": main.capture_id,
                # A stream still live is no failed attempt: it is asked again until it ends.
                "attempts": (row["attempts"] or 0) + (0 if status == "live" else 1),
                "last_attempt_at": utc_now(), **RELEASED,
            })
        return status, error, f"{row['post_id']} {row['kind']} {row['source_url']}"

    def avatar(self, row: dict):
        if not self.claims.take(("avatar", row["id"], row["avatar_url"])):
            return None
        outcome = self.fetch(row["avatar_url"], "image")
        with self.db.conn:
            self.db["accounts"].update(row["id"], {
                "avatar_sha256": outcome.sha256, "avatar_source_url": row["avatar_url"],
                "avatar_status": outcome.status, "avatar_error": outcome.error,
            })
        return outcome.status, outcome.error, f"{row['id']} avatar {row['avatar_url']}"

    # -- one URL ------------------------------------------------------------
    def fetch(self, url: str, expect: str) -> Outcome:
        key = (url, expect)
        if key not in self._fetched:
            capture = self.fetcher.fetch(url, kind="media", accept=ACCEPT)
            self._fetched[key] = self.outcome(capture, expect)
        return self._fetched[key]

    def outcome(self, capture: Capture, expect: str) -> Outcome:
        if capture.error:  # network, HTTP status, refused address, size cap: any body stays in captures
            return Outcome("failed", error=capture.error, capture_id=capture.id)
        if not capture.sha256:
            return Outcome("failed", error="empty body (0 bytes)", capture_id=capture.id)
        media = self.keep(capture)
        outcome = Outcome("done" if media["status"] in ("ok", "unverified") else "invalid", sha256=media["sha256"],
                          mime=media["mime"], thumbnail_path=media.get("thumbnail_path"), error=media["error"],
                          capture_id=capture.id)
        if outcome.status == "done" and not IS_EXPECTED[expect](media["mime"]):
            outcome.status, outcome.error = "invalid", f"expected {expect}, the bytes are {media['mime']}"
        return outcome

    def keep(self, capture: Capture) -> dict:
        """The media row for these bytes: stored and described once, however many posts use them."""
        return self.keep_file(self.fetcher.bodies.path_for(capture.sha256), capture.sha256, capture.size,
                              capture.fetched_at, capture.id)

    def keep_file(self, body: Path, sha: str, size: int, fetched_at: str, capture_id: Optional[int]) -> dict:
        existing = first_row(self.db["media"].rows_where("sha256 = ?", [sha], limit=1))
        if existing and self.files.path(existing["path"]).exists():
            return existing
        with open(body, "rb") as f:
            head = f.read(SNIFF_BYTES)
        mime = sniff(head)
        first = existing or {"first_captured_at": fetched_at, "capture_id": capture_id}
        row = {"sha256": sha, "size": size, "first_captured_at": first["first_captured_at"],
               "capture_id": first["capture_id"]}
        if is_video(mime) or is_audio(mime):
            row["path"] = self.files.put_file(body, extension(mime), sha)
            video = probe_video(self.files.path(row["path"]), "video" if is_video(mime) else "audio")
            row.update(mime=mime, status=video.status, error=video.error, format=video.format, width=video.width,
                       height=video.height, duration=video.duration)
        else:
            # Pillow needs an image's bytes; anything else is told apart by its first ones.
            info = describe_image(body.read_bytes() if is_image(mime) else head)
            row["path"] = self.files.put_file(body, extension(info.mime), sha)
            row.update(mime=info.mime, status=info.status, error=info.error, format=info.format, width=info.width,
                       height=info.height, phash=info.phash, exif=json.dumps(info.exif) if info.exif else None,
                       latitude=info.latitude, longitude=info.longitude, taken_at=info.taken_at,
                       thumbnail_path=self.files.put(info.thumbnail, "webp")[1] if info.thumbnail else None)
        with self.db.conn:
            self.db["media"].upsert(row, pk="sha256")
        return {**(existing or {}), **row}

    # -- one post's video, by yt-dlp --------------------------------------------
    def video_file(self, row: dict, expect: str) -> Outcome:
        """Download the post's video with yt-dlp into a working directory under the files directory
        (removed whatever happens), then keep it like any media file."""
        from .ytdlp import item_index

        if self.video is None:
            return Outcome("failed", error="yt-dlp is not in use in this run")
        url, item = item_index(row["source_url"])
        workdir = self.files.root / ".yt-dlp" / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            result = self.video.download(url, workdir, cap=self.fetcher.media_max_bytes, item=item)
            if result.status != "done":
                return Outcome(result.status, error=result.error, capture_id=result.info_capture_id,
                               notes=result.notes)
            sha, size = _hash_file(result.path)
            media = self.keep_file(result.path, sha, size, utc_now(), result.info_capture_id)
            outcome = Outcome("done" if media["status"] in ("ok", "unverified") else "invalid", sha256=sha,
                              mime=media["mime"], error=media["error"], capture_id=result.info_capture_id,
                              notes=result.notes)
            if outcome.status == "done" and not IS_EXPECTED[expect](media["mime"]):
                outcome.status, outcome.error = "invalid", f"expected {expect}, the bytes are {media['mime']}"
            self.keep_transcripts(row["post_id"], result.subtitles)
            return outcome
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def keep_transcripts(self, post_id: str, subtitles: list) -> None:
        """Subtitle files kept in the media store, their text in the post's full-text search."""
        from .transcripts import store_transcripts

        if subtitles:
            store_transcripts(self.db, self.files, post_id, subtitles)

    def keep_keyframes(self, row: dict, video_sha: str) -> Optional[str]:
        """Keyframes at the video's scene changes, each a small image with its dHash, as post_media rows
        of kind keyframe (so near-duplicate search finds re-uploads and cuts of the footage)."""
        from .keyframes import MAX_KEYFRAMES, scene_keyframes

        media = self.db["media"].get(video_sha)
        if not (media["mime"] or "").startswith("video/") or not media["path"]:
            return None
        first = KEYFRAME_POSITIONS + row["position"] * MAX_KEYFRAMES
        span = [row["post_id"], first, first + MAX_KEYFRAMES]
        if self.db.execute("select count(*) from post_media where post_id = ? and kind = 'keyframe' "
                           "and position >= ? and position < ?", span).fetchone()[0]:
            return None
        frames = scene_keyframes(self.files.path(media["path"]))
        if frames is None:
            return "no keyframes (ffmpeg is missing or could not decode the video)"
        now, rows = utc_now(), []
        for i, (seconds, png) in enumerate(frames):
            info = describe_image(png)
            if info.status != "ok" or not info.thumbnail:
                continue
            sha, relpath = self.files.put(info.thumbnail, "webp")
            if not self.db.execute("select 1 from media where sha256 = ?", [sha]).fetchone():
                with self.db.conn:
                    self.db["media"].insert({
                        "sha256": sha, "mime": "image/webp", "size": len(info.thumbnail), "format": "WEBP",
                        "width": info.width, "height": info.height, "phash": info.phash, "path": relpath,
                        "thumbnail_path": relpath, "status": "ok", "first_captured_at": now,
                        "capture_id": media["capture_id"]}, pk="sha256")
            rows.append({"post_id": row["post_id"], "position": first + i, "kind": "keyframe",
                         "source_url": f"{row['source_url']}#t={seconds:g}", "media_sha256": sha,
                         "status": "done", "attempts": 1, "last_attempt_at": now, "at_seconds": seconds,
                         "alt_text": f"keyframe at {seconds:g} s of the video"})
        if rows:
            with self.db.conn:
                self.db["post_media"].insert_all(rows, pk="id")
        return None

    def give_video_a_thumbnail(self, video_sha: str, poster: Optional[Outcome]) -> Optional[str]:
        """The video's thumbnail is its poster's; without a poster, its first frame when ffmpeg can say."""
        media = self.db["media"].get(video_sha)
        if media["thumbnail_path"]:
            return None
        thumbnail = poster.thumbnail_path if poster and poster.status == "done" else None
        note = None
        if thumbnail is None:
            frame = first_frame(self.files.path(media["path"]))
            thumb = thumbnail_of(frame) if frame else None
            thumbnail = self.files.put(thumb, "webp")[1] if thumb else None
            note = "thumbnail from the first frame" if thumbnail else "no thumbnail (no poster, no frame decoded)"
        if thumbnail:
            with self.db.conn:
                self.db["media"].update(video_sha, {"thumbnail_path": thumbnail})
        return note


def _hash_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def collect_media(store: Store, fetcher: Fetcher, *, warn: Callable[[str], None] = lambda line: None,
                  video=None) -> MediaReport:
    return MediaCollector(store, fetcher, warn=warn, video=video).run()
