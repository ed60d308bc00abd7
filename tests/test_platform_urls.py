"""Which post a URL names: every platform's forms, encoded and odd-cased variants, and
look-alikes that are not posts. match_post_url tries a platform only when one of its
URL_HINTS occurs in the URL; these tests check that gate never hides a post."""
from __future__ import annotations

import pytest

from archiver.platforms import MODULES, match_post_url

POSTS = {
    "https://twitter.com/someone/status/1234567890123456789": ("x", "1234567890123456789"),
    "https://x.com/someone/status/1234567890123456789?s=20": ("x", "1234567890123456789"),
    "HTTPS://MOBILE.TWITTER.COM/Someone/statuses/1234567890123456789": ("x", "1234567890123456789"),
    "https://platform.twitter.com/embed/Tweet.html?id=1234567890123456789": ("x", "1234567890123456789"),
    "https%3A%2F%2Ftwitter.com%2Fsomeone%2Fstatus%2F1234567890123456789": ("x", "1234567890123456789"),
    "https://www.instagram.com/p/CsXyZ12AbCd/": ("instagram", "CsXyZ12AbCd"),
    "https://instagr.am/reel/CsXyZ12AbCd": ("instagram", "CsXyZ12AbCd"),
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ": ("youtube", "dQw4w9WgXcQ"),
    "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0": ("youtube", "dQw4w9WgXcQ"),
    "https://youtu.be/dQw4w9WgXcQ": ("youtube", "dQw4w9WgXcQ"),
    "https://player.vimeo.com/video/76979871": ("vimeo", "76979871"),
    "https://www.tiktok.com/@user/video/7230000000000000000": ("tiktok", "7230000000000000000"),
    "https://t.me/channel/1234": ("telegram", "channel/1234"),
    "https://bsky.app/profile/someone.bsky.social/post/3jzabcd1234": ("bluesky", "3jzabcd1234"),
    "https://www.threads.net/@someone/post/CsXyZ12AbCd": ("threads", "CsXyZ12AbCd"),
    "https://www.reddit.com/r/news/comments/abc123/a_title/": ("reddit", "abc123"),
    "https://redd.it/abc123": ("reddit", "abc123"),
    "https://mastodon.social/@someone/109876543210987654": ("mastodon", None),
    "https://social.example.org/@Someone/109876543210987654/embed": ("mastodon", "109876543210987654"),
    "https://social.example.org/users/someone/statuses/109876543210987654": ("mastodon", "109876543210987654"),
    "HTTPS://SOCIAL.EXAMPLE.ORG/USERS/someone/STATUSES/109876543210987654": ("mastodon", "109876543210987654"),
    "https%3A%2F%2Fsocial.example.org%2F%40someone%2F109876543210987654": ("mastodon", "109876543210987654"),
}
NOT_POSTS = [
    "https://twitter.com/share?url=https%3A%2F%2Fexample.com", "https://twitter.com/someone",
    "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fexample.com", "https://www.instagram.com/someone/",
    "https://www.youtube.com/channel/UC123", "https://example.com/twitter.com/status", "https://t.me/channel",
    "https://example.com/page", "", "https://social.example.org/@someone", "https://example.com/users/someone",
]


def _every_platform(url):
    """What match_post_url would say if it tried every platform in turn (no URL_HINTS gate)."""
    for module in MODULES:
        ref = module.match(url)
        if ref:
            return ref
    return None


@pytest.mark.parametrize("url", POSTS)
def test_post_urls_name_their_post(url):
    platform, native_id = POSTS[url]
    ref = match_post_url(url)
    assert ref is not None and ref.platform == platform
    if native_id is not None:
        assert native_id in ref.native_id


@pytest.mark.parametrize("url", NOT_POSTS)
def test_look_alikes_name_no_post(url):
    assert match_post_url(url) is None


@pytest.mark.parametrize("url", list(POSTS) + NOT_POSTS)
def test_the_hint_gate_hides_nothing(url):
    assert match_post_url(url) == _every_platform(url)


def test_every_platform_declares_hints():
    # A platform is tried only when one of its hints occurs; Mastodon's are paths (any host).
    assert all(m.URL_HINTS and all(h == h.lower() for h in m.URL_HINTS) for m in MODULES)
