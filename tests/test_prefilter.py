"""The C prefilter (archiver/discover/_prefilter.c) against the pure-Python walk it stands in for.

The promise: discovery gives identical results whichever walk picks the elements. Each
equivalence test runs discover_document twice, once as built and once with
prefilter.ENABLED patched to False, and compares the whole Discovery. The embed-bearing
documents also name what the C mode must find, so that both modes breaking the same way
does not pass.
"""
from __future__ import annotations

import base64
import html
import json
import os
import random
import re
import string
from dataclasses import asdict
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from archiver.discover import detectors, discover_document, document, prefilter, state
from archiver.discover.element import ascii_lower
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
    # A generic id counts where a platform word is near: in the tag, the class or a
    # provider attribute (str.lower() folds the Kelvin sign to "k": any non-ASCII counts).
    "generic-ids-with-and-without-a-platform": (
        f'<div data-id="{VIDEO_ID}" class="YT-player"></div><div data-id="{TWEET_ID}" class="tweet_box"></div>'
        f'<div data-provider="YouTube" data-video-id="{VIDEO_ID}"></div><span data-id="12345678" class="x"></span>'
        f'<div data-provider="TI{KELVIN}TOK" data-id="{TIKTOK[1]}"></div><li data-id="{TWEET_ID}"></li>'
        f'<amp-instagram data-shortcode="CsXyZ12AbCd"></amp-instagram>',
        {VIDEO, TWEET, ("instagram", "CsXyZ12AbCd")}, {}),
    # An image matters as a player, a proxy behind a lazy attribute, markup, JSON or a
    # script URL (a problem is noted); a picture of a post is not an embed.
    "images": (
        f'<img src="{VIDEO_URL}"><img src="https://pbs.twimg.com/media/twitter.jpg">'
        '<img data-lazy-src="https://news.example.org/embed?url=https%3A%2F%2Ftwitter.com%2Fa%2Fstatus%2F1111111111111">'
        '<img src="data:image/svg+xml,%3Csvg%3E%3C%2Fsvg%3E"><img src=" \x0bJavaScript:x//twitter.com">'
        f'<img data-embed=\'\x1c {{"url": "{TWEET_URL}"}}\'><img data-x="&lt;iframe src=&quot;{VIDEO_URL}&quot;&gt;">'
        '<img src="https://www.facebook.com/tr?id=1&amp;ev=PageView"><img src="https://example.com/ twitter">',
        {VIDEO, ("x", "1111111111111")}, {}),
    # Only the first <title>, <html lang> and <time datetime> count (the C pass offers no others).
    "many-titles-and-dates": (
        '<html lang="de"><body><svg><title>Icon</title></svg><time datetime="">x</time><time>y</time>'
        '<time datetime="2023-05-01">z</time><time datetime="2024-01-01">w</time><svg><title>Other</title></svg>'
        '<title>Late</title></body></html>', set(), {"title": "Icon", "lang": "de", "published_at": "2023-05-01T00:00:00"}),
    # Microdata: only embedUrl names an embed; a page-level name may come from itemprop.
    "meta-itemprops": (
        '<html><head><meta itemprop="datePublished" content="2023-05-02"><meta itemprop="name" content="N">'
        '<meta property="og:title" itemprop="headline" content="T"></head><body><div itemscope>'
        f'<meta itemprop="EMBEDURL" content="{VIDEO_URL}"><meta itemprop="embedUrl " content="{VIDEO_URL}?x">'
        f'<meta itemprop="thumbnailUrl" content="{VIDEO_URL}"></div></body></html>',
        {VIDEO}, {"title": "T", "published_at": "2023-05-02T00:00:00"}),
    # A consent tool's notice next to a blockquote: split across elements, in capitals, in
    # the parent box, or too far (a box of more than 3000 characters is not read).
    "consent-notices": (
        f'<div><p>Zustimmen <b>und In</b>halt laden</p>{BLOCKQUOTE}</div>'
        f'<div>{BLOCKQUOTE.replace(TWEET_ID, "1111111111111")}<p>YOU NEED TO ACCEPT COOKIES TO SEE THIS CONTENT</p></div>'
        f'<section>Click to load the\n content {BLOCKQUOTE.replace(TWEET_ID, "2222222222222")}</section>'
        f'<section>{"x " * 1600}click to load the content {BLOCKQUOTE.replace(TWEET_ID, "3333333333333")}</section>'
        f'<div>L\'accès à ce contenu a été bloqué afin de respecter votre choix de consentement'
        f'{BLOCKQUOTE.replace(TWEET_ID, "4444444444444")}</div>',
        {TWEET, ("x", "1111111111111"), ("x", "2222222222222"), ("x", "3333333333333"), ("x", "4444444444444")}, {}),
    # Scripts of other types: blocked JavaScript naming a post, markup or base64 for a
    # consent tool, or plain code (not offered).
    "script-types": (
        f'<script type="text/plain" data-cookieconsent="marketing">loadPlayer("{VIDEO_URL}")</script>'
        '<script type="rocketlazyloadscript">var x = 1; console.log(x + 2);</script>'
        f'<script type="text/template">  \n <iframe src="{VIDEO_URL}?a=1"></iframe></script>'
        '<script type="text/template">' + base64.b64encode(BLOCKQUOTE.encode()).decode() + '</script>'
        '<script type="text/x-foo">{"a": 1, "b": "https:\\/\\/twitter.com\\/a\\/status\\/1234567890123"}</script>'
        '<script type="text/x-foo">  ( function () { return 1; } )()</script>'
        '<script type="text/x-foo">\u00a0QUJDREVGR0hJSktMTU5PUA==</script>'
        '<script src="/a.js" class="lazy-js">x</script><script src="/b.js" class="cmplz-script">y</script>',
        {VIDEO, TWEET}, {}),
    # Cards that name a platform but are buttons, or sit in a feed or sidebar.
    "cards-that-are-not-embeds": (
        f'<div class="tweet-card share-tools"><a href="{TWEET_URL}">x</a></div>'
        f'<aside><div class="tweet-embed"><a href="{TWEET_URL}">x</a></div></aside>'
        f'<div id="Main-Feed"><div class="tweet"><a href="{TWEET_URL}">x</a></div></div>'
        f'<div class="newsfeed-tweet"><a href="https://twitter.com/b/status/1111111111111">x</a></div>'
        f'<div class="tweet FB-Like"><a href="{TWEET_URL}">x</a></div>',
        {("x", "1111111111111")}, {}),
    # A hinted value that cannot become a URL, markup or JSON leads nowhere; escaped,
    # encoded or entity-written dots and script URLs may.
    "hinted-values": (
        '<svg><use xlink:href="#icon-twitter"></use></svg><div data-network="twitter" data-x="Twitter-Share"></div>'
        '<iframe data-src="https://news.example.org/embed?u=https%3A%2F%2Ftwitter%2Ecom%2Fa%2Fstatus%2F1111111111111">'
        '</iframe><div data-url="https:\\/\\/twitter\\u002ecom\\/a\\/status\\/2222222222222"></div>'
        '<div data-url="https://twitter&#46;com/a/status/3333333333333"></div><div data-x="javascript:twitter()"></div>'
        '<blockquote>A quote</blockquote><blockquote class="Twitter-Tweet">'
        f'<a href="{TWEET_URL}">d</a></blockquote><blockquote data-tweet-id="">x</blockquote>',
        {TWEET, ("x", "1111111111111"), ("x", "3333333333333")}, {}),
    # A script type with other whitespace around it: str.strip() takes it off, so Python
    # reads the type; the C pass must offer the script too.
    "json-ld-type-with-other-whitespace": (
        '<html><head><script type="application/ld+json\u00a0">{"@type": "NewsArticle", "datePublished":'
        ' "2023-05-01T10:00:00Z"}</script><script type="\x0bapplication/json\x1c">{"tweetUrl":'
        f' "{TWEET_URL}"}}</script></head></html>', {TWEET}, {"published_at": "2023-05-01T10:00:00Z"}),
    "image-data-uri": ('<img src="data:image/svg+xml,%3Csvg%3E%3C%2Fsvg%3E">', set(), {}),
    "image-script-url": ('<img src="\tVBScript:go(%2F)">', set(), {}),
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
    count, candidates, complete = prefilter.walk(tree, linked=True, top=True, limit=len(nodes) + 10)
    candidates = list(candidates)
    assert count == len(nodes) and complete
    assert candidates, "every document here has something inspect() acts on"
    indexes = [index for index, _, _, _ in candidates]
    assert indexes == sorted(set(indexes))  # document order, each element once
    for index, tag, attrs, node in candidates:
        expected = nodes[index]
        assert (tag, attrs) == (expected.tag, expected.attributes)
        assert node.mem_id == expected.mem_id
        assert node.text(deep=False) == expected.text(deep=False)


def test_lookups_out_of_document_order_find_the_same_nodes(c_path):
    # Detectors look nodes up lazily; a later candidate may be looked up before an earlier one.
    tree = LexborHTMLParser(WALKED["templates-comments-svg"] + WALKED["visible.html"])
    nodes = tree.css("*")
    candidates = list(prefilter.walk(tree, linked=True, top=True, limit=len(nodes))[1])
    for index, _, _, node in candidates[::-2] + candidates[1::2]:
        assert node.mem_id == nodes[index].mem_id


# -- deep nesting: bounded time and memory, and a record of what was skipped ------------

def test_a_candidate_at_every_level_of_deep_nesting_stays_bounded(c_path, monkeypatch):
    # Each path costs its depth: thousands of nested blockquotes would cost depth squared.
    monkeypatch.setattr(prefilter, "MAX_PATH_STEPS", 20_000)
    html_text = f'<blockquote class="twitter-tweet"><a href="{TWEET_URL}">t</a>' * 1000
    result = asdict(discover_document(html_text, BASE_URL))
    assert TWEET in embeds_of(result)
    assert "elements nested too deeply to inspect them all; the deepest were skipped" in result["problems"]


def test_nested_scripts_are_read_once_each(c_path, monkeypatch):
    # In SVG a script may hold another: each is read for its own text, not its subtree's.
    html_text = "<svg>" + "<script>" * 300 + f'window.x = {{"embed": "{TWEET_URL}"}};' + "</script>" * 300 + "</svg>"
    fast, slow = discover_both(monkeypatch, html_text, linked=False)
    assert fast == slow
    texts = [node.text(deep=False) for _, tag, _, node in prefilter.walk(
        LexborHTMLParser(html_text), linked=False, top=True, limit=10_000)[1] if tag == "script"]
    assert sum(map(len, texts)) < 200  # only the innermost script has text


# -- 6. json_members: which members of big state JSON are walked ----------------------


def json_members(text: str, start: int, in_bytes: bool = False):
    """(members, [(ordinal, begin, end)...]): prefilter.json_index() of one level."""
    index = prefilter.json_index(text, start, in_bytes=in_bytes, max_depth=0)
    return None if index is None else (index[0], [(ordinal, begin, end) for ordinal, begin, end, _ in index[1]])

_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def decoded_at(text: str, start: int):
    """The JSON value at character `start` of text, as json reads it (what follows is not read)."""
    return json.JSONDecoder().raw_decode(text, _JSON_SPACE.match(text, start).end())[0]


def offered(text: str, start: int = 0, in_bytes: bool = False):
    """json_members' answer with each offered member's byte span decoded back to its value."""
    found = json_members(text, start, in_bytes)
    if found is None:
        return None
    count, spans = found
    raw = text.encode()
    return count, [(ordinal, json.loads(raw[begin:end])) for ordinal, begin, end in spans]


def members_of(value) -> list:
    return list(value.values()) if isinstance(value, dict) else value


# name -> (text, character offset of the object or array, ordinals of the members it must offer)
MEMBERS = {
    "empty-object": ("{}", 0, []),
    "empty-array-after-whitespace": (" \r\n\t[ \n]", 0, []),
    "object": ('{"a": 1, "b": "https://twitter.com/x", "c": [true, null], "d": "plain"}', 0, [1]),
    "array": ('["a", "x.com", {"TweetID": 5}, 7, -1.5e3]', 0, [1, 2]),
    "leading-whitespace": ('  \n\t{"a": "<b>x</b>", "b": 2}', 0, [0]),
    # A quote, bracket or backslash inside a string ends neither the string nor the object.
    "escapes-and-brackets-in-strings": (
        '{"a": "a\\"]}", "b": "\\\\", "c": "t.me", "d": "[{\\"", "e": "<"}', 0, [2, 4]),
    "escaped-slashes": (
        '{"a": "https:\\/\\/twitter.com\\/s", "b": "https:\\/\\/example.com\\/", "c": "\\u002F@user",'
        ' "d": "\\u002f@user", "e": "a\\/@b"}', 0, [0, 2, 3, 4]),
    # Any \\u escape of an ASCII character may spell a host, a key or "<": its member is offered.
    "escaped-ascii": ('{"a": "\\u003ciframe src=x>", "b": "\\u003Cdiv>", "c": "\\u003e", "d": "&lt;p",'
                      ' "e": "caf\\u00e9", "f": "\\u0074witter"}', 0, [0, 1, 2, 5]),
    # Literals are case-sensitive (hosts come lower-case); id keys are not.
    "literal-case": ('{"a": "TWITTER.COM", "b": "Instagram", "c": "instagram"}', 0, [2]),
    "id-keys-in-any-case": ('{"TweetID": "1", "YOUTUBE_ID": "x", "ShortCode": 3, "ids": [4], "tweet": 5}', 0, [0, 1, 2]),
    "literal-in-the-key": ('{"https://t.me/c/1": 1, "x": 2}', 0, [0]),
    "literal-deep-in-a-member": (
        '{"a": {"b": [1, {"c": {"d": ["https://bsky.app/profile/p"]}}]}, "z": {"y": [1]}}', 0, [0]),
    "after-non-ascii": ('é😀 = {"ü": "ñ", "b": "<i>ö</i>", "😀": "x.com"}', len("é😀 = "), [1, 2]),
    # (a JS assignment goes on after the object: the scanner stops at its closing brace)
    "javascript-assignment": (
        'window.__STATE__ = {"a": "instagram", "b": 2};\nboot({"c": "x.com"});', len("window.__STATE__ = "), [0]),
}


@pytest.mark.parametrize("name", MEMBERS)
def test_json_members_offers_the_members_whose_text_names_a_platform(c_path, name):
    text, start, ordinals = MEMBERS[name]
    value = decoded_at(text, start)
    members = members_of(value)
    assert offered(text, start) == (len(value), [(k, members[k]) for k in ordinals])
    # The same object by its byte offset: the same answer.
    assert json_members(text, len(text[:start].encode()), True) == json_members(text, start, False)


def test_json_members_follows_a_member_by_its_byte_span(c_path):
    # Non-ASCII before the member: its byte offset is not its character offset.
    inner = {"x": [1, 2], "y": "https://bsky.app/profile/p", "z": {"w": 0, "tweetId": "1"}}
    text = json.dumps({"é": "ü😀", "outer": inner, "n": None}, ensure_ascii=False)
    count, [(ordinal, begin, end)] = json_members(text, 0, False)
    assert (count, ordinal, json.loads(text.encode()[begin:end])) == (3, 1, inner)
    _, spans = json_members(text, begin, True)
    assert offered(text, begin, True) == (3, [(1, inner["y"]), (2, inner["z"])])
    assert offered(text, spans[1][1], True) == (2, [(1, "1")])


# name -> (text, character offset): nothing the scanner can follow there
NOT_FOLLOWED = {
    "unterminated-string": ('{"a": "https://twitter.com', 0),
    "unterminated-object": ('{"a": 1, "b": ["x.com"]', 0),
    "missing-colon": ('{"a" "x.com"}', 0),
    "unquoted-key": ('{a: "x.com"}', 0),
    "garbage-after-a-member": ('{"a": "x.com" junk}', 0),
    "missing-comma": ('["x.com" "<"]', 0),
    "trailing-comma": ('["x.com",]', 0),
    "a-string": ('"x.com"', 0),
    "a-number": ("12", 0),
    "text-before-the-object": ('x = {"a": "x.com"}', 0),
    "empty": ("", 0),
    "offset-past-the-end": ("{}", 3),
    "negative-offset": ("{}", -1),
    # no UTF-8 form: the wrapper's UnicodeEncodeError means "walk it all"
    "lone-surrogate": ('{"a": "x.com\ud800"}', 0),
    "lone-surrogate-before-the-object": ("\udc00{}", 1),
}


@pytest.mark.parametrize("in_bytes", [False, True], ids=["chars", "bytes"])
@pytest.mark.parametrize("name", NOT_FOLLOWED)
def test_json_members_gives_up_where_it_cannot_follow(c_path, name, in_bytes):
    text, start = NOT_FOLLOWED[name]
    assert json_members(text, start, in_bytes) is None


def test_json_members_is_none_without_the_c_pass(monkeypatch):
    monkeypatch.setattr(prefilter, "ENABLED", False)
    assert json_members('{"a": "x.com"}', 0, False) is None


# -- 7. the pruned state walk ----------------------------------------------------------

FILLER = '"filler": "' + "x" * 3000 + '"'  # a blob this big is pruned, not walked whole


def state_script(members: str) -> str:
    return f'<script type="application/json">{{{FILLER}, {members}}}</script>'


# name -> (html, embeds the C mode must find at least)
PRUNED = {
    "member-named-by-its-id-key": (state_script(f'"tweetId": "{TWEET_ID}"'), {TWEET}),
    "embed-deep-in-a-big-member": (
        state_script(f'"page": {{{FILLER}, "blocks": [{{"type": "embed", "url": "{VIDEO_URL}"}}]}}'), {VIDEO}),
    "escaped-slashes": (state_script('"tweetUrl": "' + TWEET_URL.replace("/", "\\/") + '"'), {TWEET}),
    "escaped-markup": (state_script('"html": "' + BLOCKQUOTE.replace('"', '\\"').replace("<", "\\u003c") + '"'), {TWEET}),
    # (json keeps the last of repeated keys: the member count differs and the blob is walked whole)
    "repeated-keys": (state_script(f'"tweetUrl": "{TWEET_URL}", "tweetUrl": "{VIDEO_URL}"'), {VIDEO}),
    # (another article's object, met while pruning, is skipped as the whole walk skips it)
    "other-article-in-a-big-member": (
        state_script(f'"related": {{{FILLER}, "headline": "Other", "url": "https://news.example.org/other/story",'
                     f' "tweetUrl": "{TWEET_URL}"}}, "videoUrl": "{VIDEO_URL}"'), set()),
    "javascript-assignment-after-non-ascii": (
        f'<script>var t = "ü😀"; window.__STATE__ = {{{FILLER}, "e": {{"type": "embed", "url": "{TWEET_URL}"}}}};'
        "</script>", {TWEET}),
    # A list's items inherit its key (the raw text of an item does not show it):
    "ids-in-a-big-array-under-an-id-key": (
        state_script(f'"tweetId": ["{TWEET_ID}", "{"y" * 2100}"]'), {TWEET}),
    # The C scan reads raw JSON, the walk decoded strings (\u0074 is "t", \u0049 is "I"):
    "escaped-letter-in-a-host": (
        state_script(f'"tweetUrl": "https://\\u0074witter.com/someone/status/{TWEET_ID}"'), {TWEET}),
    "escaped-letter-in-an-id-key": (
        state_script(f'"tweet\\u0049d": "{TWEET_ID}", "note": "status/1000000"'), {TWEET}),
}


@pytest.mark.parametrize("name", PRUNED)
def test_pruned_state_walk_finds_what_the_whole_walk_finds(c_path, monkeypatch, name):
    html_text, embeds = PRUNED[name]
    fast, slow = discover_both(monkeypatch, html_text, linked=False)
    assert embeds <= embeds_of(fast)
    assert fast == slow


def test_node_budget_lasts_longer_when_members_are_skipped(c_path, monkeypatch):
    # The one place the two walks part: state.MAX_NODES counts the values a walk visits,
    # and the pruned walk does not visit values that name no platform, so on state too big
    # to walk whole it gets further (and reports no problem).
    html_text = (f'<script type="application/json">{{"numbers": [{",".join(["0"] * 300_000)}],'
                 f' "tweetUrl": "{TWEET_URL}"}}</script>')
    fast, slow = discover_both(monkeypatch, html_text, linked=False)
    assert embeds_of(fast) == {TWEET} and embeds_of(slow) == set()
    assert any("too large to walk completely" in problem for problem in slow["problems"])
    assert fast["problems"] == []


# -- 8. random documents ---------------------------------------------------------------

SEED = 20230523
RANDOM_BASE = "https://news.example.org/a/b"
ID_CHARS = string.ascii_letters + string.digits + "_-"


def _word(r: random.Random) -> str:
    return "".join(r.choice(ID_CHARS) for _ in range(11))


def _post_url(r: random.Random) -> str:
    """A post or player URL; ids vary, so a page's finds do not all collapse into one."""
    n, word = r.randrange(10 ** 18, 10 ** 19), _word(r)
    return r.choice((TWEET_URL, VIDEO_URL, f"https://twitter.com/a/status/{n}", f"https://x.com/b/status/{n}",
                     f"https://www.youtube.com/embed/{word}", f"https://youtu.be/{word}",
                     f"https://www.instagram.com/p/{word}/", f"https://t.me/channel/{n % 100_000}",
                     f"https://bsky.app/profile/a.bsky.social/post/3jz{n % 10 ** 8}",
                     f"https://www.tiktok.com/@user/video/{n}", f"https://vimeo.com/{n % 10 ** 9}",
                     f"https://mastodon.social/@user/{n % 10 ** 17}"))  # (no host literal: only "/@" names it)


JUNK_URLS = ("https://example.com/page", "/local/path?x=1", "javascript:void(0)", "#top", "https://twitter.com/share",
             "https://twitter.com/someone", "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fexample.com",
             "https://news.example.org/embed?url=https%3A%2F%2Ftwitter.com%2Fa%2Fstatus%2F1111111111111111111",
             "https://www.instagram.com/p/CsXyZ12AbCd/media/?size=l")
TEXTS = ("Plain words. ", "Café, naïve, Привет, 日本語 😀 ", "a < b and 3<4 ", "<", "\x00", "&amp; &lt;iframe&gt; ", "x")


def _url(r: random.Random) -> str:
    return _post_url(r) if r.random() < 0.6 else r.choice(JUNK_URLS)


def _embed_markup(r: random.Random) -> str:
    """One post's embed code, as platforms and plugins write it (platform and class may disagree)."""
    url, n, word = html.escape(_post_url(r)), r.randrange(10 ** 18, 10 ** 19), _word(r)
    return r.choice((
        f'<blockquote class="twitter-tweet"><p lang="en">Words ü</p>&mdash; A (@a) <a href="{url}">May 1</a></blockquote>',
        f'<blockquote class="instagram-media" data-instgrm-permalink="{url}"></blockquote>',
        f'<blockquote class="tiktok-embed" cite="{url}"><a href="{url}">t</a></blockquote>',
        f'<iframe src="{url}" width="560"></iframe>', f'<div class="fb-post" data-href="{url}"></div>',
        f'<lite-youtube videoid="{word}"></lite-youtube>', f'<embetty-tweet status="{n}"></embetty-tweet>',
        f'<amp-instagram data-shortcode="{word}"></amp-instagram>',
        f'<script async src="https://telegram.org/js/telegram-widget.js" data-telegram-post="channel/{n % 999}"></script>',
        f'<div class="tweet-card"><p>Words</p><a href="{url}">May 1</a></div>',
        # (the post only in base64: in state JSON, just the "<" tells the C scan to look)
        '<iframe data-borlabs-cookie-content="' + base64.b64encode(f'<iframe src="{url}"></iframe>'.encode()).decode()
        + '"></iframe>',
    ))


def _borlabs(r: random.Random) -> str:
    encoded = base64.b64encode(_embed_markup(r).encode()).decode()
    return r.choice((encoded, encoded[: r.randrange(16, len(encoded))], "QUJD=RUZHSElKS0xNTk9Q", _embed_markup(r)))


CLASSES = ("twitter-tweet", "instagram-media", "tiktok-embed", "fb-post", "cmplz-placeholder", "optanon-category-C0004",
           "embed", "lazyload", "share-button", "tweet-card", "widget", "youtube_player", "Twitter-Tweet", "x")
# name -> value maker (None: a valueless attribute)
ATTRIBUTES = {
    "class": lambda r: " ".join(r.sample(CLASSES, r.randint(1, 3))),
    "data-tweet-id": lambda r: str(r.randrange(10 ** 18, 10 ** 19)),
    "data-src": _url, "src": _url, "href": _url, "data-cookieblock-src": _url, "content": _url,
    "data-borlabs-cookie-content": _borlabs,
    "itemprop": lambda r: "embedUrl",
    "videoid": _word, "data-id": _word,
    "data-provider": lambda r: r.choice(("youtube", "vimeo", "other")),
    "data-embed": lambda r: json.dumps({"type": "embed", "url": _post_url(r)}),
    "data-html": _embed_markup,
    "data-cookieconsent": lambda r: "marketing",
    "data-name": lambda r: "youtube",
    "title": lambda r: r.choice(TEXTS),
    "id": lambda r: r.choice(("x", "__NEXT_DATA__")),
    "data-empty": lambda r: None,
}


def _attributes(r: random.Random, count: int) -> str:
    out = []
    for name in r.choices(list(ATTRIBUTES), k=count):
        value = ATTRIBUTES[name](r)
        name = name.upper() if r.random() < 0.1 else name
        out.append(f" {name}" if value is None else f' {name}="{html.escape(value)}"')
    return "".join(out)


STATE_KEYS = ("props", "pageProps", "blocks", "items", "data", "content", "embed", "html", "tweetUrl", "url", "src",
              "type", "__typename", "videoId", "tweetId", "TweetID", "shortcode", "youtubeId", "headline", "title",
              "text", "caption", "media", "permalink", "Ünïcode")


def _leaf(r: random.Random):
    return r.choice((
        _post_url, _url, _embed_markup, _word, lambda r: str(r.randrange(10 ** 18, 10 ** 19)),
        lambda r: r.choice(("embed", "twitter", "Tweet", "iframe", "paragraph", "image")),
        lambda r: r.choice(TEXTS) * r.randint(1, 3), lambda r: r.randint(-5, 10 ** 6), lambda r: r.random(),
        lambda r: None, lambda r: True, lambda r: json.dumps({"url": _post_url(r)}),  # JSON in a string
    ))(r)


def _state(r: random.Random, depth: int = 0):
    roll = r.random()
    if depth >= 6 or roll < 0.35:
        return _leaf(r)
    if roll < 0.7:
        return {r.choice(STATE_KEYS): _state(r, depth + 1) for _ in range(r.randint(0, 5))}
    return [_state(r, depth + 1) for _ in range(r.randint(0, 4))]


def _big_state(r: random.Random) -> dict:
    """A page's state over 3 KB: stories around the article, embeds deep inside, and a
    related article's embed that is not this page's."""
    stories = [{"id": k, "title": "Story " + r.choice(TEXTS), "summary": "Lorem ipsum dolor sit amet. " * r.randint(1, 4),
                "url": f"https://news.example.org/s/{k}"} for k in range(r.randint(20, 60))]
    # One key names the embed (an id key alone, in a list big enough to be pruned item by item).
    key, make = r.choice((("url", _post_url), ("tweetUrl", _post_url), ("html", _embed_markup), ("videoId", _word),
                          ("shortcode", _word), ("TweetID", lambda r: str(r.randrange(10 ** 18, 10 ** 19)))))
    embed = {"type": r.choice(("embed", "twitter", "iframe", "text")), key: make(r)}
    related = {"headline": "Another story", "url": "https://news.example.org/other/story/7", "embed": _post_url(r)}
    paragraphs = [{"type": "paragraph", "text": "Lorem ipsum dolor sit amet. " * 4} for _ in range(r.randint(0, 25))]
    blocks = [_state(r) for _ in range(r.randint(0, 4))] + [embed] + paragraphs
    r.shuffle(blocks)
    article = {"blocks": blocks, "related": [related], "more": stories[: r.randint(0, 20)]}
    return {"props": {"pageProps": {"stories": stories, "article": article}}, "buildId": _word(r)}


def _json_text(r: random.Random, value) -> str:
    """JSON as pages write it: escaped slashes, escaped markup, ASCII-only or not."""
    text = json.dumps(value, ensure_ascii=r.random() < 0.3, separators=r.choice(((",", ":"), (", ", ": "))))
    if r.random() < 0.4:
        text = text.replace("/", "\\/")
    if r.random() < 0.2:
        text = text.replace("\\/@", "\\u002F@").replace("/@", "\\u002f@")
    if r.random() < 0.3:
        text = text.replace("<", "\\u003c")
    return text


SCRIPT_TYPES = ("application/json", "application/ld+json", "text/plain", "text/javascript", "module", "didomi/html",
                "text/template", None, "", "Application/JSON ")
SCRIPT_BODIES = (
    lambda r: _json_text(r, _big_state(r) if r.random() < 0.5 else _state(r)),
    lambda r: f"window.__STATE__ = {_json_text(r, _big_state(r))};\nrender();",
    lambda r: f"var s = JSON.parse({json.dumps(_json_text(r, _state(r)))});",
    lambda r: _json_text(r, _big_state(r))[:-7],  # cut short: not JSON
    _embed_markup,
    lambda r: base64.b64encode(_embed_markup(r).encode()).decode(),
    lambda r: 'loadPlayer("' + _post_url(r).replace("/", "\\/") + '");',
    lambda r: "var a = 1 < 2; // nothing here",
)


def _script(r: random.Random) -> str:
    stype = r.choice(SCRIPT_TYPES)
    attrs = "" if stype is None else f' type="{stype}"'
    extras = (' id="__NEXT_DATA__"', ' data-cookieconsent="marketing"', f' src="{_url(r)}"', ' class="cmplz-script"')
    attrs += "".join(r.sample(extras, r.choice((0, 0, 1, 2))))
    return f"<script{attrs}>{r.choice(SCRIPT_BODIES)(r)}</script>"


def _style(r: random.Random) -> str:
    stype = r.choice(("", ' type="text/css"', ' type="text/template"', ' type="TEXT/CSS"'))
    return f"<style{stype}>{r.choice(('.twitter-tweet { margin: 0 }', f'<!-- {_embed_markup(r)} -->'))}</style>"


def _svg(r: random.Random) -> str:
    return (f'<svg viewBox="0 0 10 10"><use xlink:href="#i{r.randint(0, 9)}"></use>'
            f'<a xlink:href="{html.escape(_url(r))}"><text>t</text></a></svg>')


TAGS = ("div", "div", "p", "p", "span", "a", "blockquote", "iframe", "section", "figure", "noscript", "template",
        "textarea", "lite-youtube", "embetty-tweet", "amp-instagram", "b", "li", "time", "meta", "link", "img")


def _element(r: random.Random, depth: int) -> str:
    roll = r.random()
    if depth >= 5 or roll < 0.25:
        return r.choice(TEXTS)
    if roll < 0.35:
        return _embed_markup(r)
    if roll < 0.45:
        return _script(r)
    if roll < 0.5:
        return r.choice((_style, _svg))(r)
    tag = r.choice(TAGS)
    if tag == "textarea":  # escaped embed code, or markup that is only text there
        inner = r.choice((html.escape(_embed_markup(r)), _embed_markup(r)))
    else:
        inner = "".join(_element(r, depth + 1) for _ in range(r.randint(0, 4)))
    tag = tag.upper() if r.random() < 0.1 else tag
    end = "" if r.random() < 0.05 else f"</{tag}>"  # sometimes left open
    return f"<{tag}{_attributes(r, r.randint(0, 3))}>{inner}{end}"


def _head(r: random.Random) -> str:
    own = r.choice((RANDOM_BASE, "https://news.example.org/other/page", "/a/b"))
    return "".join(r.choice((
        f"<title>{r.choice(TEXTS)}Title</title>",
        f'<meta property="{r.choice(("og:title", "og:url", "OG:URL ", "og:site_name", "article:published_time"))}"'
        f' content="{own}">',
        f'<meta name="description" content="{r.choice(TEXTS)}">',
        f'<link rel="{r.choice(("canonical", "Canonical alternate", "stylesheet"))}" href="{own}">',
        _script(r),
    )) for _ in range(r.randint(0, 6)))


def _document(r: random.Random) -> str:
    body = "".join(_element(r, 0) for _ in range(r.randint(2, 10)))
    if r.random() < 0.1:
        return body  # a fragment, as a recovered payload is
    lang = r.choice(("", ' lang="en"', ' LANG="de-DE"'))
    return f"<!doctype html><html{lang}><head>{_head(r)}</head><body>{body}</body></html>"


_rng = random.Random(SEED)
RANDOM_DOCUMENTS = [_document(_rng) for _ in range(150)]


@pytest.mark.parametrize("linked", [False, True], ids=["embedded", "linked"])
@pytest.mark.parametrize("k", range(len(RANDOM_DOCUMENTS)))
def test_random_documents_give_the_same_discovery_in_both_modes(c_path, monkeypatch, k, linked):
    fast, slow = discover_both(monkeypatch, RANDOM_DOCUMENTS[k], linked=linked, base_url=RANDOM_BASE)
    assert fast == slow


def test_random_documents_exercise_what_they_are_for(c_path, monkeypatch):
    # Guards the test above against a generator that stopped making embeds or big state.
    indexes = []
    scan = prefilter.json_index

    def spy(text, start, **options):
        found = scan(text, start, **options)
        indexes.append(found)
        return found

    monkeypatch.setattr(prefilter, "json_index", spy)
    embeds = [e for doc in RANDOM_DOCUMENTS for e in discover_document(doc, RANDOM_BASE).embeds]
    assert len(embeds) >= 100
    assert any(e.blocked_by == "state-json" for e in embeds)
    # the pruned walk had a member's own index to go into
    assert any(inner is not None for index in indexes if index for _, _, _, inner in index[1])


@pytest.fixture(params=[True, False], ids=["avx2", "table"])
def literal_search(request, c_path):
    """Run a test with each literal search: AVX2 (where the CPU has it) and the table scan."""
    used = prefilter._prefilter.simd(request.param)
    try:
        if request.param and not used:
            pytest.skip("this CPU has no AVX2")
        yield
    finally:
        prefilter._prefilter.simd(True)


NEAR_MISSES = ("statu", "instagra", "youtub", "youtu.b", "tweetid", "TWEETID", "video-Id", "t.m", "/ @", "_oembed",
               "redd.i", "bsk", "shortcod", "tiktok", "vimeo .com")
FILLER_BYTES = string.ascii_letters + string.digits + " \n\t.,;:=(){}[]'\"/_-+*&|@?!%$#" + "éü😀日"


def _script_text(r: random.Random) -> str:
    """Script text with literals and near misses anywhere: at either end, across 32-byte
    blocks, next to each other, or none at all."""
    parts = []
    for _ in range(r.randint(0, 8)):
        parts.append("".join(r.choices(FILLER_BYTES, k=r.choice((0, 1, 5, 30, 31, 32, 33, 64, 100)))))
        parts.append(r.choice(prefilter.SCRIPT_LITERALS + NEAR_MISSES))
        parts.append(r.choice(FOLLOWERS))
    text = "".join(parts) + "".join(r.choices(FILLER_BYTES, k=r.randint(0, 40)))
    return text.replace("<", "&lt;")  # (never "</script>")


# What may come after a literal: a post URL's next part, or not quite.
FOLLOWERS = ("", "/", "\\/", "\\u002F", "\\u002f", "%2F", "%2f", ".com/", ".com\\/", "-nocookie.com/", ".com",
             "es/", "es", "net/@", "com/@", "/r/", "/r", "/x", "/é", "'", '"', "_", "é", ".", "/", "(")


def _follows(text: str, end: int, follows: tuple) -> bool:
    """The follow rule, written out: does one of `follows` come right at text[end:]?"""
    def at(follow: str, pos: int) -> bool:
        if not follow:
            return True
        c, rest = follow[0], follow[1:]
        if c == state.SLASH:
            return any(text.startswith(form, pos) and at(rest, pos + len(form)) for form in state.SLASH_FORMS)
        if pos >= len(text):
            return False
        b = text[pos]
        ok = (b in "\"'" if c == state.QUOTE else
              (not b.isascii() or b == "_" or b.isalnum()) if c == state.WORD else b == c)
        return ok and at(rest, pos + 1)
    return not follows or any(at(follow, end) for follow in follows)


def test_script_literals_are_found_wherever_they_sit(literal_search):
    # A literal counts where one of its follows comes right after it (see state._POSTISH).
    r = random.Random(SEED)
    follows = dict(zip(prefilter.SCRIPT_LITERALS, state.POST_FOLLOWS + ((),) * len(prefilter.scripts.JS_EXTRA_LITERALS)))
    counted = 0
    for _ in range(600):
        text = "var start = 0; " + _script_text(r)
        tree = LexborHTMLParser(f'<html><head><script type="text/x-test">{text}</script></head></html>')
        _, items, _ = prefilter._prefilter.walk(tree.root.mem_id, False, True, 100, prefilter.MAX_PATH_STEPS)
        masks = [literals for _, tag, _, _, _, literals, _ in items if tag == "script"]
        expected = frozenset(literal for literal in prefilter.SCRIPT_LITERALS
                             if any(_follows(text, m.end(), follows[literal])
                                    for m in re.finditer(re.escape(literal), text)))
        # (a script of this type naming nothing and holding no markup is not offered)
        assert (prefilter._literals(masks[0]) if masks else frozenset()) == expected, text
        counted += len(expected)
    assert counted > 300


def test_a_literal_counts_wherever_its_pattern_matches():
    # The follows never hide a post: every match of a pattern has one after its literal.
    r = random.Random(SEED)
    pieces = state.POST_LITERALS + FOLLOWERS + ("123456789", "abc", "embed", "watch", "p/", "reel", "@user", "1/2")
    for _ in range(20_000):
        text = "".join(r.choice(pieces) for _ in range(r.randint(1, 6)))
        for literals, pattern, follows in state._POSTISH:
            for m in pattern.finditer(text):
                literal = next(literal for literal in literals if text.startswith(literal, m.start()))
                assert _follows(text, m.start() + len(literal), follows), (text, pattern.pattern)


def test_json_members_agrees_with_a_plain_search_on_random_state(literal_search):
    # Each member written on its own, so its raw text is known: offered exactly when that
    # text holds a literal (as is) or an id key (ASCII case-insensitive).
    r = random.Random(SEED)
    checked = 0
    while checked < 300:
        value = _state(r)
        if not isinstance(value, (dict, list)):
            continue
        if isinstance(value, dict):
            raws = [_json_text(r, key) + r.choice((":", " : ")) + _json_text(r, v) for key, v in value.items()]
            body = "{" + ", ".join(raws) + "}"
        else:
            raws = [_json_text(r, v) for v in value]
            body = "[" + ",\n".join(raws) + "]"
        prefix = r.choice(("", " \n", "é😀 = ", "\x00"))
        hot = [k for k, raw in enumerate(raws) if any(literal in raw for literal in state.RAW_JSON_LITERALS)
               or any(key in ascii_lower(raw) for key in state.RAW_JSON_KEYS)]
        members = members_of(value)
        assert offered(prefix + body, len(prefix)) == (len(value), [(k, members[k]) for k in hot]), body
        checked += 1


def _index_level_by_level(text: str, start: int, in_bytes: bool, prune_min: int, levels: int):
    """What json_index should say, built from one-level scans (whose hot members are those
    whose whole raw text holds a literal) at each member's byte offset."""
    members = json_members(text, start, in_bytes)
    if members is None:
        return None
    raw = text.encode()
    count, spans = members
    return count, [(ordinal, begin, end,
                    _index_level_by_level(text, begin, True, prune_min, levels - 1)
                    if levels > 0 and end - begin > prune_min and raw[begin:begin + 1] in (b"{", b"[") else None)
                   for ordinal, begin, end in spans]


def test_json_index_agrees_with_scans_level_by_level(literal_search):
    # One pass searches each token once; a one-level scan searches a member's whole raw text.
    r = random.Random(SEED)
    for _ in range(150):
        value = _big_state(r) if r.random() < 0.5 else {"a": _state(r), "b": [_state(r), _state(r)]}
        prefix = r.choice(("", " \n", "é😀 = "))
        text = prefix + _json_text(r, value)
        for prune_min in (0, 40, 2000):
            for levels in (0, 1, 3, 12):
                expected = _index_level_by_level(text, len(prefix), False, prune_min, levels)
                assert prefilter.json_index(text, len(prefix), prune_min=prune_min, max_depth=levels) == expected


def test_literal_tests_agree_with_their_regular_expressions(literal_search):
    # Python keeps a str as Latin-1, UCS-2 or UCS-4 bytes; the C test reads the first as it
    # is and the others as UTF-8 (a lone surrogate included).
    r = random.Random(SEED)
    pieces = (prefilter.detectors.HINT_LITERALS + state.HOSTISH_LITERALS + NEAR_MISSES
              + ("é", "ÿ", "Ā", "日本", "😀", "\ud800", "\udfff", "x" * 40, " ", "TWITTER.COM"))
    for _ in range(3000):
        text = "".join(r.choice(pieces) for _ in range(r.randint(0, 6)))
        assert prefilter.names_hint(text) == (prefilter.detectors.HINT.search(text) is not None), repr(text)
        assert prefilter.names_host(text) == (state.HOSTISH.search(text) is not None), repr(text)


def _nest(tags: list, inner: str) -> str:
    for tag in reversed(tags):
        name, _, cls = tag.partition(".")
        attribute = f' class="{cls}"' if cls else ""
        inner = f"<{name}{attribute}>{inner}</{name}>"
    return inner


ANCESTRIES = [  # (the levels at either side of NOSCRIPT_LEVELS and WIDGET_LEVELS; in <body>)
    "<p>.</p>" + _nest(["noscript"] + ["div"] * 10, BLOCKQUOTE), "<p>.</p>" + _nest(["noscript"] + ["div"] * 11, BLOCKQUOTE),
    "<p>.</p>" + _nest(["noscript"] + ["div"] * 12, BLOCKQUOTE),
    _nest(["aside"] + ["div"] * 9, f'<div class="tweet-card" data-tweet-id="{TWEET_ID}">x</div>'),
    _nest(["aside"] + ["div"] * 10, f'<div class="tweet-card" data-tweet-id="{TWEET_ID}">x</div>'),
    _nest(["div.sidebar"] + ["div"] * 9, f'<div class="tweet-card" data-tweet-id="{TWEET_ID}">x</div>'),
    _nest(["div.sidebar"] + ["div"] * 10, f'<div class="tweet-card" data-tweet-id="{TWEET_ID}">x</div>'),
    _nest(["div.Site-Sidebar"] + ["div"] * 3, BLOCKQUOTE), _nest(["div.buzzfeed-news"], BLOCKQUOTE),
    _nest(["div.x_feed", "section"], BLOCKQUOTE), _nest(["div.RELATED"], BLOCKQUOTE),
    f'<div id="recommendations"><p>{BLOCKQUOTE}</p></div>', f'<div class><div id>{BLOCKQUOTE}</div></div>',
    f'<svg><g class="widget"><foreignObject>{BLOCKQUOTE}</foreignObject></g></svg>',
    f'<div class="k\u212afeed">{BLOCKQUOTE}</div>',
]


@pytest.mark.parametrize("k", range(len(ANCESTRIES) + 40))
def test_ancestry_agrees_with_the_python_walk_up(c_path, k):
    text = ANCESTRIES[k] if k < len(ANCESTRIES) else RANDOM_DOCUMENTS[k]
    tree = LexborHTMLParser(text)
    _, candidates, _ = prefilter.walk(tree, linked=True, top=True, limit=10_000)
    checked = 0
    for _, _, _, node in candidates:
        real = node._resolve()  # a selectolax node: the Python walk up
        assert detectors.inside_noscript(node) == detectors.inside_noscript(real)
        assert detectors._in_widget(node) == detectors._in_widget(real)
        checked += 1
    assert checked or k >= len(ANCESTRIES)  # (a random page may have no candidate)


LINKS = [
    '<div class="tweet-card"><svg><a href="s1">x</a><a xlink:href="s2">y</a></svg><math><a href="m">z</a></math>'
    '<A HREF="up">u</A><a>no href</a><a href>empty</a><template><a href="t">t</a></template><a href="last">l</a></div>',
    f'<blockquote class="twitter-tweet"><p>Ünïcödé &amp; <b>bold</b></p>&mdash; A <a href="{TWEET_URL}">d</a></blockquote>',
    '<div class="tweet"><a foo:href="x">prefixed</a><a href="1"><a href="2">nested</a></a></div>',
]


@pytest.mark.parametrize("k", range(len(LINKS) + 40))
def test_markup_text_and_links_come_out_as_selectolax_gives_them(c_path, k):
    text = LINKS[k] if k < len(LINKS) else RANDOM_DOCUMENTS[k]
    tree = LexborHTMLParser(text)
    _, candidates, _ = prefilter.walk(tree, linked=True, top=True, limit=10_000)
    for _, _, _, node in candidates:
        real = node._resolve()
        assert node.html == real.html
        assert node.text(deep=True, separator=" ") == real.text(deep=True, separator=" ")
        assert node.text(deep=True) == real.text(deep=True)
        assert detectors.hrefs(node) == detectors.hrefs(real)


def test_the_c_pass_leaves_out_what_python_would_pass_by(c_path):
    # The equivalence tests catch a C pass that leaves out too much; this one, that it
    # leaves out what it is meant to (the cost of offering an element to Python).
    def offered(text):
        _, candidates, _ = prefilter.walk(LexborHTMLParser(text), linked=False, top=True, limit=10_000)
        return [(tag, attrs.get("class") or attrs.get("type") or attrs.get("src")) for _, tag, attrs, _ in candidates
                if tag not in ("html", "head", "body", "a")]

    assert offered(TRICKY["cards-that-are-not-embeds"][0]) == [("div", "newsfeed-tweet")]
    # (not the plain code, nor a loader whose body is too short to hold anything)
    assert offered(TRICKY["script-types"][0]) == [
        ("script", "text/plain"), ("script", "text/template"), ("script", "text/template"), ("script", "text/x-foo"),
        ("script", "text/x-foo")]
    assert offered('<div data-id="123456789" class="box"></div><img src="https://example.com/a%2Fb.png">'
                   '<meta itemprop="width" content="1"><span class="stwitter"><a href="/x">x</a></span>'
                   '<svg><use xlink:href="#icon-twitter"></use></svg><div data-network="twitter"></div>'
                   '<blockquote class="pull-quote">A quote</blockquote>') == []


@pytest.mark.parametrize("address", [-1, 2 ** 64, "x", None, 0])
def test_what_is_not_a_node_address_is_refused(c_path, address):
    for ask in (prefilter._prefilter.node_html, prefilter._prefilter.node_links, prefilter._prefilter.ancestry):
        if address == 0 and ask is prefilter._prefilter.ancestry:
            continue  # (no node: no ancestors)
        with pytest.raises((TypeError, ValueError, OverflowError)):
            ask(address)


def test_json_index_depth_is_bounded_whatever_is_asked(c_path):
    deep = "[" * 100_000 + '"https://x.com/a/status/1234567"' + "]" * 100_000
    count, hot = prefilter.json_index(deep, 0, prune_min=0, max_depth=10 ** 6)
    assert count == 1 and [ordinal for ordinal, _, _, _ in hot] == [0]
