"""Datasette's tables of the archive read well: text, author, time and status first, ids last."""
import re

from datasette_embed_archive.columns import ordered

from archiver.serve import build_datasette
from conftest import datasette_get as get

from test_web import KOZINKA, archive  # noqa: F401  (the archive fixture)


def header(html):
    thead = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    return re.findall(r'data-column="([^"]+)"', thead)


def test_readable_columns_first_and_ids_last():
    columns = ["id", "platform", "native_id", "url", "account_id", "text", "created_at", "status", "lang", "latin"]
    assert ordered("posts", columns) == ["text", "created_at", "status", "platform", "url", "lang", "id",
                                         "native_id", "account_id"]


def test_table_pages_use_the_order_unless_the_reader_chooses(archive):  # noqa: F811
    ds = build_datasette(archive)
    posts = header(get(ds, "/archive/posts").text)
    assert posts[:6] == ["id", "text", "author_name", "author_handle", "created_at", "status"]  # the key, then text
    assert posts.index("native_id") > posts.index("lang") and posts[-1].endswith("id")
    assert header(get(ds, "/archive/embedded_posts").text)[:2] == ["text", "author_name"]
    assert header(get(ds, "/archive/pages?site_name=Test+Daily").text)[:3] == ["id", "title", "site_name"]
    assert header(get(ds, "/archive/posts?_col=status").text) == ["id", "status"]
    assert list(get(ds, "/archive/posts.json?_shape=objects").json()["rows"][0])[:3] == ["id", "platform", "native_id"]


def test_a_posts_row_leads_to_its_post_page(archive):  # noqa: F811
    ds = build_datasette(archive)
    row = get(ds, "/archive/posts/x~3A1660927314342432768")
    assert row.status_code == 302 and row.headers["location"] == "/-/post/x~3A1660927314342432768"
    assert get(ds, "/archive/posts/x~3A1660927314342432768.json").json()["rows"][0]["id"] == KOZINKA
