"""Search finds what volunteers type: prefixes, highlighted snippets, date ranges."""
from datasette_embed_archive.search import MARK_END, MARK_START, SearchRequest, highlight

from archiver.serve import build_datasette
from conftest import datasette_get as get

from test_web import KOZINKA, archive  # noqa: F401  (the archive fixture)


def ids(ds, query):
    response = get(ds, "/-/search.json?" + query)
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["rows"]]


def test_the_last_word_is_a_prefix_once_it_is_long_enough():
    assert SearchRequest(q="Koz").fts == '"Koz"*'
    assert SearchRequest(q="checkpoint Koz").fts == '"checkpoint" "Koz"*'
    assert SearchRequest(q="Ko").fts == '"Ko"'
    assert SearchRequest(q='a"b').fts.count('"') % 2 == 0  # a stray quote stays a word


def test_prefix_search_and_highlighted_snippets(archive):  # noqa: F811
    ds = build_datasette(archive)
    assert ids(ds, "q=Koz") == [KOZINKA] and ids(ds, "q=Kozinka") == [KOZINKA]
    row = get(ds, "/-/search.json?q=Kozin").json()["rows"][0]
    assert "Kozinka" in row["snippet"] and MARK_START not in row["snippet"]
    assert "<mark>Kozinka</mark>" in row["snippet_html"]
    html = get(ds, "/-/search?q=payload").text
    assert "<mark>payload</mark>" in html and "<script>alert" not in html and "<img src=x" not in html


def test_highlight_escapes_everything_but_its_own_marks():
    text = f'<img src=x onerror=alert(1)> {MARK_START}Koz{MARK_END}inka {MARK_END}{MARK_START}<b>'
    html = str(highlight(text))
    assert html == "&lt;img src=x onerror=alert(1)&gt; <mark>Koz</mark>inka <mark>&lt;b&gt;</mark>"
    assert highlight(None) == ""


def test_date_ranges(archive):  # noqa: F811
    ds = build_datasette(archive)
    assert KOZINKA in ids(ds, "since=2023-05-23&until=2023-05-23")  # the post is from 2023-05-23
    assert KOZINKA in ids(ds, "since=2023&until=2023-05")
    assert KOZINKA not in ids(ds, "since=2023-05-24")
    assert KOZINKA not in ids(ds, "until=2023-05-22")
    bad = get(ds, "/-/search.json?since=yesterday")
    assert bad.status_code == 400 and "since is a date" in bad.json()["error"]


def test_a_name_typed_in_cyrillic_finds_its_latin_spelling(archive):  # noqa: F811
    assert SearchRequest(q="Козинка").fts == '("Козинка"*) OR ("Kozinka"*) OR ("Kozynka"*)'
    ds = build_datasette(archive)
    assert ids(ds, "q=Козинка") == [KOZINKA]  # the post says "Kozinka"
    html = get(ds, "/-/search?q=Козин").text
    assert "<mark>Kozinka</mark>" in html


def test_notes_and_tags_are_searched_as_the_viewer_may_see_them(archive):  # noqa: F811
    from archiver import annotations
    from archiver.annotations import Changes

    conn = annotations.connect(annotations.path_beside(archive))
    annotations.annotate(conn, KOZINKA, "alice", Changes(note="Road sign 100% matches the Kozinka checkpoint"))
    annotations.annotate(conn, KOZINKA, "bob", Changes(note="Source: a cousin in Shebekino", private=True,
                                                       tags=["Shebekino-lead"]))
    conn.close()
    ds = build_datasette(archive, environ={"DATASETTE_SECRET": "s"})
    visitor = get(ds, "/-/search.json?q=road+sign").json()["annotations"]
    assert [(m["post_id"], m["kind"]) for m in visitor] == [(KOZINKA, "note")]
    assert get(ds, "/-/search.json?q=100%25+sign").json()["annotations"]  # % is a character, not a wildcard
    assert not get(ds, "/-/search.json?q=10_").json()["annotations"]
    assert get(ds, "/-/search.json?q=Shebekino").json()["annotations"] == []  # private: volunteers only
    volunteer = {"ds_actor": ds.sign({"a": {"id": "carol"}}, "actor")}
    found = get(ds, "/-/search.json?q=Shebekino", cookies=volunteer).json()["annotations"]
    assert {m["kind"] for m in found} == {"note", "tag"}
    html = get(ds, "/-/search?q=road+sign").text
    assert "Volunteers' notes and tags" in html and "Road sign 100% matches" in html


def test_a_name_typed_in_latin_finds_its_cyrillic_spelling(tmp_path):
    from archiver.models import Account, Post
    from archiver.store import Store

    db_path = tmp_path / "archive.db"
    store = Store(db_path)
    store.upsert_post(Post("telegram", "1", "https://t.me/c/1", text="Росіяни тримають блокпост Козинка",
                           account=Account(platform="telegram", handle="c", display_name="Белгород 24")),
                      "2024-01-01T00:00:00Z")
    store.db.conn.close()
    ds = build_datasette(db_path)
    assert ids(ds, "q=Kozinka") == ["telegram:1"]       # Russian-style spelling
    assert ids(ds, "q=Kozynka") == ["telegram:1"]       # Ukrainian-style spelling
    assert ids(ds, "q=Belgorod") == ["telegram:1"]      # in the author's name
    assert ids(ds, "q=Козинка") == ["telegram:1"]
    row = get(ds, "/-/search.json?q=Kozynka").json()["rows"][0]
    assert "Козинка" in (row["snippet"] or "") and "Kozynka" not in (row["snippet"] or "")  # the text, not the spellings


def test_an_archive_indexed_before_latin_spellings_gets_them(tmp_path):
    import sqlite3

    from archiver.store import Store

    db_path = tmp_path / "archive.db"
    Store(db_path).db.conn.close()
    conn = sqlite3.connect(db_path)
    with conn:  # as an earlier version left it: no Latin spellings, an index without them
        conn.execute("insert into posts (id, platform, native_id, text) values ('x:1', 'x', '1', 'Козинка')")
        conn.execute("drop table posts_fts")
        for name in ("posts_ai", "posts_ad", "posts_au"):
            conn.execute(f"drop trigger if exists {name}")
    conn.close()
    Store(db_path).db.conn.close()
    assert ids(build_datasette(db_path), "q=Kozinka") == ["x:1"]


def test_the_posts_own_words_rank_above_the_pages_and_the_transcripts(tmp_path):
    from archiver.models import Post
    from archiver.store import Store

    db_path = tmp_path / "archive.db"
    store = Store(db_path)
    said = "Shelling reported near Belgorod this morning, residents say"
    store.upsert_post(Post("x", "1", "https://x.com/a/status/1", text=said, text_source="embed"), "2024")
    store.upsert_post(Post("x", "2", "https://x.com/b/status/2", text=said), "2024")
    store.upsert_post(Post("youtube", "3", "https://youtu.be/3", text="Morning news"), "2024")
    store.db.execute("update posts set transcript = ? where id = 'youtube:3'", [said])
    store.db.conn.commit()
    store.db.conn.close()
    assert ids(build_datasette(db_path), "q=Belgorod") == ["x:2", "x:1", "youtube:3"]


def test_a_visitors_cached_page_never_mixes_with_a_volunteers_and_follows_the_log(archive):  # noqa: F811
    from archiver import annotations
    from archiver.annotations import Changes

    ds = build_datasette(archive, environ={"DATASETTE_SECRET": "s"})
    log = annotations.connect(annotations.path_beside(archive))
    annotations.annotate(log, KOZINKA, "bob", Changes(note="Kozinka lead from a cousin", private=True))
    assert "from a cousin" not in get(ds, "/-/search?q=Kozinka").text  # rendered for visitors, kept
    volunteer = {"ds_actor": ds.sign({"a": {"id": "carol"}}, "actor")}
    assert "from a cousin" in get(ds, "/-/search?q=Kozinka", cookies=volunteer).text
    assert "from a cousin" not in get(ds, "/-/search?q=Kozinka").text
    annotations.annotate(log, KOZINKA, "alice", Changes(note="Kozinka sign matches"))  # public: the log moves
    log.close()
    assert "Kozinka sign matches" in get(ds, "/-/search?q=Kozinka").text
