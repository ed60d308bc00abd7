"""Annotating in Datasette: login, server-stamped actors, CSRF, tokens, privacy, search, threads."""
import functools
import re
import sqlite3

import pytest

from archiver.serve import build_datasette
from archiver.passwords import hash_password
from conftest import datasette_request as call

from test_web import KOZINKA, archive  # noqa: F401  (the archive fixture)

KOZINKA_PATH = "/-/post/x~3A1660927314342432768"
HOSTILE = "x:1700000000000000004"


@functools.lru_cache(maxsize=None)
def password_hash(password):
    return hash_password(password)  # slow on purpose (PBKDF2): once per test run


@pytest.fixture
def ds(archive):  # noqa: F811
    environ = {"ARCHIVER_PASSWORD_HASH_ALICE": password_hash("alice-test-pw"), "DATASETTE_SECRET": "test-secret"}
    return build_datasette(archive, environ=environ)




def login(ds, user="alice", password="alice-test-pw"):
    response = call(ds, "post", "/-/login", data={"username": user, "password": password})
    assert response.status_code == 302, response.text
    return {"ds_actor": response.cookies["ds_actor"]}


def events(archive):  # noqa: F811
    conn = sqlite3.connect(archive.with_name("annotations.db"))
    conn.row_factory = sqlite3.Row
    return [dict(r) for r in conn.execute("select * from events order by id")]


def test_serve_creates_annotations_beside_the_archive(ds, archive):  # noqa: F811
    assert archive.with_name("annotations.db").exists()
    assert {"archive", "annotations"} <= set(ds.databases)


def test_login_and_annotate_with_the_server_stamped_actor(ds, archive):  # noqa: F811
    assert call(ds, "post", "/-/login", data={"username": "alice", "password": "wrong"}).status_code == 401
    cookies = login(ds)
    form = {"post_id": KOZINKA, "tag": "Kozinka", "actor_id": "mallory", "actor": "mallory"}
    response = call(ds, "post", "/-/annotate", data=form, cookies=cookies)
    assert response.status_code == 302 and response.headers["location"].endswith(KOZINKA_PATH + "#annotations")
    call(ds, "post", "/-/annotate", data={"post_id": KOZINKA, "note": "Road sign matches", "visibility": "private"},
         cookies=cookies)
    call(ds, "post", "/-/annotate", data={"post_id": KOZINKA, "status": "verified", "latitude": "50.43",
                                          "longitude": "36.93", "place": "Kozinka checkpoint"}, cookies=cookies)
    recorded = events(archive)
    assert [(e["kind"], e["value"], e["actor_id"], e["visibility"]) for e in recorded] == [
        ("tag", "Kozinka", "alice", "public"), ("note", "Road sign matches", "alice", "private"),
        ("status", "verified", "alice", "public"), ("geo", "Kozinka checkpoint", "alice", "public")]
    page = call(ds, "get", KOZINKA_PATH, cookies=cookies).text
    assert "Road sign matches" in page and "Kozinka" in page and "Add note" in page
    assert "archiver-verdict-verified" in page
    bad = call(ds, "post", "/-/annotate", data={"post_id": KOZINKA, "status": "maybe"}, cookies=cookies)
    assert bad.status_code == 302 and len(events(archive)) == 4
    missing = call(ds, "post", "/-/annotate", data={"post_id": "x:404", "tag": "t"}, cookies=cookies)
    assert missing.status_code == 404


def test_anonymous_readers_cannot_write_or_see_private_annotations(ds, archive):  # noqa: F811
    cookies = login(ds)
    call(ds, "post", "/-/annotate", data={"post_id": KOZINKA, "tag": "incursion"}, cookies=cookies)
    call(ds, "post", "/-/annotate", data={"post_id": KOZINKA, "note": "Private lead", "visibility": "private"},
         cookies=cookies)
    assert call(ds, "post", "/-/annotate", data={"post_id": KOZINKA, "tag": "x"}).status_code == 403
    assert call(ds, "post", "/-/annotate", json={"post_id": KOZINKA, "tag": "x"}).status_code == 403
    assert len(events(archive)) == 2
    page = call(ds, "get", KOZINKA_PATH).text
    assert "incursion" in page and "Private lead" not in page and "alice" not in page
    assert "Log in</a> to annotate" in page and "Add note" not in page
    for path in ("/annotations/events.json", "/annotations/current_notes.json", "/annotations.db",
                 "/annotations/-/query.json?sql=select+*+from+events",
                 "/_memory/-/query.json?sql=select+*+from+annotations.events"):
        assert call(ds, "get", path).status_code == 403, path
    public = call(ds, "get", "/annotations/public_tags.json?_shape=objects").json()["rows"]
    assert [(r["post_id"], r["tag"]) for r in public] == [(KOZINKA, "incursion")]
    assert call(ds, "get", "/annotations/events.json", cookies=cookies).status_code == 200


def test_cross_site_form_posts_are_refused(ds, archive):  # noqa: F811
    cookies = login(ds)
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        response = call(ds, "post", "/-/annotate", data={"post_id": KOZINKA, "tag": "csrf"}, cookies=cookies,
                        headers=headers)
        assert response.status_code == 403
    assert events(archive) == []


def test_api_token_for_scripts(ds, archive):  # noqa: F811
    cookies = login(ds)
    page = call(ds, "post", "/-/create-token", data={"expire_duration": ""}, cookies=cookies)
    token = re.search(r"dstok_[A-Za-z0-9_.\-]+", page.text).group(0)
    auth = {"Authorization": f"Bearer {token}"}
    response = call(ds, "post", "/-/annotate", headers=auth,
                    json={"post_id": KOZINKA, "tag": ["script", "batch"], "actor_id": "mallory"})
    assert response.status_code == 200, response.text
    assert response.json()["actor_id"] == "alice" and len(response.json()["event_ids"]) == 2
    assert [(e["value"], e["actor_id"]) for e in events(archive)] == [("script", "alice"), ("batch", "alice")]
    refused = call(ds, "post", "/-/annotate", headers={"Authorization": "Bearer dstok_forged"},
                   json={"post_id": KOZINKA, "tag": "x"})
    assert refused.status_code in (401, 403)
    invalid = call(ds, "post", "/-/annotate", headers=auth, json={"post_id": KOZINKA, "geo": "here"})
    assert invalid.status_code == 400 and "nothing to record" in invalid.json()["message"]
    # A token restricted to reading cannot annotate; one allowed to insert into events can.
    for restriction, allowed in (("all:view-table", False), ("resource:annotations:events:insert-row", True)):
        page = call(ds, "post", "/-/create-token", data={restriction: "on"}, cookies=cookies)
        restricted = {"Authorization": "Bearer " + re.search(r"dstok_[A-Za-z0-9_.\-]+", page.text).group(0)}
        answer = call(ds, "post", "/-/annotate", headers=restricted, json={"post_id": KOZINKA, "tag": "restricted"})
        assert answer.status_code == (200 if allowed else 403), answer.text
    # Logged in or not, the event log is written through /-/annotate only: never directly.
    for path, body in (("/annotations/events/-/insert", {"row": {"post_id": KOZINKA, "kind": "tag", "value": "x",
                                                                   "actor_id": "mallory", "created_at": "now"}}),
                       ("/annotations/-/execute-write", {"sql": "insert into events (post_id) values ('x')"})):
        assert call(ds, "post", path, json=body, headers=auth).status_code == 403
        assert call(ds, "post", path, json=body, cookies=cookies).status_code == 403


def test_search_ranks_and_links_to_post_thread_and_pages(ds):
    result = call(ds, "get", "/-/search.json?q=Kozinka").json()
    assert [r["id"] for r in result["rows"]] == [KOZINKA]
    assert result["rows"][0]["pages"][0]["site_name"] == "Test Daily"
    html = call(ds, "get", "/-/search?q=Kozinka").text
    assert KOZINKA_PATH in html and "/archive/pages/" in html and "Test Daily" in html
    assert 'data-facet="platform"' in html and 'data-facet="tag"' in html
    assert 'href="/-/map"' in html
    pages = call(ds, "get", "/archive/search_pages.json?q=Daily&_shape=objects").json()["rows"]
    assert pages and all(p["site_name"] == "Test Daily" for p in pages)
    # Bad FTS syntax is a search for the words, not an error.
    for q in ('"Kozinka AND (', '"', '""', "NEAR(", "*"):
        assert call(ds, "get", "/-/search", params={"q": q}).status_code == 200, q
        assert call(ds, "get", "/-/search.json", params={"q": q, "_facets": "1"}).status_code == 200, q


def test_search_facets_and_filters_by_tag_and_status(ds, archive):  # noqa: F811
    cookies = login(ds)
    call(ds, "post", "/-/annotate", data={"post_id": KOZINKA, "tag": "checkpoint", "status": "verified"},
         cookies=cookies)
    data = call(ds, "get", "/-/search.json?_facets=1").json()
    facets = {f["name"]: {v["value"]: v["count"] for v in f["values"]} for f in data["facets"]}
    assert facets["tag"] == {"checkpoint": 1} and facets["verdict"] == {"verified": 1}
    conn = sqlite3.connect(archive)
    assert facets["status"] == dict(conn.execute("select status, count(*) from posts group by status").fetchall())
    conn.close()
    assert {"platform", "site", "author"} <= set(facets)
    tagged = call(ds, "get", "/-/search.json?tag=checkpoint").json()["rows"]
    assert [r["id"] for r in tagged] == [KOZINKA]
    assert call(ds, "get", "/-/search.json?verdict=false").json()["rows"] == []
    html = call(ds, "get", "/-/search?tag=checkpoint").text
    assert "tag: checkpoint" in html
    # Without words the page comes first and fetches its facets (no script: a link shows them inline).
    assert "data-archiver-facets=" in html and "_facets=only" in html and 'data-facet="tag"' not in html
    assert 'data-facet="tag"' in call(ds, "get", "/-/search?tag=checkpoint&_facets=1").text
    only = call(ds, "get", "/-/search.json?tag=checkpoint&_facets=only").json()
    assert only["rows"] == [] and {f["name"] for f in only["facets"]} >= {"tag", "verdict", "site"}


def test_hostile_text_is_escaped_in_search_and_annotations(ds):
    cookies = login(ds)
    payload = '<script>alert("note")</script><img src=x onerror=alert(2)>'
    call(ds, "post", "/-/annotate", data={"post_id": HOSTILE, "note": payload, "tag": payload[:60]},
         cookies=cookies)
    page = call(ds, "get", "/-/post/x~3A1700000000000000004", cookies=cookies).text
    assert "<script>alert" not in page and "<img src=x" not in page
    search = call(ds, "get", "/-/search?q=payload").text
    assert "<script>alert(" not in search and "<img src=x onerror" not in search and "&lt;script&gt;" in search


def test_thread_page_shows_the_whole_thread_in_order(ds, archive):  # noqa: F811
    conn = sqlite3.connect(archive)
    with conn:
        for position, native in [(3, "903"), (1, "901"), (2, "902")]:
            conn.execute("insert into posts (id, platform, native_id, text, thread_id, thread_position, status) "
                         "values (?, 'x', ?, ?, 'x:901', ?, 'ok')", [f"x:{native}", native, f"Part {position}/3", position])
        conn.execute("insert into post_media (post_id, position, kind, source_url, status) "
                     "values ('x:902', 0, 'photo', 'https://pbs.example/media/902.jpg', 'pending')")
    page = call(ds, "get", "/-/thread/x~3A902")
    assert page.status_code == 200
    assert page.text.index("Part 1/3") < page.text.index("Part 2/3") < page.text.index("Part 3/3")
    assert "https://pbs.example/media/902.jpg" in page.text
    data = call(ds, "get", "/-/thread/x~3A903.json").json()
    assert data["root"] == "x:901" and [p["id"] for p in data["posts"]] == ["x:901", "x:902", "x:903"]
    assert call(ds, "get", "/-/thread/x~3A404").status_code == 404
    assert "/-/thread/x~3A902" in call(ds, "get", "/-/post/x~3A902").text


def add_photo_with_gps(archive, post_id, latitude, longitude):  # noqa: F811
    """A photo of post_id whose EXIF GPS was read at download, as the media table records it."""
    conn = sqlite3.connect(archive)
    with conn:
        conn.execute("insert into media (sha256, mime, latitude, longitude, taken_at) values (?, 'image/jpeg', ?, ?, "
                     "'2023-05-22T08:00:00Z')", ["e" * 64, latitude, longitude])
        conn.execute("insert into post_media (post_id, position, media_sha256, kind, source_url, status) "
                     "values (?, 99, ?, 'photo', 'https://pbs.example/gps.jpg', 'done')", [post_id, "e" * 64])
    conn.close()


def test_map_of_geolocated_posts(ds, archive):  # noqa: F811
    cookies = login(ds)
    call(ds, "post", "/-/annotate", data={"post_id": KOZINKA, "latitude": "50.43", "longitude": "36.93",
                                          "place": "Kozinka checkpoint"}, cookies=cookies)
    call(ds, "post", "/-/annotate", data={"post_id": HOSTILE, "latitude": "1", "longitude": "2", "private": "on"},
         cookies=cookies)
    add_photo_with_gps(archive, KOZINKA, 48.5, 35.0)

    def points(**kwargs):
        data = call(ds, "get", "/-/map.json", **kwargs).json()
        return {(p["post_id"], p["latitude"], p["longitude"], p["placed_by"]) for p in data["points"]}

    public = {(KOZINKA, 50.43, 36.93, "volunteer"), (KOZINKA, 48.5, 35.0, "photo GPS")}
    assert points() == public  # visitors: public places and photos' GPS
    assert points(cookies=cookies) == public | {(HOSTILE, 1.0, 2.0, "volunteer")}  # the team sees private ones
    page = call(ds, "get", "/-/map", cookies=cookies).text
    assert "archiver-map.js" in page and "leaflet" in page and 'href="/-/post/x~3A1660927314342432768"' in page
    # The hostile post's text rides in the page as JSON: escaped, so it cannot close the script element.
    data = page.split('id="archiver-map-data">', 1)[1].split("</script>", 1)[0]
    assert "<script>" not in data and "<img" not in data and "\\u003cscript\\u003e" in data
    assert 'href="/-/map"' in call(ds, "get", "/-/search?q=Kozinka").text