"""Statuses and their details read as sentences for volunteers."""
import pytest
from datasette_embed_archive.wording import detail_sentences, status_sentence


def test_a_detail_from_several_sources_becomes_one_sentence_each():
    detail = ("X syndication: no such post (404 or empty answer); FxTwitter: not asked (ARCHIVER_OFFLINE is set "
              "and endpoint 'fxtwitter' is not configured); X oEmbed: not asked (ARCHIVER_OFFLINE is set and "
              "endpoint 'x-oembed' is not configured)")
    assert detail_sentences(detail) == ["X syndication has no such post.",
                                        "FxTwitter was not asked: this archive was collected offline.",
                                        "X oEmbed was not asked: this archive was collected offline."]


@pytest.mark.parametrize("detail, sentence", [
    ("Reddit: deleted by its author", "Reddit: deleted by its author."),
    ("YouTube oEmbed: refused (HTTP 403: private, removed or login required)",
     "YouTube oEmbed refused to show it: private, removed, or a login is required."),
    ("Telegram: example.org stopped answering (read timed out)", "Telegram did not answer in time."),
    ("Instagram oEmbed: needs a Meta app token (ARCHIVER_META_TOKEN); kept what the page showed",
     "Instagram oEmbed needs a Meta app token, which this archive was not given."),
    ("Telegram: the page does not show this post", "Telegram said: “the page does not show this post”"),
    ("This Post was deleted by the Post author.", "“This Post was deleted by the Post author.”"),
])
def test_known_shapes_become_sentences_and_the_rest_is_quoted(detail, sentence):
    assert detail_sentences(detail) == [sentence]


def test_nothing_to_say():
    assert detail_sentences(None) == [] and detail_sentences("; ") == []
    assert status_sentence("deleted").startswith("Gone") and status_sentence("odd") == "Status unknown."
