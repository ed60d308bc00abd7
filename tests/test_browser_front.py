"""A volunteer's way through the archive in Chromium: front page, search as you type, a consent-hidden
post, its thread. Each page leaves a screenshot in test-artifacts/screenshots/ to look at."""
import os
import re
from pathlib import Path

import pytest

from test_browser import CHROMIUM, browser, live, page  # noqa: F401  (fixtures)
from test_web import KOZINKA, archive  # noqa: F401  (the archive fixture)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")
SHOTS = Path(os.environ.get("ARCHIVER_SCREENSHOTS", Path(__file__).parent.parent / "test-artifacts" / "screenshots"))


def shoot(page, name):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_front_page_search_as_you_type_consent_badge_and_thread(page, live):  # noqa: F811
    page.goto(live + "/")
    assert page.locator("h1").inner_text() == "Archive of embedded posts"
    assert re.search(r"\d+ posts? embedded in 3 pages", page.locator(".archiver-front-lead").inner_text())
    shoot(page, "front")
    page.locator(".archiver-front-lead a", has_text="hidden behind cookie-consent tools").click()
    page.wait_for_load_state()
    result = page.locator(f'article[data-post-id="{KOZINKA}"]')
    assert result.count() == 1 and "hidden behind didomi" in result.inner_text()

    page.goto(live + "/-/search")
    page.locator("input[name=q]").press_sequentially("Kozin", delay=30)  # no Enter: results follow the typing
    page.locator(f'article[data-post-id="{KOZINKA}"] mark').first.wait_for(timeout=10_000)
    assert page.locator(f'article[data-post-id="{KOZINKA}"] mark').first.inner_text() == "Kozinka"
    assert "q=Kozin" in page.url
    shoot(page, "search")
    page.locator("input[name=q]").fill("")
    page.locator("input[name=q]").press_sequentially("Козинка", delay=30)  # the other script
    page.wait_for_url(re.compile(r"q=%D0%9A%D0%BE%D0%B7%D0%B8%D0%BD%D0%BA%D0%B0"), timeout=10_000)
    page.locator(f'article[data-post-id="{KOZINKA}"] mark').first.wait_for(timeout=10_000)

    page.locator(f'article[data-post-id="{KOZINKA}"] a', has_text="thread").click()
    page.wait_for_load_state()
    assert "/-/thread/" in page.url and page.locator(".archiver-thread li").count() >= 2
    shoot(page, "thread")
    assert not page.errors and not page.dialogs


def test_open_a_hidden_post_log_in_from_it_annotate_and_come_back(page, live):  # noqa: F811
    from test_browser import PASSWORD, USER

    page.goto(live + "/-/post/x~3A1660927314342432768")
    assert "hidden behind didomi" in page.locator("article.archiver-post header").inner_text()
    shoot(page, "post")
    page.locator("#annotations a", has_text="Log in").click()
    page.wait_for_load_state()
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.split("#")[0] == live + "/-/post/x~3A1660927314342432768"  # back where the volunteer was
    page.fill("form[aria-label='Add a tag'] input[name=tag]", "Kozinka checkpoint")
    page.click("form[aria-label='Add a tag'] button[type=submit]")
    page.wait_for_load_state()
    assert "Kozinka checkpoint" in page.locator("#annotations").inner_text()  # the case it was written in
    shoot(page, "post-annotated")
    page.goto(live + "/archive/posts")
    shoot(page, "posts-table")
    assert page.locator("thead th").nth(1).get_attribute("data-column") == "text"
    assert not page.errors and not page.dialogs
