"""The annotation log is append-only while its triggers stand, and a hash chain shows any rewrite after."""
import sqlite3

import pytest

from archiver import annotations, eventlog
from archiver.annotations import Changes
from archiver.store import Store
from archiver.verify import verify_archive


@pytest.fixture
def log(tmp_path):
    Store(tmp_path / "archive.db").db.conn.close()  # the (empty) archive the log annotates
    path = tmp_path / "annotations.db"
    conn = annotations.connect(path)
    annotations.annotate(conn, "x:1", "alice", Changes(tags=["convoy"], status="verified"))
    annotations.annotate(conn, "x:2", "bob", Changes(note="Matches the checkpoint sign", geo=(50.43, 36.93)))
    conn.close()
    return path


def test_events_chain_and_verify_clean(log, tmp_path):
    conn = sqlite3.connect(log)
    rows = conn.execute("select id, prev_hash, hash from events order by id").fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4] and rows[0][1] is None
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, 4))
    assert eventlog.check(conn) == []
    report = verify_archive(tmp_path / "archive.db")
    assert report.events_checked == 4 and report.log_problems == []


@pytest.mark.parametrize("sql", [
    "insert or replace into events (id, post_id, kind, value, actor_id, created_at) "
    "values (1, 'x:1', 'tag', 'forged', 'mallory', '2020-01-01T00:00:00Z')",
    "replace into events (id, post_id, kind, actor_id, created_at) values (2, 'x:1', 'note', 'm', 'now')",
    "insert into events (post_id, kind, value, actor_id, created_at) values ('x:1', 'tag', 'x', 'm', 'now')",
    "update events set value = 'forged' where id = 1",
    "delete from events where id = 1",
])
def test_every_rewrite_is_refused_while_the_triggers_stand(log, sql):
    conn = sqlite3.connect(log)
    with pytest.raises(sqlite3.IntegrityError, match="append-only|hash chain"):
        conn.execute(sql)
    assert [r[0] for r in conn.execute("select value from events where id = 1")] == ["convoy"]


def test_verify_finds_an_event_rewritten_after_the_triggers_were_dropped(log, tmp_path, archiver_cli):
    conn = sqlite3.connect(log)
    with conn:  # what `sqlite-utils transform` or a hand with the file can do
        for name in eventlog.TRIGGERS:
            conn.execute(f"drop trigger if exists {name}")
        conn.execute("update events set value = 'misleading' where id = 2")
        conn.execute("delete from events where id = 3")
    conn.close()
    result = archiver_cli("verify", "--db", tmp_path / "archive.db")
    assert result.returncode == 1
    assert "event 2 was changed after it was recorded" in result.stderr
    assert "event 4: the event before it was changed or removed" in result.stderr
    assert "append-only triggers are missing" in result.stderr


def test_a_log_recorded_before_the_chain_is_chained_once_in_order(tmp_path):
    path = tmp_path / "annotations.db"
    conn = sqlite3.connect(path)
    conn.executescript(annotations.EVENTS_SQL.replace("    prev_hash text,  -- the hash of the event before (see eventlog.py)\n    hash text\n", "").replace("visibility in ('public', 'private')),", "visibility in ('public', 'private'))"))
    conn.execute("insert into events (post_id, kind, value, actor_id, created_at) values ('x:1', 'tag', 'a', 'al', 't1')")
    conn.execute("insert into events (post_id, kind, value, actor_id, created_at) values ('x:1', 'note', 'b', 'al', 't2')")
    conn.commit()
    conn.close()
    conn = annotations.connect(path)
    assert eventlog.check(conn) == []
    annotations.annotate(conn, "x:1", "al", Changes(tags=["c"]))
    assert eventlog.check(conn) == [] and eventlog.head(conn)[0] == 3


def test_a_log_chained_before_its_key_is_upgraded_only_when_intact(tmp_path):
    def keyless_log(path, tamper=False):
        conn = sqlite3.connect(path)
        conn.executescript(annotations.EVENTS_SQL)
        previous = None
        for n, value in enumerate(["a", "b", "c"], start=1):
            row = [n, "x:1", "tag", value, None, None, "al", f"t{n}", "public"]
            digest = eventlog.sha256_json([previous or "", *row])
            conn.execute("insert into events (id, post_id, kind, value, latitude, longitude, actor_id, created_at, "
                         "visibility, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [*row, previous, digest])
            previous = digest
        if tamper:
            conn.execute("drop trigger events_no_update")
            conn.execute("update events set value = 'forged' where id = 2")
        conn.commit()
        conn.close()

    keyless_log(tmp_path / "intact.db")
    conn = annotations.connect(tmp_path / "intact.db")
    assert eventlog.log_key(conn) and eventlog.check(conn) == []
    assert [r[0] for r in conn.execute("select value from events order by id")] == ["a", "b", "c"]
    annotations.annotate(conn, "x:1", "al", Changes(tags=["d"]))
    assert eventlog.check(conn) == [] and eventlog.head(conn)[0] == 4

    keyless_log(tmp_path / "broken.db", tamper=True)
    with pytest.raises(annotations.BrokenLogError, match="event 2 was changed"):
        annotations.connect(tmp_path / "broken.db")
    conn = sqlite3.connect(tmp_path / "broken.db")
    assert eventlog.log_key(conn) is None  # left as it was, for verify
    assert "its hashes cannot be checked" in eventlog.check(conn)[-1]


def test_the_log_key_stays_out_of_every_page(log, tmp_path):
    from archiver.serve import build_datasette
    from conftest import datasette_request as call

    key = eventlog.log_key(sqlite3.connect(log))
    ds = build_datasette(tmp_path / "archive.db", environ={"DATASETTE_SECRET": "s"})
    visitor = call(ds, "get", "/annotations/log_key.json")
    volunteer = call(ds, "get", "/annotations/log_key.json",
                     cookies={"ds_actor": ds.sign({"a": {"id": "alice"}}, "actor")})
    assert visitor.status_code == 403 and volunteer.status_code == 403
    assert key not in call(ds, "get", "/annotations.json").text
