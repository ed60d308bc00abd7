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
