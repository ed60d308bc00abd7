"""archiver merge: archives collected apart, against the real local server, brought into one."""
import hashlib
import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.media.files import files_dir
from archiver.recheck import RecheckOptions, recheck
from archiver.merge import merge_archives
from archiver.merge_command import merge
from archiver.sourcequeue import SourceQueue
from archiver.store import Store
from archiver.verify import verify_archive
from fixtures.media import samples
from server import FIXTURES, Answer

KOZINKA_ID = "1660927314342432768"
PHOTO = samples.jpeg(seed=7)
AVATAR = samples.jpeg((64, 64), seed=8)


@pytest.fixture
def site(server):
    """Three article pages: one with a photo post behind a consent wall, two with the same two tweets."""
    tweet = json.loads((FIXTURES / "x" / f"{KOZINKA_ID}.json").read_text())
    server.routes["/pbs/photo.jpg"] = Answer(200, PHOTO, "image/jpeg")
    server.routes["/pbs/avatar_normal.jpg"] = server.routes["/pbs/avatar_400x400.jpg"] = Answer(200, AVATAR,
                                                                                               "image/jpeg")
    tweet["mediaDetails"] = [{"type": "photo", "media_url_https": server.url("/pbs/photo.jpg")}]
    tweet["user"]["profile_image_url_https"] = server.url("/pbs/avatar_normal.jpg")
    server.syndication({KOZINKA_ID: Answer(body=json.dumps(tweet).encode(), content_type="application/json")})
    server.sources = [server.page("/belgorod", "belgorod-didomi.html"), server.page("/two", "two-tweets.html"),
                      server.page("/two-again", "two-tweets.html")]
    return server


def collect(server, db_path, *sources):
    """Collect as `archiver collect` does: the sources' queue, the pages, their posts and media."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(db_path)
    queue = SourceQueue(store.db)
    queue.plan(sources)
    collector = Collector(store, endpoints=Endpoints([f"x={server.base}"]), allow_private=True)
    collector.fetcher.backoff = 0.01
    for result in collector.collect(sources).results:
        queue.finished(result.source, error=result.error, page_id=result.page_id)
    store.db.close()
    return db_path


def rows(db_path, sql, params=()):
    conn = sqlite3.connect(db_path)
    try:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


IDS_AND_TIMES = {"id", "capture_id", "video_info_capture_id", "previous_capture_id", "page_id", "version_id",
                 "lookup_capture_id", "first_captured_at", "last_captured_at", "last_attempt_at", "first_seen_at",
                 "last_seen_at", "captured_at", "fetched_at", "queued_at", "finished_at", "checked_at"}


def content(db_path, *, times=False):
    """What an archive holds, whatever its row numbers (and, unless asked, whenever it was collected)."""
    leave_out = {"id", "capture_id", "video_info_capture_id", "previous_capture_id", "page_id", "version_id",
                 "lookup_capture_id"} if times else IDS_AND_TIMES

    def table(sql):
        return sorted(json.dumps({k: v for k, v in r.items() if k not in leave_out}, sort_keys=True)
                      for r in rows(db_path, sql))

    root = files_dir(db_path)
    return {
        "posts": table("select * from posts"),
        "accounts": table("select * from accounts"),
        "pages": table("select * from pages"),
        "embeds": table("select embeds.*, pages.url as page_url from embeds join pages on pages.id = page_id"),
        "placeholders": table("select placeholders.*, pages.url as page_url from placeholders "
                              "join pages on pages.id = page_id"),
        "media": table("select * from media"),
        "post_media": table("select * from post_media"),
        "facets": table("select 'tag' as kind, post_id, tag as value from hashtags union all "
                        "select 'mention', post_id, handle from mentions union all "
                        "select 'link', post_id, url from links"),
        "sources": table("select sources.*, pages.url as page_url from sources left join pages on pages.id = page_id"),
        "versions": table("select * from post_versions"),
        "checks": table("select * from post_checks"),
        "evidence": sorted({(c["url"], c["kind"], c["status_code"], c["sha256"])
                            for c in rows(db_path, "select * from captures")}),
        **({"captures": table("select * from captures")} if times else {}),
        "files": sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name[0] != "."),
    }


def everything(db_path):
    """Every row of every table, row numbers included: for 'nothing changed'."""
    names = [r["name"] for r in rows(db_path, "select name from sqlite_master where type = 'table' "
                                              "and name not like '%fts%' order by name")]
    return {name: rows(db_path, f"select * from [{name}] order by rowid") for name in names}


def healthy(db_path):
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        for fts in ("posts_fts", "pages_fts"):  # the full-text index says what its table holds
            conn.execute(f"insert into {fts}({fts}, rank) values ('integrity-check', 1)")
    finally:
        conn.close()
    report = verify_archive(db_path)
    assert report.ok and report.checked > 0, [str(p) for p in report.problems]


@pytest.fixture
def split(site, tmp_path):
    """The same sources collected once in one archive, and apart in two (sharing two posts)."""
    whole = collect(site, tmp_path / "whole" / "archive.db", *site.sources)
    a = collect(site, tmp_path / "a" / "archive.db", *site.sources[:2])
    b = collect(site, tmp_path / "b" / "archive.db", site.sources[2])
    return whole, a, b


def test_two_archives_merged_hold_what_one_collect_of_everything_holds(split, tmp_path):
    whole, a, b = split
    target = tmp_path / "merged" / "archive.db"
    report = merge_archives(target, [a, b])
    assert report.ok, report.as_json()
    assert content(target) == content(whole)
    assert rows(target, "select count(*) as n from posts")[0]["n"] == 4  # 3 in the articles and the parent of one
    assert {r["post_id"] for r in rows(target, "select * from post_media where status = 'done'")} == {
        f"x:{KOZINKA_ID}"}
    assert (files_dir(target) / rows(target, "select path from media where sha256 = ?",
                                     [hashlib.sha256(PHOTO).hexdigest()])[0]["path"]).read_bytes() == PHOTO
    first, second = report.sources
    assert first.added["posts"] == 4 and first.files_copied > 0
    assert second.added["pages"] == 1 and second.added["posts"] == 0
    assert second.added["embeds"] == 2
    healthy(target)


def test_every_reference_points_at_the_row_it_pointed_at_in_its_own_archive(split, tmp_path):
    _, a, b = split
    target = tmp_path / "merged.db"
    merge_archives(target, [b, a])  # b first: a's rows all get new numbers
    by_page = """select pages.url as page, embeds.position, embeds.post_id, captures.url as page_capture,
                        captures.sha256 from embeds join pages on pages.id = embeds.page_id
                 join captures on captures.id = pages.capture_id order by 1, 2"""
    expected = sorted(map(json.dumps, rows(a, by_page) + rows(b, by_page)))
    assert sorted(map(json.dumps, rows(target, by_page))) == expected
    post_captures = """select posts.id, captures.url, captures.sha256 from posts
                       join captures on captures.id = posts.capture_id"""
    assert {json.dumps(r) for r in rows(target, post_captures)} == {
        json.dumps(r) for r in rows(a, post_captures) + rows(b, post_captures)}
    source_pages = "select source, pages.url from sources join pages on pages.id = sources.page_id"
    assert sorted(map(json.dumps, rows(target, source_pages))) == sorted(
        map(json.dumps, rows(a, source_pages) + rows(b, source_pages)))


def test_merging_again_changes_nothing_and_order_does_not_matter(split, tmp_path):
    _, a, b = split
    ab, ba = tmp_path / "ab.db", tmp_path / "ba.db"
    merge_archives(ab, [a, b])
    before = everything(ab)
    files_before = content(ab)["files"]
    again = merge_archives(ab, [b, a, a])
    assert everything(ab) == before and content(ab)["files"] == files_before
    for source in again.sources:
        assert not any(source.added.values()) and not any(source.updated.values()), source.as_json()
        assert source.files_copied == 0
    merge_archives(ba, [b, a])
    assert content(ba, times=True) == content(ab, times=True)
    healthy(ab)
    healthy(ba)


def test_overlapping_archives_keep_the_earliest_capture_and_every_version(site, tmp_path):
    page = site.sources[0]
    early = collect(site, tmp_path / "early" / "archive.db", page)
    time.sleep(1.1)  # times are kept to the second
    late = collect(site, tmp_path / "late" / "archive.db", page)
    site.syndication({KOZINKA_ID: Answer(body=(FIXTURES / "x" / "tombstone-deleted.json").read_bytes(),
                                         content_type="application/json")})
    time.sleep(1.1)
    collect(site, late, page)  # the post is gone by then: a version
    post_id = f"x:{KOZINKA_ID}"
    assert len(rows(late, "select * from post_versions")) == 1

    for order in ([early, late], [late, early]):
        target = tmp_path / f"merged-{order[0].parent.name}.db"
        assert merge_archives(target, order).ok
        post = rows(target, "select * from posts where id = ?", [post_id])[0]
        earliest = rows(early, "select * from posts where id = ?", [post_id])[0]
        latest = rows(late, "select * from posts where id = ?", [post_id])[0]
        assert post["first_captured_at"] == earliest["first_captured_at"] < latest["first_captured_at"]
        assert post["last_captured_at"] == latest["last_captured_at"]
        assert post["status"] == "deleted" and "#Kozinka" in post["text"]  # the text read before it was gone
        versions = rows(target, "select * from post_versions")
        assert [json.loads(v["changes"])["status"] for v in versions] == [["ok", "deleted"]]
        assert rows(target, "select fetched_at from captures where id = ?", [versions[0]["capture_id"]]) == rows(
            late, "select fetched_at from captures where id = ?", [rows(late, "select * from post_versions")[0][
                "capture_id"]])
        page_row = rows(target, "select * from pages")[0]
        assert page_row["first_captured_at"] == rows(early, "select * from pages")[0]["first_captured_at"]
        assert page_row["last_captured_at"] == rows(late, "select * from pages")[0]["last_captured_at"]
        # every fetch of both archives is kept
        count = "select count(*) as n from captures"
        assert rows(target, count)[0]["n"] == rows(early, count)[0]["n"] + rows(late, count)[0]["n"]
        healthy(target)
    assert content(tmp_path / "merged-early.db", times=True) == content(tmp_path / "merged-late.db", times=True)


def test_a_post_found_gone_later_keeps_the_text_read_before(site, tmp_path):
    page = site.sources[0]
    early = collect(site, tmp_path / "early" / "archive.db", page)
    del site.routes["/tweet-result"]  # then X knows the post no more: only the page's own words are left
    time.sleep(1.1)
    late = collect(site, tmp_path / "late" / "archive.db", page)
    post_id = f"x:{KOZINKA_ID}"
    assert rows(late, "select text_source from posts where id = ?", [post_id]) == [{"text_source": "embed"}]
    one = collect(site, checkpointed_copy(early, tmp_path / "one" / "archive.db"), page)  # as one archive would have it
    expected = rows(one, "select status, status_detail, text, text_source, author_handle, latin from posts where id = ?",
                    [post_id])
    for order in ([early, late], [late, early]):
        target = tmp_path / f"merged-{order[0].parent.name}.db"
        merge_archives(target, order)
        assert rows(target, "select status, status_detail, text, text_source, author_handle, latin from posts "
                            "where id = ?", [post_id]) == expected
        assert expected[0]["status"] == "unavailable" and expected[0]["text_source"] == "platform"


def test_a_recheck_still_names_its_own_version_after_merging(site, tmp_path):
    page = site.sources[0]
    other = collect(site, tmp_path / "other" / "archive.db", page)
    watched = collect(site, tmp_path / "watched" / "archive.db", page)
    site.syndication({KOZINKA_ID: Answer(body=(FIXTURES / "x" / "tombstone-suspended.json").read_bytes(),
                                         content_type="application/json")})
    collect(site, other, page)  # other saw the account suspended: its own version, numbered 1 there
    site.syndication({KOZINKA_ID: Answer(body=(FIXTURES / "x" / "tombstone-deleted.json").read_bytes(),
                                         content_type="application/json")})
    recheck(Store(watched), Endpoints([f"x={site.base}"]), RecheckOptions(), allow_private=True)
    checked = """select post_checks.post_id, post_checks.status, post_versions.changes, captures.url, captures.sha256
                 from post_checks join post_versions on post_versions.id = post_checks.version_id
                 join captures on captures.id = post_checks.capture_id"""
    assert len(rows(watched, checked)) == 1
    target = tmp_path / "merged.db"
    assert merge_archives(target, [other, watched]).ok
    assert rows(target, checked) == rows(watched, checked)
    assert len(rows(target, "select * from post_versions")) == 2
    healthy(target)


def test_merged_posts_are_found_by_full_text_search(split, tmp_path):
    _, a, b = split
    target = tmp_path / "merged.db"
    merge_archives(target, [a, b])
    found = rows(target, "select posts.id from posts join posts_fts on posts.rowid = posts_fts.rowid "
                         "where posts_fts match ? order by posts.id", ["Kozinka OR border"])
    assert [r["id"] for r in found] == [f"x:{KOZINKA_ID}", "x:1700000000000000001"]
    pages = rows(target, "select pages.url from pages join pages_fts on pages.rowid = pages_fts.rowid "
                         "where pages_fts match 'Belgorod'")
    assert [r["url"] for r in pages] == [split[0] and rows(a, "select url from pages order by id")[0]["url"]]


def test_the_sources_queue_merges_with_done_winning(site, tmp_path):
    site.routes["/two-again"] = Answer(500, b"down")
    failed = collect(site, tmp_path / "failed" / "archive.db", site.sources[2])
    site.page("/two-again", "two-tweets.html")
    done = collect(site, tmp_path / "done" / "archive.db", site.sources[2])
    target = tmp_path / "merged.db"
    merge_archives(target, [done, failed])
    (row,) = rows(target, "select * from sources")
    assert row["state"] == "done" and row["error"] is None and row["attempts"] == 1
    assert rows(target, "select url from pages where id = ?", [row["page_id"]])[0]["url"] == site.sources[2]


def unchanged_by(target, merging):
    before, files = everything(target), content(target)["files"]
    report = merge_archives(target, [merging])
    assert everything(target) == before and content(target)["files"] == files
    (source,) = report.sources
    assert source.error and not report.ok
    return source.error


def test_what_is_not_an_archive_is_refused_and_leaves_the_target_unchanged(site, tmp_path):
    target = collect(site, tmp_path / "t" / "archive.db", site.sources[1])
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all\n" * 300)
    assert "not a database" in unchanged_by(target, garbage)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("create table posts (id text)")
    assert "not an archive of archiver" in unchanged_by(target, other)
    assert "no such file" in unchanged_by(target, tmp_path / "missing.db")
    assert "the target itself" in unchanged_by(target, target)


def checkpointed_copy(db_path, to):
    """A copy of an archive (database in one file, and its files beside it)."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("pragma wal_checkpoint(truncate)")
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(db_path, to)
    shutil.copytree(files_dir(db_path), files_dir(to))
    return to


def test_a_damaged_archive_is_refused_whole(split, tmp_path):
    _, a, b = split
    target = tmp_path / "t" / "archive.db"
    merge_archives(target, [b])
    damaged = checkpointed_copy(a, tmp_path / "damaged" / "archive.db")
    data = bytearray(damaged.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size * 3: page_size * 5] = b"\xff" * (page_size * 2)  # two pages of tables or indexes, overwritten
    damaged.write_bytes(bytes(data))
    error = unchanged_by(target, damaged)
    assert "malformed" in error and "nothing of it was merged" in error


def test_an_archive_failing_halfway_leaves_nothing_of_it(split, tmp_path):
    _, a, b = split
    target = tmp_path / "t" / "archive.db"
    merge_archives(target, [b])
    broken = checkpointed_copy(a, tmp_path / "broken" / "archive.db")
    with sqlite3.connect(broken) as conn:  # a photo's row names media the archive no longer has
        conn.execute("delete from media")
    error = unchanged_by(target, broken)
    assert "nothing of it was merged" in error and "FOREIGN KEY" in error


def test_a_damaged_file_is_reported_and_not_copied(split, tmp_path):
    _, a, _ = split
    sha = hashlib.sha256(PHOTO).hexdigest()
    photo = files_dir(a) / rows(a, "select path from media where sha256 = ?", [sha])[0]["path"]
    photo.unlink()  # (a hard link to the photo's body: that one stays intact)
    photo.write_bytes(b"tampered" + PHOTO[8:])
    target = tmp_path / "merged.db"
    report = merge_archives(target, [a])
    (source,) = report.sources
    assert not report.ok and source.error is None
    assert [p for p in source.problems if sha in p and "altered in the source" in p]
    assert not (files_dir(target) / photo.relative_to(files_dir(a))).exists()
    assert rows(target, "select count(*) as n from posts")[0]["n"] == rows(a, "select count(*) as n from posts")[0]["n"]
    problems = verify_archive(target).problems
    assert [(p.what, p.detail) for p in problems] == [("media", "missing")]


def test_a_file_path_leading_elsewhere_is_not_followed(split, tmp_path):
    _, a, _ = split
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(PHOTO)
    with sqlite3.connect(a) as conn:
        conn.execute("update media set path = ? where sha256 = ?", [f"../../secret.jpg", hashlib.sha256(PHOTO).hexdigest()])
    target = tmp_path / "t" / "merged.db"
    (source,) = merge_archives(target, [a]).sources
    assert [p for p in source.problems if "unexpected path '../../secret.jpg'" in p]
    assert not (tmp_path / "t" / "secret.jpg").exists() and not list(tmp_path.glob("t/**/secret.jpg"))


def test_command_prints_a_summary_and_json(split, tmp_path):
    _, a, b = split
    target = tmp_path / "merged.db"
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"x" * 5000)
    result = CliRunner().invoke(merge, [str(target), str(a), str(b), str(garbage), "--json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert [s["merged"] for s in summary["sources"]] == [True, True, False]
    assert summary["sources"][0]["tables"]["posts"] == {"added": 4, "updated": 0}
    assert summary["sources"][0]["files_copied"] > 0
    assert "not a database" in summary["sources"][2]["error"]
    assert f"archiver: merged {a}: " in result.stderr and "posts +4" in result.stderr
    assert "2 of 3 archive(s) merged" in result.stderr
    again = CliRunner().invoke(merge, [str(target), str(a), str(b)])
    assert again.exit_code == 0 and "nothing new; 0 file(s) copied" in again.stderr
    assert "annotations.db" in CliRunner().invoke(merge, ["--help"]).output


def test_a_target_that_is_not_an_archive_is_refused(split, tmp_path):
    _, a, _ = split
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("create table notes (text)")
    result = CliRunner().invoke(merge, [str(other), str(a)])
    assert result.exit_code == 1 and "not an archive of archiver" in result.stderr
    assert [r["name"] for r in rows(other, "select name from sqlite_master")] == ["notes"]


def test_an_archive_copied_without_its_files_is_merged_and_says_so(split, tmp_path, monkeypatch):
    _, a, _ = split
    shutil.rmtree(files_dir(a))
    monkeypatch.setattr("archiver.merge_command.SHOWN_PROBLEMS", 2)
    target = tmp_path / "merged.db"
    result = CliRunner().invoke(merge, [str(target), str(a), "--json"])
    assert result.exit_code == 1
    (source,) = json.loads(result.stdout)["sources"]
    assert source["merged"] and source["files_copied"] == 0
    assert len(source["problems"]) == verify_archive(target).checked > 2
    assert all("missing in the source" in p for p in source["problems"])
    lines = [line for line in result.stderr.splitlines() if "missing in the source" in line]
    assert len(lines) == 2 and f"and {len(source['problems']) - 2} more problem(s)" in result.stderr
