"""Discovery over small hand-written documents that are hard in one way each: nesting,
odd names and values, consent notices, scripts of every type, limits."""
from __future__ import annotations

import base64

import pytest

from archiver.discover import discover_document, document, jsonvalue

BASE_URL = "https://news.example.org/2023/05/article"
TWEET_ID = "1234567890123456789"
TWEET_URL = f"https://twitter.com/someone/status/{TWEET_ID}"
VIDEO_ID = "dQw4w9WgXcQ"
VIDEO_URL = f"https://www.youtube.com/embed/{VIDEO_ID}"
TWEET = ("x", TWEET_ID)
VIDEO = ("youtube", VIDEO_ID)
TIKTOK = ("tiktok", "7230000000000000000")
BLOCKQUOTE = (f'<blockquote class="twitter-tweet"><p>Words</p>&mdash; Someone (@someone) <a href="{TWEET_URL}">'
              'May 23, 2023</a></blockquote>')
KELVIN = "\u212a"  # KELVIN SIGN: str.lower() makes it an ASCII "k", ASCII-only folding does not


def embeds_of(result) -> set:
    return {(e.platform, e.native_id) for e in result.embeds}


# -- documents that are hard in one way each ----------------------------------------

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


# name -> (html, the embeds found, page metadata reported)
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
    "thousands-of-distinct-names": (
        "".join(f'<x-tag{k} data-n{k}="v"></x-tag{k}>' for k in range(3000))
        + f'<iframe src="{VIDEO_URL}"></iframe><div data-tweet-id="{TWEET_ID}"></div>', {TWEET, VIDEO}, {}),
    "5000-nested-divs": (_nested(5000, BLOCKQUOTE + f'<iframe src="{VIDEO_URL}"></iframe>'), {TWEET, VIDEO}, {}),
    "many-elements": (_many_elements(20_000), {("youtube", f"vid{k:08d}") for k in range(1234, 20_000, 2500)}, {}),
    "base64-consent-payload": (
        '<div data-borlabs-cookie-content="' + base64.b64encode(BLOCKQUOTE.encode()).decode() + '"></div>',
        {TWEET}, {}),
    # Names and classes fold case and strip whitespace the ASCII way, as HTML does.
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
        {VIDEO, TWEET, ("instagram", "CsXyZ12AbCd"), TIKTOK}, {}),
    # An image matters as a player, a proxy behind a lazy attribute, markup, JSON or a
    # script URL (a problem is noted); a picture of a post is not an embed.
    "images": (
        f'<img src="{VIDEO_URL}"><img src="https://pbs.twimg.com/media/twitter.jpg">'
        '<img data-lazy-src="https://news.example.org/embed?url=https%3A%2F%2Ftwitter.com%2Fa%2Fstatus%2F1111111111111">'
        '<img src="data:image/svg+xml,%3Csvg%3E%3C%2Fsvg%3E"><img src=" \x0bJavaScript:x//twitter.com">'
        f'<img data-embed=\'\x1c {{"url": "{TWEET_URL}"}}\'><img data-x="&lt;iframe src=&quot;{VIDEO_URL}&quot;&gt;">'
        '<img src="https://www.facebook.com/tr?id=1&amp;ev=PageView"><img src="https://example.com/ twitter">',
        {VIDEO, ("x", "1111111111111")}, {}),
    # Only the first <title>, <html lang> and <time datetime> count.
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
        {TWEET, ("x", "1111111111111"), ("x", "2222222222222"), ("x", "3333333333333")}, {}),
    # A script type with other whitespace around it: str.strip() takes it off.
    "json-ld-type-with-other-whitespace": (
        '<html><head><script type="application/ld+json\u00a0">{"@type": "NewsArticle", "datePublished":'
        ' "2023-05-01T10:00:00Z"}</script><script type="\x0bapplication/json\x1c">{"tweetUrl":'
        f' "{TWEET_URL}"}}</script></head></html>', {TWEET}, {"published_at": "2023-05-01T10:00:00Z"}),
    "image-data-uri": ('<img src="data:image/svg+xml,%3Csvg%3E%3C%2Fsvg%3E">', set(), {}),
    "image-script-url": ('<img src="\tVBScript:go(%2F)">', set(), {}),
}




@pytest.mark.parametrize("linked", [False, True], ids=["embedded", "linked"])
@pytest.mark.parametrize("name", TRICKY)
def test_tricky_documents(name, linked):
    html, embeds, meta = TRICKY[name]
    result = discover_document(html, BASE_URL, linked=linked)
    assert embeds_of(result) == embeds
    assert {key: getattr(result.meta, key) for key in meta} == meta


def test_element_limit():
    # The limit falls inside the filler: the blockquote before it is seen, the div after it
    # is not; the template's payload counts against the page's budget as the walk meets it.
    late = ("x", "1111111111111111111")
    html = ("<html><body>" + f'<template><iframe src="{VIDEO_URL}"></iframe></template>'
            + BLOCKQUOTE + "<p>filler</p>" * 60 + f'<div data-tweet-id="{late[1]}"></div></body></html>')
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document, "MAX_ELEMENTS", 50)
        for linked in (False, True):
            result = discover_document(html, BASE_URL, linked=linked)
            assert TWEET in embeds_of(result) and late not in embeds_of(result)
            assert "more than 50 elements; the rest of the page was not inspected" in result.problems


def test_a_blockquote_at_every_level_of_deep_nesting():
    html = f'<blockquote class="twitter-tweet"><a href="{TWEET_URL}">t</a>' * 1000
    assert TWEET in embeds_of(discover_document(html, BASE_URL))


def test_one_post_in_boxes_nested_a_thousand_deep_is_one_embed_with_bounded_markup():
    # Every box names the same tweet: one embed, the outermost box's markup cut at the stored size.
    html = f'<div class="tweet-embed" data-tweet-id="{TWEET[1]}"><p>t</p>' * 1000 + "</div>" * 1000
    result = discover_document(html, BASE_URL)
    assert embeds_of(result) == {TWEET}
    assert len(result.embeds) == 1 and len(result.embeds[0].html) == document.MAX_HTML


def test_nested_scripts_are_read_once_each():
    # In SVG a script may hold another: each is read for its own text, not its subtree's.
    html = "<svg>" + "<script>" * 300 + f'window.x = {{"embed": "{TWEET_URL}"}};' + "</script>" * 300 + "</svg>"
    result = discover_document(html, BASE_URL)
    assert embeds_of(result) == {TWEET}
    assert len(result.embeds) == 1


@pytest.mark.parametrize("text, value, rest", [
    ('x = {"a": [1, {"b": "}"}]}; y = 2;', {"a": [1, {"b": "}"}]}, "; y = 2;"),
    ('x = {"\U0001F600\u00e9": "\u00fc\u65e5"}  ; x', {"\U0001F600\u00e9": "\u00fc\u65e5"}, "; x"),
    ('x = [1, 2]', [1, 2], ""),
    ('x = {"a": NaN} z', None, " z"),  # (orjson refuses NaN: json reads it)
])
def test_a_value_in_script_and_where_it_ends(text, value, rest):
    got, end = jsonvalue.value_and_end(text, 4)
    if value is not None:
        assert got == value
    assert text[end:].strip() == rest.strip()
