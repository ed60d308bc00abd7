"""`archiver publish`: the read-only bundle, its hashes, and every write path refused when served."""
import asyncio
import sqlite3
import subprocess
import sys

import pytest
import yaml

from archiver import annotations
from archiver.annotations import Changes
from archiver.publish import PublishError, publish, verify

from test_web import KOZINKA, archive  # noqa: F401  (the archive fixture)


@pytest.fixture
def annotated(archive):  # noqa: F811
    conn = annotations.connect(annotations.path_beside(archive))
    annotations.annotate(conn, KOZINKA, "alice", Changes(tags=["Kozinka"], status="verified", geo=(50.43, 36.93),
                                                         note="Matches the checkpoint sign"))
    annotations.annotate(conn, KOZINKA, "bob", Changes(note="Private: the source's phone number", private=True,
                                                       tags=["secret-lead"]))
    conn.close()
    # A thumbnail and a full file where the media code keeps them.
    files = archive.with_name("archive-files")
    (files / "media" / "ab").mkdir(parents=True)
    (files / "media" / "ab" / "ab12.jpg").write_bytes(b"full image bytes")
    (files / "media" / "ab" / "ab12.webp").write_bytes(b"thumbnail bytes")
    db = sqlite3.connect(archive)
    with db:
        db.execute("insert into media (sha256, mime, size, path, thumbnail_path) "
                   "values ('ab12', 'image/jpeg', 16, 'media/ab/ab12.jpg', 'media/ab/ab12.webp')")
        db.execute("insert into media (sha256, mime, path, thumbnail_path) "
                   "values ('cd34', 'image/jpeg', '../../etc/passwd', 'media/cd/missing.webp')")
    db.close()
    return archive


def rows(db_path, sql):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def test_bundle_holds_public_annotations_only(annotated, tmp_path):
    out = tmp_path / "bundle"
    result = publish(annotated, out)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"archive.db", "datasette.yml", "metadata.yml", "inspect.json", "README.md", "Dockerfile", "MANIFEST",
            "archive-files/media/ab/ab12.webp"} <= names
    assert "archive-files/media/ab/ab12.jpg" not in names  # full media only with --media
    db = out / "archive.db"
    tables = {r["name"] for r in rows(db, "select name from sqlite_master where type in ('table', 'view')")}
    assert {"posts", "pages", "embeds", "accounts", "media", "post_media", "public_tags", "public_notes",
            "public_status", "public_place", "public_events", "posts_fts"} <= tables
    assert not tables & {"events", "current_tags", "current_notes", "captures"}
    assert [r["tag"] for r in rows(db, "select tag from public_tags")] == ["Kozinka"]
    dumped = (out / "archive.db").read_bytes()
    assert b"phone number" not in dumped and b"secret-lead" not in dumped and b"alice" not in dumped
    assert [r["id"] for r in rows(db, "select posts.id from posts_fts join posts on posts.rowid = posts_fts.rowid "
                                      "where posts_fts match 'Kozinka'")] == [KOZINKA]
    media = {r["sha256"]: r for r in rows(db, "select * from media")}
    assert media["ab12"]["path"] is None and media["ab12"]["thumbnail_path"] == "media/ab/ab12.webp"
    assert media["cd34"]["thumbnail_path"] is None  # never point at a file the bundle lacks
    assert result.counts["posts"] == rows(annotated, "select count(*) as n from posts")[0]["n"] and verify(out) == []
    chain = rows(db, "select id, hash from events_chain order by id")
    live = rows(annotations.path_beside(annotated), "select id, hash from events order by id")
    assert chain == live and len(chain) == 6  # every event's place in the chain, private ones too
    readme = (out / "README.md").read_text()
    assert f"ends at event 6 with hash {live[-1]['hash']}" in readme
    assert "datasette serve -i archive.db --inspect-file inspect.json -c datasette.yml -m metadata.yml" in readme
    config = yaml.safe_load((out / "datasette.yml").read_text())
    assert set(config["databases"]) == {"archive"} and "archiver" not in config.get("plugins", {})
    assert not any(q.get("write") for q in config["databases"]["archive"].get("queries", {}).values())
    assert "-i" in (out / "Dockerfile").read_text()


def test_manifest_detects_changes(annotated, tmp_path):
    out = tmp_path / "bundle"
    publish(annotated, out)
    check = subprocess.run(["sha256sum", "-c", "MANIFEST"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with open(out / "archive-files/media/ab/ab12.webp", "ab") as f:
        f.write(b"tampered")
    assert verify(out) == ["archive-files/media/ab/ab12.webp"]


def test_include_private_and_media(annotated, tmp_path):
    out = tmp_path / "bundle"
    publish(annotated, out, include_private=True, media=True)
    db = out / "archive.db"
    assert {r["actor_id"] for r in rows(db, "select actor_id from events")} == {"alice", "bob"}
    assert {r["tag"] for r in rows(db, "select tag from current_tags")} == {"Kozinka", "secret-lead"}
    assert (out / "archive-files/media/ab/ab12.jpg").read_bytes() == b"full image bytes"
    assert rows(db, "select path from media where sha256 = 'ab12'")[0]["path"] == "media/ab/ab12.jpg"


def test_publish_refuses_to_overwrite(annotated, tmp_path):
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(PublishError, match="not empty"):
        publish(annotated, out, force=True)
    assert (out / "precious.txt").exists()
    publish(annotated, tmp_path / "b2")
    publish(annotated, tmp_path / "b2", force=True)


def test_publish_without_annotations(archive, tmp_path):  # noqa: F811
    result = publish(archive, tmp_path / "bundle")
    assert result.counts["public_tags"] == 0


def served(out):
    """The bundle as its README serves it: immutable, with the inspect file, its own config and metadata."""
    from datasette.app import Datasette

    config = yaml.safe_load((out / "datasette.yml").read_text())
    metadata = yaml.safe_load((out / "metadata.yml").read_text())
    import json
    return Datasette(immutables=[str(out / "archive.db")], config=config, metadata=metadata,
                     inspect_data=json.loads((out / "inspect.json").read_text()))


def test_served_bundle_shows_public_annotations_and_refuses_every_write(annotated, tmp_path):
    out = tmp_path / "bundle"
    publish(annotated, out)
    ds = served(out)
    ds.root_enabled = True  # as `datasette --root`: the root actor may do anything Datasette allows

    async def go():
        page = await ds.client.get("/-/post/x~3A1660927314342432768")
        assert page.status_code == 200
        assert "Kozinka" in page.text and "Matches the checkpoint sign" in page.text
        assert "phone number" not in page.text and "alice" not in page.text and "Add note" not in page.text
        search = (await ds.client.get("/-/search.json?q=Kozinka&_facets=1")).json()
        assert [r["id"] for r in search["rows"]] == [KOZINKA]
        facets = {f["name"]: [v["value"] for v in f["values"]] for f in search["facets"]}
        assert facets["tag"] == ["Kozinka"] and facets["verdict"] == ["verified"]
        ranked = (await ds.client.get("/archive/search.json?q=Kozinka&_shape=objects")).json()
        assert [r["id"] for r in ranked["rows"]] == [KOZINKA]
        places = (await ds.client.get("/-/map.json")).json()["points"]
        assert [(p["post_id"], p["latitude"], p["longitude"]) for p in places] == [(KOZINKA, 50.43, 36.93)]
        near = (await ds.client.get("/archive/near_duplicate_media.json?sha256=ab12&_shape=objects")).json()
        assert near["ok"] is not False  # phash_distance is there wherever the plugin is installed
        # Every write path, even for the root actor: the database is immutable.
        root = {"ds_actor": ds.client.actor_cookie({"id": "root"})}
        token = await ds.create_token("root")
        bearer = {"Authorization": f"Bearer {token}"}
        attempts = [
            ("/archive/posts/-/insert", {"row": {"id": "x:1", "text": "forged"}}),
            ("/archive/public_tags/-/insert", {"row": {"post_id": KOZINKA, "tag": "forged"}}),
            ("/archive/posts/x~3A1660927314342432768/-/update", {"update": {"text": "forged"}}),
            ("/archive/posts/x~3A1660927314342432768/-/delete", {}),
            ("/archive/-/execute-write", {"sql": "update posts set text = 'forged'"}),
            ("/archive/-/create", {"table": "forged", "row": {"id": 1}}),
            ("/archive/posts/-/drop", {"confirm": True}),
            ("/archive/wipe", {}),  # a stored write query (root may store one; running it is refused)
        ]
        wipe = {"query": {"name": "wipe", "sql": "update accounts set handle = 'forged'"}}
        assert (await ds.client.post("/archive/-/queries/store", json=wipe)).status_code == 403  # anonymous
        assert (await ds.client.post("/archive/-/queries/store", json=wipe, cookies=root)).status_code == 201
        for path, body in attempts:
            for auth in ({"cookies": root}, {"headers": bearer}):
                response = await ds.client.post(path, json=body, **auth)
                assert response.status_code in (400, 403), (path, response.status_code, response.text[:200])
        form = await ds.client.post("/-/annotate", data={"post_id": KOZINKA, "tag": "forged"}, cookies=root)
        assert form.status_code == 403
        row_page = await ds.client.get("/archive/posts/x~3A1660927314342432768", cookies=root)
        assert "-/update" not in row_page.text and "Edit row" not in row_page.text

    asyncio.run(go())
    assert [r["text"] for r in rows(out / "archive.db", f"select text from posts where id = '{KOZINKA}'")][0] != "forged"
    assert "forged" not in {r["handle"] for r in rows(out / "archive.db", "select handle from accounts")}
    assert verify(out) == []


def test_publish_command(annotated, tmp_path):
    out = tmp_path / "bundle"
    result = subprocess.run([sys.executable, "-m", "archiver", "publish", str(out), "--db", str(annotated)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "datasette serve -i archive.db" in result.stderr and (out / "MANIFEST").exists()
    again = subprocess.run([sys.executable, "-m", "archiver", "publish", str(out), "--db", str(annotated)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "--force" in again.stderr


def test_readers_check_the_public_log_of_a_bundle(annotated, tmp_path, archiver_cli):
    out = tmp_path / "bundle"
    publish(annotated, out)
    db = out / "archive.db"
    chain = rows(db, "select * from events_chain order by id")
    public_ids = {r["id"] for r in rows(db, "select id from public_events")}
    assert {r["id"] for r in chain if r["actor_digest"]} == public_ids  # private events: links only
    digests = [r["actor_digest"] for r in chain if r["actor_digest"]]
    assert len(set(digests)) == len(digests)  # one volunteer's events are not linkable to each other
    assert "content_digest = SHA-256(JSON [id, post_id" in (out / "README.md").read_text()
    ok = archiver_cli("verify", "--db", db)
    assert ok.returncode == 0, ok.stderr
    assert f"{len(chain)} annotation event(s) checked, 0 problem(s)" in ok.stderr
    assert f"chain ends at event {chain[-1]['id']} with hash {chain[-1]['hash']}" in ok.stderr

    conn = sqlite3.connect(db)  # a republished copy whose public note was edited
    with conn:
        conn.execute("update public_events set value = 'Does not match' where kind = 'note'")
        edited = conn.execute("select id from public_events where kind = 'note'").fetchone()[0]
        # Its first hex digit changed (to one it was not: a hash may well start with "f").
        conn.execute("update events_chain set hash = (case when hash like 'f%' then 'e' else 'f' end) "
                     "|| substr(hash, 2) where id = 1")
    conn.close()
    bad = archiver_cli("verify", "--db", db)
    assert bad.returncode == 1
    assert f"public event {edited} does not say what was logged" in bad.stderr
    assert "event 1 was changed after it was recorded" in bad.stderr
    assert "event 2: the event before it was changed or removed" in bad.stderr
    assert "archive.db: missing, or not what MANIFEST says" in bad.stderr


def test_a_log_from_an_earlier_version_without_wal_is_published(archive, tmp_path):  # noqa: F811
    log = annotations.path_beside(archive)
    conn = sqlite3.connect(log)
    conn.executescript(annotations.EVENTS_SQL.replace(
        "    prev_hash text,  -- the hash of the event before (see eventlog.py)\n    hash text\n", "").replace(
        "visibility in ('public', 'private')),", "visibility in ('public', 'private'))"))
    conn.execute("insert into events (post_id, kind, value, actor_id, created_at) "
                 f"values ('{KOZINKA}', 'tag', 'old', 'al', '2020-01-01T00:00:00Z')")
    conn.commit()
    conn.close()  # journal_mode delete, no chain, no key: as an early version left it
    result = publish(archive, tmp_path / "bundle")
    assert result.counts["chain_head"]["id"] == 1
    assert [r["tag"] for r in rows(tmp_path / "bundle" / "archive.db", "select tag from public_tags")] == ["old"]


def test_verify_finds_a_bundles_public_state_edited_or_an_event_removed(annotated, tmp_path, archiver_cli):
    out = tmp_path / "bundle"
    publish(annotated, out)
    db = out / "archive.db"
    assert archiver_cli("verify", "--db", db).returncode == 0
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("update public_notes set note = 'FORGED note'")
        removed = conn.execute("select max(id) from public_events where kind = 'tag'").fetchone()[0]
        conn.execute("delete from public_events where id = ?", [removed])
    conn.close()
    bad = archiver_cli("verify", "--db", db)
    assert bad.returncode == 1
    assert "public_notes does not follow from public_events" in bad.stderr
    assert f"public event {removed} was removed from public_events" in bad.stderr
