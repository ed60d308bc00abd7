"""annotations.db: the append-only event log, the views of current state, and `archiver annotate`."""
import sqlite3
import subprocess
import sys

import pytest

from archiver import annotations
from archiver.annotations import AnnotationError, Changes, annotate

from test_web import KOZINKA, archive  # noqa: F401  (the archive fixture)


@pytest.fixture
def conn(tmp_path):
    connection = annotations.connect(tmp_path / "annotations.db")
    yield connection
    connection.close()


def rows(conn, sql):
    conn.row_factory = sqlite3.Row
    return [dict(r) for r in conn.execute(sql)]


def test_events_are_append_only(conn):
    annotate(conn, "x:1", "alice", Changes(tags=["Kozinka"], note="Seen from the checkpoint"))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("update events set value = 'rewritten'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("delete from events")
    assert [r["value"] for r in rows(conn, "select value from events order by id")] == ["Kozinka", "Seen from the checkpoint"]


def test_current_views_follow_the_log(conn):
    annotate(conn, "x:1", "alice", Changes(tags=["Belgorod", "Kozinka"], status="unverified", geo=(50.9, 37.0)),
             now="2026-01-01T00:00:00Z")
    annotate(conn, "x:1", "bob", Changes(untags=["belgorod"], status="verified", geo=(50.43, 36.93), place="Kozinka"),
             now="2026-01-02T00:00:00Z")
    annotate(conn, "x:1", "bob", Changes(note="Checked against Sentinel imagery", private=True))
    assert [r["tag"] for r in rows(conn, "select tag from current_tags")] == ["Kozinka"]
    status = rows(conn, "select * from current_status")
    assert [(s["status"], s["actor_id"]) for s in status] == [("verified", "bob")]
    place = rows(conn, "select * from current_place")[0]
    assert (place["latitude"], place["longitude"], place["label"]) == (50.43, 36.93, "Kozinka")
    # Public views hold neither private events nor actors.
    assert rows(conn, "select * from public_notes") == []
    assert [n["visibility"] for n in rows(conn, "select * from current_notes")] == ["private"]
    assert "actor_id" not in rows(conn, "select * from public_status")[0]
    assert len(rows(conn, "select * from events")) == 8  # the history keeps everything


def test_a_tag_can_come_back(conn):
    annotate(conn, "x:1", "alice", Changes(tags=["fake"]))
    annotate(conn, "x:1", "alice", Changes(untags=["fake"]))
    assert rows(conn, "select * from current_tags") == []
    annotate(conn, "x:1", "bob", Changes(tags=["Fake "]))
    assert [r["tag"] for r in rows(conn, "select tag from current_tags")] == ["fake"]


@pytest.mark.parametrize("changes, message", [
    (Changes(), "nothing to record"),
    (Changes(status="true"), "status is one of"),
    (Changes(tags=["   "]), "cannot be empty"),
    (Changes(geo=(91, 0)), "no such place"),
    (Changes(geo=("north", 0)), "must be numbers"),
])
def test_bad_annotations_are_refused_whole(conn, changes, message):
    with pytest.raises(AnnotationError, match=message):
        annotate(conn, "x:1", "alice", changes)
    with pytest.raises(AnnotationError, match="actor"):
        annotate(conn, "x:1", " ", Changes(tags=["ok"]))
    assert rows(conn, "select * from events") == []


def test_parse_geo():
    assert annotations.parse_geo("50.43, 36.93") == (50.43, 36.93)
    for bad in ("50.43", "a,b", "100,0"):
        with pytest.raises(AnnotationError):
            annotations.parse_geo(bad)


def test_annotate_command(archive, archiver_cli):
    result = archiver_cli("annotate", KOZINKA, "--db", archive, "--tag", "Kozinka", "--tag", "incursion",
                          "--note", "Geolocated from the sign", "--status", "verified", "--geo", "50.43,36.93",
                          "--place", "Kozinka checkpoint", "--actor", "carol")
    assert result.returncode == 0, result.stderr
    assert "Recorded 5 annotation(s)" in result.stderr
    private = archiver_cli("annotate", KOZINKA, "--db", archive, "--note", "Source asked us not to name him",
                           "--private", env={"ARCHIVER_ACTOR": "dave"})
    assert private.returncode == 0, private.stderr
    conn = sqlite3.connect(archive.with_name("annotations.db"))
    events = conn.execute("select kind, value, actor_id, visibility from events order by id").fetchall()
    assert events[0] == ("tag", "Kozinka", "carol", "public")
    assert events[-1] == ("note", "Source asked us not to name him", "dave", "private")
    bad = archiver_cli("annotate", KOZINKA, "--db", archive, "--status", "maybe")
    assert bad.returncode != 0 and "status is one of" in bad.stderr
    missing = archiver_cli("annotate", "x:404", "--db", archive, "--tag", "t")
    assert missing.returncode != 0 and "no post 'x:404'" in missing.stderr
    assert conn.execute("select count(*) from events").fetchone()[0] == 6


def test_users_command(archiver_cli):
    from archiver.passwords import verify_password
    from archiver.users import password_hashes

    result = subprocess.run([sys.executable, "-m", "archiver", "users", "add", "Alice", "--password-stdin"],
                            input="correct horse\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("export ARCHIVER_PASSWORD_HASH_ALICE=")
    value = line.split("=", 1)[1].strip("'")
    assert verify_password("correct horse", value) and not verify_password("wrong", value)
    assert password_hashes({"ARCHIVER_PASSWORD_HASH_ALICE": value, "OTHER": "x"}) == {"alice": value}
    listed = archiver_cli("users", "list", env={"ARCHIVER_PASSWORD_HASH_ALICE": value})
    assert listed.stdout.split() == ["alice"]


def test_tags_keep_their_case_and_compare_without_it(conn):
    annotate(conn, "x:1", "alice", Changes(tags=["Kozinka checkpoint", "Козинка"]))
    annotate(conn, "x:2", "bob", Changes(tags=["kozinka  CHECKPOINT", "КОЗИНКА", "Belgorod"]))
    tags = rows(conn, "select post_id, tag from current_tags order by post_id, tag")
    assert [(t["post_id"], t["tag"]) for t in tags] == [
        ("x:1", "Kozinka checkpoint"), ("x:1", "Козинка"),
        ("x:2", "Belgorod"), ("x:2", "Kozinka checkpoint"), ("x:2", "Козинка")]
    annotate(conn, "x:2", "bob", Changes(untags=["козинка"]))
    assert [t["tag"] for t in rows(conn, "select tag from current_tags where post_id = 'x:2' order by tag")] == [
        "Belgorod", "Kozinka checkpoint"]


def test_a_public_tag_never_takes_a_private_spelling(conn):
    annotate(conn, "x:1", "alice", Changes(tags=["SECRET-Lead"], private=True))
    annotate(conn, "x:2", "bob", Changes(tags=["secret-lead"]))
    assert [r["tag"] for r in rows(conn, "select tag from public_tags")] == ["secret-lead"]
