"""The C prefilter (archiver/discover/_prefilter.c) against the pure-Python walk it stands in for.

The promise: discovery gives identical results whichever walk picks the elements. Each
equivalence test runs discover_document twice, once as built and once with
prefilter.ENABLED patched to False, and compares the whole Discovery. The embed-bearing
documents also name what the C mode must find, so that both modes breaking the same way
does not pass.
"""
from __future__ import annotations

import base64
import os
from dataclasses import asdict
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from archiver.discover import discover_document, document, prefilter
from archiver.textdecode import decode_document

TESTS = Path(__file__).parent
PAGES = sorted(TESTS.rglob("*.html"))  # every HTML page the test suite ships
BASE_URL = "https://news.example.org/2023/05/article"

TWEET_ID = "1234567890123456789"
TWEET_URL = f"https://twitter.com/someone/status/{TWEET_ID}"
VIDEO_ID = "dQw4w9WgXcQ"
VIDEO_URL = f"https://www.youtube.com/embed/{VIDEO_ID}"
TWEET = ("x", TWEET_ID)
VIDEO = ("youtube", VIDEO_ID)
TIKTOK = ("tiktok", "7230000000000000000")
BLOCKQUOTE = f'<blockquote class="twitter-tweet"><p>Words</p>&mdash; Someone (@someone) <a href="{TWEET_URL}">May 23, 2023</a></blockquote>'
KELVIN = "\u212a"  # KELVIN SIGN: str.lower() makes it an ASCII "k", ASCII-only folding does not


@pytest.fixture
def c_path():
    """Comparing the Python walk with itself proves nothing: these tests need the C pass."""
    if not prefilter.ENABLED:
        pytest.skip("the C prefilter is disabled or not built (see test_extension_is_built_and_passes_its_self_check)")


def discover_both(monkeypatch, text: str, *, linked: bool, base_url: str | None = BASE_URL) -> tuple[dict, dict]:
    """(result with the C pass, result with the Python walk), as plain dicts."""
    fast = asdict(discover_document(text, base_url, linked=linked))
    with monkeypatch.context() as patch:
        patch.setattr(prefilter, "ENABLED", False)
        slow = asdict(discover_document(text, base_url, linked=linked))
    return fast, slow


def embeds_of(result: dict) -> set:
    return {(e["platform"], e["native_id"]) for e in result["embeds"]}


# -- 1. the build --------------------------------------------------------------------

def test_extension_is_built_and_passes_its_self_check():
    if os.environ.get(prefilter.DISABLE_ENV):
        pytest.skip(f"{prefilter.DISABLE_ENV} is set: the C prefilter is switched off on purpose")
    assert prefilter._prefilter is not None, "archiver/discover/_prefilter.c was not compiled (pip install -e .)"
    assert prefilter.ENABLED is True, "the C prefilter is built but failed its bind/configure/self-check"


# -- 2. the test suite's own pages -----------------------------------------------------

@pytest.mark.parametrize("linked", [False, True], ids=["embedded", "linked"])
@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(TESTS)))
def test_fixture_pages_give_the_same_discovery_in_both_modes(c_path, monkeypatch, page, linked):
    text = decode_document(page.read_bytes())[0]
    fast, slow = discover_both(monkeypatch, text, linked=linked)
    assert fast == slow


def test_fixture_pages_are_found():
    # Guards the parametrisation above against silently testing nothing.
    assert {p.name for p in PAGES} >= {"visible.html", "consent.html", "state.html", "belgorod-didomi.html"}


# -- 3. hand-written tricky documents -------------------------------------------------

def _nested(levels: int, inner: str) -> str:
    return "<div>" * levels + inner + "</div>" * levels


def _many_elements(paragraphs: int) -> str:
    # An embed every 2,500 paragraphs, so a pass that stops early or skips misses some.
    parts = []
    for k in range(paragraphs):
        parts.append(f'<p class="c{k % 7}">Paragraph <a href="/n/{k}">{k}</a> <b>bold</b></p>')
        if k % 2500 == 1234:
            parts.append(f'<iframe src="https://www.youtube.com/embed/vid{k:08d}"></iframe>')
    return "<html><body>" + "".join(parts) + "</body></html>"


# name -> (html, embeds the C mode must find at least, page metadata it must report)
TRICKY = {
    "next-data-state-json": (
        f'<script type="application/json" id="__NEXT_DATA__">{{"props": {{"pageProps": {{"body": [{{"type": "embed",'
        f' "tweetUrl": "{TWEET_URL}"}}]}}}}}}</script>', {TWEET}, {}),
    "cookiebot-text-plain-script": (
        f'<script type="text/plain" data-cookieconsent="marketing">{BLOCKQUOTE}</script>', {TWEET}, {}),
    "template-with-iframe": (
        f'<div class="embed"><template><iframe src="{VIDEO_URL}"></iframe></template></div>', {VIDEO}, {}),
    "lite-youtube": (f'<lite-youtube videoid="{VIDEO_ID}"></lite-youtube>', {VIDEO}, {}),
    "data-tweet-id": (f'<div class="tweet-box" data-tweet-id="{TWEET_ID}"></div>', {TWEET}, {}),
    "lazy-iframe-data-src": (f'<iframe data-src="{VIDEO_URL}" class="lazyload"></iframe>', {VIDEO}, {}),
    "head-metadata": (
        '<!doctype html><html lang="fr"><head><title>Le titre</title>'
        '<meta property="og:title" content="OG title"><meta property="og:url" content="https://news.example.org/og">'
        '<meta property="article:published_time" content="2023-05-23T14:05:00+02:00">'
        '<link rel="canonical" href="https://news.example.org/canonical"></head><body><div itemscope>'
        f'<meta itemprop="embedUrl" content="{VIDEO_URL}"></div></body></html>',
        {VIDEO}, {"title": "OG title", "canonical_url": "https://news.example.org/canonical", "lang": "fr",
                  "published_at": "2023-05-23T12:05:00Z"}),
    "title-only": ("<html><head><title>  Just a\n title </title></head><body><p>x</p></body></html>",
                   set(), {"title": "Just a title"}),
    "style-text-template-commented": (
        f'<div class="cmplz-placeholder"><style type="text/template"><!-- <iframe src="{VIDEO_URL}"></iframe> -->'
        '</style></div>', {VIDEO}, {}),
    "svg-xlink-href": (
        f'<svg viewBox="0 0 10 10"><a xlink:href="{TWEET_URL}"><text>t</text></a><use xlink:href="#icon"/>'
        f'<foreignObject><div data-tweet-id="{TWEET_ID}"></div></foreignObject></svg><p><a href="{TWEET_URL}">x</a></p>',
        {TWEET}, {}),
    "non-ascii-attribute-values": (
        f'<div title="Café — ünïcödé ✓ 😀 Ελληνικά" data-caption="日本語 twitter" data-tweet-id="{TWEET_ID}">'
        '<span lang="ru">Привет</span></div>', {TWEET}, {}),
    "nul-characters": (
        f'<html><head><title>a\x00b</title></head><body><div title="x\x00y" data-tweet-id="{TWEET_ID}">\x00</div>'
        f'<script type="application/json">{{"embed": "{TWEET_URL}", "n": "\x00"}}</script></body></html>', {TWEET}, {}),
    "uppercase-names": (
        f'<HTML LANG="EN"><BODY><IFRAME SRC="{VIDEO_URL}"></IFRAME><DIV DATA-TWEET-ID="{TWEET_ID}"></DIV></BODY></HTML>',
        {TWEET, VIDEO}, {"lang": "EN"}),
    "element-with-200-attributes": (
        "<div " + " ".join(f'data-a{k}="value {k}"' for k in range(200)) + f' data-tweet-id="{TWEET_ID}"></div>',
        {TWEET}, {}),
    # More distinct tag and attribute names than the C pass's per-walk name caches hold.
    "thousands-of-distinct-names": (
        "".join(f'<x-tag{k} data-n{k}="v"></x-tag{k}>' for k in range(3000))
        + f'<iframe src="{VIDEO_URL}"></iframe><div data-tweet-id="{TWEET_ID}"></div>', {TWEET, VIDEO}, {}),
    "5000-nested-divs": (_nested(5000, BLOCKQUOTE + f'<iframe src="{VIDEO_URL}"></iframe>'), {TWEET, VIDEO}, {}),
    "many-elements": (_many_elements(20_000), {("youtube", f"vid{k:08d}") for k in range(1234, 20_000, 2500)}, {}),
    "base64-consent-payload": (
        '<div data-borlabs-cookie-content="' + base64.b64encode(BLOCKQUOTE.encode()).decode() + '"></div>',
        {TWEET}, {}),
    # Names and classes fold case and strip whitespace the ASCII way, as HTML does, in both
    # walks; under Unicode rules (str.lower, str.strip) these would part ways.
    "meta-name-with-trailing-vertical-tab": (
        '<html><head><title>Title tag</title><meta property="og:title\x0b" content="OG title"></head></html>',
        set(), {}),
    # (the state describes the page's own article only if og:url is read; else it is skipped)
    "og-url-with-trailing-nbsp-names-this-article-in-state": (
        '<html><head><meta property="og:url\u00a0" content="https://news.example.org/world/mine/1"></head><body>'
        '<script type="application/json" id="__NEXT_DATA__">{"props": {"article": {"headline": "This story", '
        f'"url": "https://news.example.org/world/mine/1", "tweetEmbed": "{TWEET_URL}"}}}}}}</script></body></html>',
        set(), {}),
    "card-class-with-kelvin-sign": (
        f'<div class="ti{KELVIN}to{KELVIN}-embed"><a href="https://www.tiktok.com/@user/video/{TIKTOK[1]}">x</a></div>',
        set(), {}),
    "id-attribute-name-with-kelvin-sign": (f'<iframe data-ti{KELVIN}tok-id="{TIKTOK[1]}"></iframe>', set(), {}),
}


@pytest.mark.parametrize("linked", [False, True], ids=["embedded", "linked"])
@pytest.mark.parametrize("name", TRICKY)
def test_tricky_documents_give_the_same_discovery_in_both_modes(c_path, monkeypatch, name, linked):
    html, embeds, meta = TRICKY[name]
    fast, slow = discover_both(monkeypatch, html, linked=linked)
    assert embeds <= embeds_of(fast)
    assert {key: fast["meta"][key] for key in meta} == meta
    assert fast == slow


# -- 4. the element limit ------------------------------------------------------------

def test_element_limit_is_applied_alike(c_path, monkeypatch):
    monkeypatch.setattr(document, "MAX_ELEMENTS", 50)
    # The limit falls inside the filler: the blockquote before it is seen, the div after it
    # is not, and the template's payload shares the page's (spent) element budget.
    late = ("x", "1111111111111111111")
    html = ("<html><body>" + f'<template><iframe src="{VIDEO_URL}"></iframe></template>'
            + BLOCKQUOTE + "<p>filler</p>" * 60 + f'<div data-tweet-id="{late[1]}"></div></body></html>')
    for linked in (False, True):
        fast, slow = discover_both(monkeypatch, html, linked=linked)
        assert fast == slow
        assert TWEET in embeds_of(fast) and late not in embeds_of(fast)
        assert "more than 50 elements; the rest of the page was not inspected" in fast["problems"]


# -- 5. the walk itself ----------------------------------------------------------------

WALKED = {
    "empty-and-valueless-attributes": f'<div data-a="" data-b data-tweet-id="{TWEET_ID}"><p title="">x</p></div>',
    "templates-comments-svg": (
        f'<!doctype html><html lang="en"><head><title>T</title><!-- c --></head><body><template><div><template>'
        f'<iframe src="{VIDEO_URL}"></iframe></template></div></template><svg viewBox="0 0 1 1"><clipPath id="c"/>'
        f'<a xlink:href="{TWEET_URL}"><text>t</text></a></svg><lite-youtube videoid="{VIDEO_ID}"></lite-youtube>'
        '<textarea><b>not an element</b></textarea></body></html>'),
    "tricky-state-and-consent": TRICKY["next-data-state-json"][0] + TRICKY["cookiebot-text-plain-script"][0],
    "nested": TRICKY["5000-nested-divs"][0],
    "visible.html": decode_document((TESTS / "fixtures" / "discover" / "visible.html").read_bytes())[0],
}


@pytest.mark.parametrize("name", WALKED)
def test_walk_reports_candidates_as_selectolax_sees_them(c_path, name):
    tree = LexborHTMLParser(WALKED[name])
    nodes = tree.css("*")
    count, candidates = prefilter.walk(tree, linked=True, top=True, limit=len(nodes) + 10)
    candidates = list(candidates)
    assert count == len(nodes)
    assert candidates, "every document here has something inspect() acts on"
    indexes = [index for index, _, _, _ in candidates]
    assert indexes == sorted(set(indexes))  # document order, each element once
    for index, tag, attrs, node in candidates:
        expected = nodes[index]
        assert (tag, attrs) == (expected.tag, expected.attributes)
        assert node.mem_id == expected.mem_id
        assert node.text() == expected.text(deep=True)
