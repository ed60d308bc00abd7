"""Dates as pages, embeds and platforms write them, in any language."""
import pytest

from archiver.timeparse import parse_display_date, parse_iso, parse_rfc2822


@pytest.mark.parametrize("text, languages, expected", [
    ("May 23, 2023", (), "2023-05-23"),
    ("23 mai 2023", (), "2023-05-23"),                   # French
    ("23. Mai 2023", ("de",), "2023-05-23"),             # German, with the page's language
    ("23 мая 2023 г.", (), "2023-05-23"),                # Russian
    ("23 травня 2023 р.", ("uk-UA",), "2023-05-23"),     # Ukrainian, a region in the page's language
    ("23 de mayo de 2023", (), "2023-05-23"),            # Spanish
    ("23 maggio 2023", ("it",), "2023-05-23"),           # Italian
    ("2023年5月23日", (), "2023-05-23"),                  # Japanese
    ("23 мая 2023 г., 14:05", (), "2023-05-23T14:05:00"),  # a time of day without a zone stays local
    ("Tuesday 23 May 2023 10:00 CEST", (), "2023-05-23T08:00:00Z"),
    ("2023-05-23T10:00:00+02:00", (), "2023-05-23T08:00:00Z"),
    ("12 mai 2023", ("xx",), "2023-05-12"),              # a language nobody knows: every language is tried
])
def test_dates_in_any_language(text, languages, expected):
    assert parse_display_date(text, languages) == expected


@pytest.mark.parametrize("text", ["vor 2 Stunden", "2 hours ago", "Mai 2023", "hello world", "", None, 42,
                                  "x" * 500 + " 23 May 2023", "0 2023 0"])
def test_what_is_not_a_whole_date_gives_nothing(text):
    assert parse_display_date(text) is None


def test_platform_formats():
    assert parse_rfc2822("Tue May 23 08:12:00 +0000 2023") == "2023-05-23T08:12:00Z"
    assert parse_iso("2023-05-23") == "2023-05-23"
    assert parse_iso("not a date") is None


@pytest.mark.parametrize("page, expected", [
    ('<html lang="fr"><head><meta property="article:published_time" content="23 mai 2023"></head></html>',
     "2023-05-23"),
    ('<html lang="ru"><body><time datetime="23 мая 2023 г.">вчера</time></body></html>', "2023-05-23"),
    ('<html lang="de"><head><meta property="article:published_time" content="gestern"></head></html>', "gestern"),
])
def test_a_pages_own_date_in_its_language(page, expected):
    from archiver.discover import discover_document

    assert discover_document(page).meta.published_at == expected


def test_dates_as_mail_and_http_write_them_keep_their_zone_or_its_absence():
    from archiver.timeparse import parse_display_date

    assert parse_display_date("Wed, 28 Oct 2020 22:22:49 GMT") == "2020-10-28T22:22:49Z"
    assert parse_display_date("Fri, 03 Mar 2023 10:00:00 EST") == "2023-03-03T15:00:00Z"
    assert parse_display_date("Mon, 5 Jun 2023 07:00:00") == "2023-06-05T07:00:00"  # no zone written: none made up
