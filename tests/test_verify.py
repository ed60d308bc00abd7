"""`archiver verify`: every stored body, media file and thumbnail re-hashed against the database."""
import json
from pathlib import Path

import pytest

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.media.files import files_dir
from archiver.store import Store
from fixtures.media import samples
from server import Answer


@pytest.fixture
def archive(server, db_path):
    tweet = json.loads((Path(__file__).parent / "fixtures" / "x" / "1660927314342432768.json").read_text())
    server.routes["/photo.jpg"] = Answer(body=samples.jpeg(), content_type="image/jpeg")
    tweet["mediaDetails"] = [{"type": "photo", "media_url_https": server.url("/photo.jpg")}]
    server.syndication({"1660927314342432768": Answer(body=json.dumps(tweet).encode(),
                                                      content_type="application/json")})
    Collector(Store(db_path), endpoints=Endpoints([f"x={server.base}"]), allow_private=True).collect(
        [server.page("/article", "belgorod-didomi.html")])
    return db_path


def test_an_untouched_archive_verifies(archive, archiver_cli):
    result = archiver_cli("verify", "--db", archive)
    assert result.returncode == 0, result.stderr
    assert "0 missing or altered" in result.stderr


def test_verify_reports_an_altered_body_and_a_missing_media_file(archive, archiver_cli):
    store = Store(archive)
    page_sha = next(store.db["captures"].rows_where("kind = 'page'"))["sha256"]
    media = next(store.db["media"].rows)
    body = store.bodies_dir / page_sha[:2] / page_sha
    body.write_bytes(body.read_bytes().replace(b"Belgorod", b"Kursk"))
    (files_dir(archive) / media["path"]).unlink()
    result = archiver_cli("verify", "--db", archive)
    assert result.returncode == 1
    assert f"body {page_sha}: altered: the file now hashes to" in result.stderr
    assert f"media {media['sha256']}: missing" in result.stderr
    assert "2 missing or altered" in result.stderr


def test_an_altered_thumbnail_is_reported(archive):
    from archiver.verify import verify_archive

    thumbnail = files_dir(archive) / next(Store(archive).db["media"].rows)["thumbnail_path"]
    thumbnail.write_bytes(b"RIFF....WEBP not the thumbnail")
    report = verify_archive(archive)
    assert [(p.what, p.detail.split(":")[0]) for p in report.problems] == [("thumbnail", "altered")]
