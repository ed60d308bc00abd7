"""As a person would: a real browser (Debian's chromium through Playwright) against real servers.

Log in as a user the test creates, search, open the post, annotate it and see
the history; hostile post text renders as text and runs nothing; the
published bundle, served read-only, shows public annotations and refuses writes.
"""
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from archiver import annotations
from archiver.annotations import Changes
from archiver.publish import publish
from archiver.passwords import hash_password
from archiver.users import env_name

from test_web import KOZINKA, archive  # noqa: F401  (the archive fixture)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
USER, PASSWORD = "browser-tester", "a test password, made up here"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: page.errors.append(message.text) if "alert" in message.text else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


def start(args, url, **kwargs):
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    try:
        wait_for(url, proc)
    except Exception:
        proc.kill()
        raise
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def live(archive):  # noqa: F811
    """`archiver serve` over the test archive, with one user created for this test."""
    port = free_port()
    env = {**os.environ, env_name(USER): hash_password(PASSWORD)}
    base = f"http://127.0.0.1:{port}"
    proc = start([sys.executable, "-m", "archiver", "serve", "--db", str(archive), "--port", str(port)],
                 base + "/-/versions.json", env=env)
    yield base
    stop(proc)


def log_in(page, base):
    page.goto(base + "/-/login")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    assert "ds_actor" in {c["name"] for c in page.context.cookies()}


def test_log_in_search_open_annotate_and_see_history(page, live):
    log_in(page, live)
    page.goto(live + "/-/search")
    page.fill("input[name=q]", "Kozinka")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    result = page.locator(f'article[data-post-id="{KOZINKA}"] a.archiver-result-link')
    assert result.count() == 1
    result.click()
    page.wait_for_load_state()
    assert page.url.endswith("/-/post/x~3A1660927314342432768")
    page.fill("form[aria-label='Add a tag'] input[name=tag]", "Checkpoint")
    page.click("form[aria-label='Add a tag'] button[type=submit]")
    page.wait_for_load_state()
    page.fill("form[aria-label='Add a note'] textarea[name=note]", "The road sign reads Козинка.")
    page.click("form[aria-label='Add a note'] button[type=submit]")
    page.wait_for_load_state()
    history = page.locator("table.archiver-history tbody tr")
    assert history.count() == 2
    rows = [history.nth(i).inner_text() for i in range(2)]
    assert "note" in rows[0] and "The road sign reads Козинка." in rows[0] and USER in rows[0]
    assert "tag" in rows[1] and "Checkpoint" in rows[1] and USER in rows[1]
    assert page.locator(".archiver-tags .archiver-tag").first.inner_text().startswith("Checkpoint")
    # Browsing without words: the facets arrive after the page, and filter by tag.
    page.goto(live + "/-/search")
    page.locator("[data-facet=tag] a", has_text="Checkpoint").click()
    page.wait_for_load_state()
    assert page.url.endswith("/-/search?tag=Checkpoint")
    assert [page.locator("article.archiver-result").nth(i).get_attribute("data-post-id")
            for i in range(page.locator("article.archiver-result").count())] == [KOZINKA]
    assert not page.dialogs and not page.errors


HOSTILE_NAME = '<b onmouseover=alert(2)>Evil</b><script>alert("name")</script>'
HOSTILE_TEXT = '<img src=x onerror=alert(1)> <script>alert("xss")</script> payload <a href="javascript:alert(3)">x</a>'


def test_hostile_post_renders_as_text_and_runs_nothing(page, live, archive):  # noqa: F811
    conn = sqlite3.connect(archive)
    with conn:  # a platform answer carrying payloads in the text and the author's name
        conn.execute("insert into posts (id, platform, native_id, author_handle, author_name, text, status, thread_id) "
                     "values ('x:666', 'x', '666', 'evil_demo', ?, ?, 'ok', 'x:666')", [HOSTILE_NAME, HOSTILE_TEXT])
    conn.close()
    log_in(page, live)
    page.goto(live + "/-/post/x~3A666")
    assert page.locator("article.archiver-post .text").inner_text() == HOSTILE_TEXT  # shown, as characters
    assert page.locator("article.archiver-post .author").inner_text() == HOSTILE_NAME
    assert page.locator("article.archiver-post img, article.archiver-post b, article.archiver-post .text a").count() == 0
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    page.fill("form[aria-label='Add a note'] textarea[name=note]", payload)
    page.click("form[aria-label='Add a note'] button[type=submit]")
    page.wait_for_load_state()
    assert payload in page.locator(".archiver-notes").inner_text()
    for path in ("/-/post/x~3A666", "/-/search?q=payload", "/-/thread/x~3A666", "/archive/posts?_search=payload",
                 "/archive/posts/x~3A666"):
        page.goto(live + path)
        page.wait_for_timeout(300)
    assert page.locator("script:text('alert')").count() == 0
    assert page.dialogs == [] and page.errors == []


def test_published_bundle_read_only_in_the_browser(page, archive, tmp_path):  # noqa: F811
    conn = annotations.connect(annotations.path_beside(archive))
    annotations.annotate(conn, KOZINKA, "someone", Changes(tags=["published-tag"], note="A public note"))
    annotations.annotate(conn, KOZINKA, "someone", Changes(note="A private note", private=True))
    conn.close()
    out = tmp_path / "bundle"
    publish(archive, out)
    port = free_port()
    args = [sys.executable, "-m", "datasette", "serve", "-i", "archive.db", "--inspect-file", "inspect.json",
            "-c", "datasette.yml", "-m", "metadata.yml", "-h", "127.0.0.1", "-p", str(port)]
    base = f"http://127.0.0.1:{port}"
    proc = start(args, base + "/-/versions.json", cwd=out)
    try:
        page.goto(base + "/-/post/x~3A1660927314342432768")
        annotations_text = page.locator("#annotations").inner_text()
        assert "published-tag" in annotations_text and "A public note" in annotations_text
        assert "A private note" not in page.content() and "someone" not in page.content()
        assert page.locator("form[action$='/-/annotate']").count() == 0
        insert = page.request.post(base + "/archive/posts/-/insert", data={"row": {"id": "x:1", "text": "forged"}})
        assert insert.status == 403
        form = page.request.post(base + "/-/annotate", form={"post_id": KOZINKA, "tag": "forged"})
        assert form.status == 403
        page.goto(base + "/archive/public_tags")
        assert "published-tag" in page.content() and "forged" not in page.content()
    finally:
        stop(proc)
    assert re.search(r"[0-9a-f]{64}  archive.db", (out / "MANIFEST").read_text())


def test_map_draws_markers_with_text_as_text(page, live, archive):  # noqa: F811
    conn = sqlite3.connect(archive)
    with conn:  # a post whose text and author carry markup, placed on the map by a volunteer
        conn.execute("insert into posts (id, platform, native_id, author_handle, author_name, text, status, thread_id) "
                     "values ('x:667', 'x', '667', 'evil_demo', ?, ?, 'ok', 'x:667')", [HOSTILE_NAME, HOSTILE_TEXT])
    conn.close()
    conn = annotations.connect(annotations.path_beside(archive))
    annotations.annotate(conn, KOZINKA, "someone", Changes(geo=(50.43, 36.93), place="Kozinka checkpoint"))
    annotations.annotate(conn, "x:667", "someone", Changes(geo=(48.5, 35.0)))
    conn.close()
    page.goto(live + "/-/map")
    page.wait_for_function("document.querySelectorAll('path.archiver-marker').length === 2")
    assert page.locator("#archiver-map").get_attribute("data-markers") == "2"
    texts = []
    for i in range(2):  # each marker's popup: the hostile one shows its markup as characters
        page.locator("path.archiver-marker").nth(i).dispatch_event("click")  # an open popup may cover it
        page.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 1")  # the last one has closed
        popup = page.locator(".leaflet-popup .archiver-map-popup")
        assert popup.locator("a").get_attribute("href").startswith("/-/post/x~3A")
        texts.append(popup.inner_text())
    hostile = next(text for text in texts if HOSTILE_NAME in text)
    assert HOSTILE_TEXT in hostile and any("Kozinka checkpoint" in text for text in texts)
    assert page.locator(".archiver-map-popup img, .archiver-map-popup b, .archiver-map-popup script").count() == 0
    assert page.dialogs == [] and page.errors == []


def dockerfile_command(bundle: Path, port: int) -> list[str]:
    """The bundle's Dockerfile CMD, on 127.0.0.1:port."""
    import json

    cmd = json.loads(re.search(r"^CMD (.*)$", (bundle / "Dockerfile").read_text(), re.M).group(1))
    return [{"0.0.0.0": "127.0.0.1", "8001": str(port)}.get(arg, arg) for arg in cmd]


@pytest.fixture
def published_bundle(tmp_path):
    """A served bundle of the demo's archive, annotated and published.

    ARCHIVER_BUNDLE_URL names one served elsewhere (the packaging check installs it in a
    fresh virtualenv by its Dockerfile's steps); otherwise it is published and served here,
    with the Dockerfile's command.
    """
    if os.environ.get("ARCHIVER_BUNDLE_URL"):
        yield os.environ["ARCHIVER_BUNDLE_URL"]
        return
    demo = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "archiver", "demo", "--no-serve", "--dir", str(demo),
                             "--site-port", "0"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    conn = annotations.connect(annotations.path_beside(demo / "archive.db"))
    annotations.annotate(conn, KOZINKA, "someone", Changes(tags=["checkpoint"], geo=(50.43, 36.93),
                                                           place="Kozinka checkpoint"))
    conn.close()
    bundle = tmp_path / "bundle"
    publish(demo / "archive.db", bundle)
    port = free_port()
    command = dockerfile_command(bundle, port)
    base = f"http://127.0.0.1:{port}"
    proc = start([sys.executable, "-m", *command], base + "/-/versions.json", cwd=bundle)
    yield base
    stop(proc)


def loaded_images(page, selector) -> int:
    page.wait_for_load_state("networkidle")
    return page.evaluate(f"""[...document.querySelectorAll({selector!r})]
                             .filter(img => img.complete && img.naturalWidth > 0).length""")


def test_published_bundle_pages(page, published_bundle):
    base = published_bundle
    page.goto(base + "/-/search")
    page.fill("input[name=q]", "Kozinka")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    page.locator(f'article[data-post-id="{KOZINKA}"] a.archiver-result-link').click()
    page.wait_for_load_state()
    assert page.url.endswith("/-/post/x~3A1660927314342432768")
    assert "#Kozinka" in page.locator("article.archiver-post .text").inner_text()
    assert "checkpoint" in page.locator("#annotations").inner_text()
    assert loaded_images(page, ".archiver-media img") >= 1  # the video's poster, as a thumbnail
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the media's hashes and URLs wrap
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/-/thread/x~3A1660927314342432768")
    assert page.locator("h1").inner_text().startswith("Thread of")
    # Thumbnails inline in Datasette's own table, and each file's page.
    page.goto(base + "/archive/media")
    assert loaded_images(page, "a.archiver-thumb img") >= 2
    gps = page.request.get(base + "/archive/media.json?latitude__notblank=1&_shape=objects").json()["rows"]
    poster = gps[0]["sha256"]
    thumbnail = page.request.get(base + f"/-/media/{poster}/thumbnail")
    assert thumbnail.status == 200 and thumbnail.headers["content-type"] == "image/webp"
    # The map: the volunteer's place and the poster's EXIF GPS.
    page.goto(base + "/-/map")
    page.wait_for_function("document.querySelectorAll('path.archiver-marker').length >= 2")
    assert int(page.locator("#archiver-map").get_attribute("data-markers")) >= 2
    # The near-duplicate query needs the plugin's phash_distance: the re-posted photo is found.
    page.goto(base + f"/archive/near_duplicate_media?sha256={poster}")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() >= 2 and "no such function" not in page.content()
    assert page.errors == []
