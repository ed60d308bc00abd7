"""Embed discovery over fixture pages written for these tests (tests/fixtures/discover/)."""
from __future__ import annotations

import os

import pytest

from archiver.discover import discover_document

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "discover")


def discover(name, **kwargs):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return discover_document(f.read(), None, **kwargs)


def by_id(result):
    return {e.native_id: e for e in result.embeds}


# -- visible markup ------------------------------------------------------------------

def test_visible_markup_of_every_platform_in_page_order():
    result = discover("visible.html")
    got = [(e.platform, e.native_id) for e in result.embeds]
    assert got == [
        ("x", "1661000000000000001"),
        ("instagram", "Cs1AbCdEfGh"),
        ("facebook", "1234567890123456"),
        ("youtube", "dQw4w9WgXcQ"),
        ("youtube", "aBcDeFgHiJk"),
        ("vimeo", "76979871"),
        ("tiktok", "7230000000000000000"),
        ("telegram", "examplechannel/4321"),
        ("bluesky", "3kabcdefghij2"),
        ("mastodon", "mastodon.social/110000000000000001"),
        ("threads", "Cu1AbCdEfGh"),
        ("reddit", "13abcde"),
        ("x", "1661000000000000002"),
        ("instagram", "Cs2XyZaBcDe"),
        ("youtube", "zYxWvUtSrQp"),
        ("youtube", "LiteVid0001"),
        ("youtube", "OldFlash001"),
    ]
    assert [e.position for e in result.embeds] == list(range(len(got)))
    assert all(e.blocked_by is None and e.relation == "embedded" for e in result.embeds)


def test_blockquote_iframe_and_noscript_copies_count_once_keeping_the_fallback():
    tweet = by_id(discover("visible.html"))["1661000000000000001"]
    assert tweet.url == "https://x.com/watcher_osint/status/1661000000000000001"
    assert tweet.fallback_text == "34/n Drone footage shows the crossing near the border post."
    assert tweet.fallback_author == "War Watcher"
    assert tweet.fallback_handle == "watcher_osint"
    assert tweet.fallback_date == "May 23, 2023"
    assert tweet.html.startswith("<blockquote")


def test_instagram_fallback_credit_line():
    post = by_id(discover("visible.html"))["Cs1AbCdEfGh"]
    assert post.url == "https://www.instagram.com/p/Cs1AbCdEfGh/"
    assert post.fallback_handle == "borderphotos"
    assert post.fallback_author == "Border Photos"


def test_page_metadata():
    meta = discover("visible.html").meta
    assert meta.title == "Les drones au-dessus de la frontière"
    assert meta.canonical_url == "https://news.example.org/2023/05/drones"
    assert meta.site_name == "Le Quotidien Exemple"
    assert meta.lang == "fr"
    assert meta.published_at == "2023-05-23T12:05:00Z"


def test_metadata_from_json_ld_and_og_url():
    meta = discover("state.html").meta
    assert meta.site_name == "Example News"
    assert meta.published_at == "2023-05-23T12:00:00Z"
    assert meta.canonical_url == "https://news.example.org/world/article/3000001/border-drones"
    assert meta.title == "State page"


# -- look-alikes -------------------------------------------------------------------

def test_look_alikes_are_not_embeds():
    # share/follow/like buttons, timelines, page plugins, CSS and scripts naming classes,
    # commented-out iframes, comment widgets, feeds, post images, links in footnotes
    assert discover("negatives.html").embeds == []


def test_linked_mode_returns_in_text_links_only():
    result = discover("negatives.html", linked=True)
    assert [(e.native_id, e.relation) for e in result.embeds] == [("1660000000000000009", "linked")]


def test_linked_posts_never_replace_an_embed_of_the_same_post():
    html = ('<p><a href="https://twitter.com/a/status/1234567890123">link</a></p>'
            '<blockquote class="twitter-tweet"><a href="https://twitter.com/a/status/1234567890123">x</a></blockquote>')
    result = discover_document(html, None, linked=True)
    assert [(e.native_id, e.relation) for e in result.embeds] == [("1234567890123", "embedded")]


# -- consent tools and placeholders ---------------------------------------------------

CONSENT = [
    # id, blocked_by, recovered_from
    ("1662000000000000001", "didomi", "script[type=didomi/html]"),
    ("1662000000000000002", "tarteaucitron", "div[tweetid]"),
    ("TarteauYt01", "tarteaucitron", "div[videoid]"),
    ("CookiebotY1", "cookiebot", "iframe[data-cookieblock-src]"),
    ("123456789", "usercentrics", "iframe[uc-src]"),
    ("OneTrustY01", "onetrust", "script[type=text/plain]"),
    ("BorlabsV2ab", "borlabs", "script[type=text/template]"),
    ("1662000000000000003", "borlabs", "div[data-borlabs-cookie-content]"),
    ("Complianz01", "complianz", "iframe[data-src-cmplz]"),
    ("Iubenda0001", "iubenda", "iframe[suppressedsrc]"),
    ("KlaroVideo1", "klaro", "iframe[data-src]"),
    ("1662000000000000011", "embed-privacy", "inline script"),
    ("CmpManager1", "consentmanager", "iframe[data-cmp-src]"),
    ("1662000000000000004", "style[type=text/template]", "style[type=text/template]"),
    ("EscapedAt01", "escaped-attribute", "div[data-embed-frame]"),
    ("TemplateY01", "template", "template"),
    ("1662000000000000010", "textarea", "textarea"),
    ("LazySrcY001", "data-src", "iframe[data-lazy-src]"),
    ("1662000000000000005", "js-placeholder", "div[data-url]"),
    ("DataYtId001", "js-placeholder", "div[data-youtube-id]"),
    ("1662000000000000006", "js-placeholder", "div[data-embedded-url]"),
    ("ProxyPost01", "proxy-iframe", "iframe[src] proxy target"),
    ("1662000000000000012", "didomi", "placeholder text"),
    ("1662000000000000013", "proxy-iframe", "iframe[src] proxy target"),
    ("TwoClickY01", "js-placeholder", "div[data-id]"),
]


@pytest.mark.parametrize("native_id,blocked_by,recovered_from", CONSENT)
def test_embed_recovered_from_consent_gate(native_id, blocked_by, recovered_from):
    embed = by_id(discover("consent.html"))[native_id]
    assert (embed.blocked_by, embed.recovered_from) == (blocked_by, recovered_from)


def test_consent_page_has_exactly_the_gated_embeds_in_order():
    result = discover("consent.html")
    assert [e.native_id for e in result.embeds] == [
        "1662000000000000001", "1662000000000000002", "TarteauYt01", "CookiebotY1", "123456789", "OneTrustY01",
        "BorlabsV2ab", "1662000000000000003", "Complianz01", "Iubenda0001", "KlaroVideo1", "1662000000000000011",
        "CmpManager1", "1662000000000000004", "EscapedAt01", "TemplateY01", "1662000000000000010", "LazySrcY001",
        "1662000000000000005", "DataYtId001", "1662000000000000006", "ProxyPost01", "1662000000000000012",
        "dQw4w9WgXcQ", "1662000000000000013", "TwoClickY01"]


def test_recovered_payload_keeps_fallback_text():
    embeds = by_id(discover("consent.html"))
    assert embeds["1662000000000000001"].fallback_text == "Didomi kept me"
    assert embeds["1662000000000000001"].fallback_handle == "dee_osint"
    assert embeds["1662000000000000010"].fallback_text == "Gesperrt"
    assert embeds["1662000000000000003"].fallback_date == "May 1, 2023"


def test_placeholder_with_nothing_to_recover_is_recorded():
    placeholders = discover("consent.html").placeholders
    assert [(p.blocked_by, "no post" in p.detail) for p in placeholders] == [("didomi", True)]


# -- state JSON --------------------------------------------------------------------

def test_state_json_embeds_only_of_this_article():
    result = discover("state.html")
    got = {(e.native_id, e.blocked_by, e.recovered_from) for e in result.embeds}
    assert got == {
        ("1663000000000000001", "state-json", "__NEXT_DATA__"),
        ("StatePost01", "state-json", "__NEXT_DATA__"),
        ("ApolloVid01", "state-json", "window.__APOLLO_STATE__"),
        ("InlineCall1", "inline-script", "inline script"),
    }
    # not: the in-text link, the related article's video, the preloaded article, the ad URL


def test_state_json_that_is_not_json_is_a_problem_not_a_crash():
    problems = discover("state.html").problems
    assert any("__NUXT_DATA__" in p and "not valid JSON" in p for p in problems)


def test_share_attributes_and_post_images_are_not_embeds():
    html = ('<div class="box" data-share-url="https://twitter.com/a/status/1234567890123"></div>'
            '<div class="lazy-bg" data-src="https://www.instagram.com/p/ImagePost01/media/?size=l"></div>'
            '<div class="card" data-thumbnail="https://www.instagram.com/p/ImagePost02/"></div>')
    assert discover_document(html, None).embeds == []


def test_embed_privacy_string_with_javascript_escapes():
    # Embed Privacy keeps the oEmbed answer as a JS string: quotes and slashes backslash-escaped.
    page = ("<div class=\"embed-privacy-container\"><script>var _oembed_0a1b = '{\"embed\":\"<blockquote "
            "class=\\\"instagram-media\\\" data-instgrm-permalink=\\\"https:\\/\\/www.instagram.com\\/p\\/CqZ1abcDEF"
            "\\/\\\"><\\/blockquote>\"}';</script></div>")
    result = discover_document(page, None)
    assert [(e.platform, e.native_id, e.blocked_by) for e in result.embeds] == [
        ("instagram", "CqZ1abcDEF", "embed-privacy")]
    assert result.problems == []


def test_an_embed_only_in_noscript_says_so_and_a_live_copy_wins():
    only = discover_document('<body><noscript><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>'
                             '</noscript></body>', None)
    assert [(e.native_id, e.blocked_by, e.recovered_from) for e in only.embeds] == [("dQw4w9WgXcQ", None, "noscript")]
    both = discover_document('<body><noscript><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>'
                             '</noscript><iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"></iframe>'
                             '</body>', None)
    assert [(e.native_id, e.recovered_from) for e in both.embeds] == [("dQw4w9WgXcQ", None)]


@pytest.mark.parametrize("before", [0, 3, 200], ids=["first", "after-a-few", "after-many"])
def test_state_is_read_when_the_post_follows_many_look_alikes(before):
    # "status" is a common word in scripts: every occurrence may be the one a post URL
    # follows, past the ones tried one by one too.
    noise = "if (xhr.status === 200) { done(); } " * before
    html = (f"<script>{noise}window.__STATE__ = "
            '{"embed": {"type": "twitter", "url": "https:\\/\\/twitter.com\\/a\\/status\\/1234567890123"}};</script>')
    result = discover_document(html, None)
    assert [e.native_id for e in result.embeds] == ["1234567890123"]


@pytest.mark.parametrize("raw, expected", [
    ("Words here \u2014 Jane Doe (@jane) May 23, 2023", ("Words here", "Jane Doe", "jane", "May 23, 2023")),
    ("Words -- a - b (@x_1)", ("Words", "a - b", "x_1", None)),
    ("\u2014 Jane (@jane) May 1", (None, "Jane", "jane", "May 1")),
    ("Photo A post shared by Some One (@some.one) on May 2, 2023", ("Photo", "Some One", "some.one", "May 2, 2023")),
    ("No credit line (@here) at all \u2014 really", ("No credit line (@here) at all \u2014 really", None, None, None)),
])
def test_fallback_text_splits_off_the_credit_line(raw, expected):
    from archiver.discover.text import parse_fallback

    got = parse_fallback(raw)
    assert (got.text, got.author, got.handle, got.date) == expected
