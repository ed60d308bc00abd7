"""The post page: links only to what is archived, the article's author when the platform gave none,
the consent badge, and the status in plain words beside the raw detail."""
import re
import sqlite3

from archiver.serve import build_datasette
from conftest import datasette_get as get

from test_web import KOZINKA, archive  # noqa: F401  (the archive fixture)

PATH = "/-/post/x~3A1660927314342432768"


def test_every_link_on_a_post_page_answers(archive):  # noqa: F811
    conn = sqlite3.connect(archive)
    with conn:  # a reply in a thread whose first post and parent were never archived
        conn.execute("update posts set thread_id = 'x:1', reply_to_id = 'x:2' where id = ?", [KOZINKA])
    conn.close()
    ds = build_datasette(archive)
    html = get(ds, PATH).text
    assert "Thread started by" in html and "x:1 <small>(not archived)</small>" in html
    for link in re.findall(r'href="(/[^"#]*)', html):
        if not link.startswith("/-/static"):
            assert get(ds, link).status_code == 200, link


def test_the_articles_author_stands_in_and_the_status_reads_as_sentences(archive):  # noqa: F811
    conn = sqlite3.connect(archive)
    with conn:
        conn.execute("update posts set author_name = null, author_handle = null, account_id = null, "
                     "status = 'unavailable', status_detail = ? where id = ?",
                     ["X syndication: no such post (404 or empty answer); FxTwitter: not asked (ARCHIVER_OFFLINE "
                      "is set and endpoint 'fxtwitter' is not configured)", KOZINKA])
    conn.close()
    html = get(build_datasette(archive), PATH).text
    header = re.search(r"<header>.*?</header>", html, re.S).group(0)
    assert "Unknown author" not in header and "Cyrille Amoursky" in header and "@AmourskyCyrille" in header
    assert "as the article named the author" in header
    assert "hidden behind didomi on Test Daily" in header
    assert "X syndication has no such post." in html
    assert "FxTwitter was not asked: this archive was collected offline." in html
    assert "endpoint &#39;fxtwitter&#39; is not configured" in html  # the raw detail stays, folded away
