"""The demo shows media: its server plays X's media hosts, with a poster carrying EXIF GPS and a re-post."""
import shutil

import sqlite_utils

from archiver.media.phash import NEAR_DUPLICATE_BITS, distance


def test_demo_saves_media_without_network(tmp_path, archiver_cli):
    result = archiver_cli("demo", "--dir", tmp_path, "--no-serve", "--site-port", "0")
    assert result.returncode == 0, result.stderr
    assert "media: 4 saved, 1 not saved" in result.stderr
    db = sqlite_utils.Database(tmp_path / "archive.db")
    statuses = {row["post_id"]: (row["kind"], row["status"]) for row in db["post_media"].rows
                if row["kind"] != "keyframe"}
    assert statuses == {"x:1660927314342432768": ("video", "done"), "x:1660700000000000001": ("photo", "done"),
                        "youtube:aqz-KE-bpKQ": ("thumbnail", "done")}
    if shutil.which("ffmpeg"):  # the video's keyframes, taken at its scene changes
        keyframes = list(db["post_media"].rows_where("kind = 'keyframe'"))
        assert keyframes and {k["post_id"] for k in keyframes} == {"x:1660927314342432768"}
    poster = next(db["media"].rows_where("latitude is not null"))
    assert (poster["latitude"], poster["longitude"], poster["taken_at"]) == (50.5, 35.6666667, "2023-05-22T07:41:00Z")
    video = next(db["media"].rows_where("mime = 'video/mp4'"))
    assert video["thumbnail_path"] == poster["thumbnail_path"]
    if shutil.which("ffprobe"):
        assert video["duration"] == 2.0
    # The re-posted copy is found as a near-duplicate of the poster.
    photo = db["media"].get(next(db["post_media"].rows_where("kind = 'photo'"))["media_sha256"])
    assert photo["width"] == 480 and distance(photo["phash"], poster["phash"]) <= NEAR_DUPLICATE_BITS
    failed = next(db["accounts"].rows_where("avatar_status = 'failed'"))
    assert failed["avatar_error"] == "HTTP 404 Not Found"
