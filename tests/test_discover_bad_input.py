"""Hostile and broken input: a problem string in Discovery.problems, never a crash or a hang."""
from __future__ import annotations

import base64
import json
import time

import pytest

from archiver.discover import discover_document, document, state

TWEET = '<blockquote class="twitter-tweet"><a href="https://twitter.com/a/status/1234567890123"></a></blockquote>'


def ids(result):
    return [e.native_id for e in result.embeds]


def test_deeply_nested_markup():
    html = "<div>" * 20000 + TWEET + "</div>" * 20000
    start = time.perf_counter()
    result = discover_document(html, None)
    assert ids(result) == ["1234567890123"]
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("cut", [40, 80, 120, len(TWEET) - 5])
def test_truncated_markup(cut):
    result = discover_document("<html><body><p>text</p>" + TWEET[:cut], None)
    assert isinstance(result.embeds, list)


def test_invalid_base64_payload_is_a_problem():
    html = '<div class="_brlbs-content-blocker"><script type="text/template">QUJD!!!notbase64====QUJD</script></div>'
    result = discover_document(html, None)
    assert result.embeds == []
    assert result.problems == [] or all(isinstance(p, str) for p in result.problems)
    html = '<div data-borlabs-cookie-content="QUJDRE%%%%%VGSElKS0xNTk9QUVJTVFVWV1hZWg=="></div>'
    result = discover_document(html, None)
    assert result.embeds == []
    assert any("invalid base64" in p for p in result.problems)


def test_payload_nested_in_payload_is_depth_bounded():
    payload = TWEET
    for _ in range(12):
        payload = '<div data-borlabs-cookie-content="' + base64.b64encode(payload.encode()).decode() + '"></div>'
    start = time.perf_counter()
    result = discover_document(payload, None)
    assert time.perf_counter() - start < 5
    assert result.embeds == []
    assert any("nested deeper" in p for p in result.problems)


def test_payload_two_levels_deep_is_followed():
    inner = '<div data-borlabs-cookie-content="' + base64.b64encode(TWEET.encode()).decode() + '"></div>'
    outer = '<script type="didomi/html">' + inner + "</script>"
    result = discover_document(outer, None)
    assert ids(result) == ["1234567890123"]
    assert result.embeds[0].blocked_by == "didomi"  # the outermost gate names the embed


def test_javascript_url_is_refused():
    html = ('<iframe data-src="javascript:alert(\'https://www.youtube.com/embed/dQw4w9WgXcQ\')"></iframe>'
            '<div class="tweet" data-url="  JavaScript:void(0)//twitter.com/a/status/1234567890123"></div>')
    result = discover_document(html, None)
    assert result.embeds == []
    assert any("script URL" in p for p in result.problems)


def test_javascript_url_in_an_image_is_refused_too():
    result = discover_document('<img src=" javascript:alert(1)//twitter.com/a/status/1234567890123">', None)
    assert result.embeds == []
    assert "script URL in img[src] ignored" in result.problems


def test_state_json_not_json():
    html = '<script id="__NEXT_DATA__" type="application/json">{"url": "https://twitter.com/a/status/1234567890123",</script>'
    result = discover_document(html, None)
    assert result.embeds == []
    assert any("not valid JSON" in p for p in result.problems)


def test_huge_state_json_is_capped(monkeypatch):
    monkeypatch.setattr(state, "MAX_JSON", 1000)
    blob = '{"embedUrl": "https://www.youtube.com/embed/dQw4w9WgXcQ", "pad": "' + "x" * 5000 + '"}'
    result = discover_document('<script type="application/json">' + blob + "</script>", None)
    assert result.embeds == []
    assert any("larger than" in p for p in result.problems)


def test_many_payloads_are_capped(monkeypatch):
    monkeypatch.setattr(document, "MAX_PAYLOADS", 10)
    html = "".join(f'<textarea>{TWEET.replace("1234567890123", str(1234567890000 + i))}</textarea>' for i in range(50))
    result = discover_document(html, None)
    assert len(result.embeds) == 10
    assert any("too many recovered payloads" in p for p in result.problems)


def test_huge_document_is_cut(monkeypatch):
    monkeypatch.setattr(document, "MAX_DOCUMENT", 1000)
    result = discover_document(TWEET + "<p>" + "x" * 5000 + "</p>" + TWEET.replace("123", "999"), None)
    assert ids(result) == ["1234567890123"]
    assert any("larger than" in p for p in result.problems)


def test_not_text_and_empty_input():
    assert discover_document(b"<html>", None).problems == ["document is not text"]
    assert discover_document("", None).embeds == []
    assert discover_document("\x00\x00<p>", None).embeds == []


def test_garbage_attribute_values():
    html = ('<iframe src="https://www.youtube.com/embed/%%%%"></iframe>'
            '<div data-tweetid="not-a-number"></div><div data-youtube-id="short"></div>'
            '<div data-attrs="{not json"></div><amp-instagram data-shortcode=""></amp-instagram>')
    result = discover_document(html, None)
    assert result.embeds == []


@pytest.mark.parametrize("markup", [
    '<iframe src="https://[youtube.com/embed/abc"></iframe>', '<iframe src="https://www.youtube.com]/embed/abc"></iframe>',
    '<div class="fb-post" data-href="https://[facebook.com/a/posts/123456789"></div>',
    '<iframe data-src="https://[x.invalid/embed?url=https%3A%2F%2Ftwitter.com%2Fa%2Fstatus%2F1234567890123"></iframe>',
])
@pytest.mark.parametrize("linked", [False, True])
def test_urls_that_urlsplit_refuses_are_no_posts(markup, linked):
    result = discover_document(markup + markup.replace("iframe src", "a href").replace("</iframe>", "</a>"), None,
                               linked=linked)
    assert result.embeds == []


def test_flight_data_referring_to_one_text_many_times_reads_it_once():
    # A text row of 200 kB referred to by 5,000 rows: inlined everywhere, it would be a gigabyte.
    text = "<p>" + "x" * 200_000 + "</p>"
    refs = "".join(f'{k + 10:x}:{{"title":"t","content":"$1"}}\n' for k in range(5000))
    stream = f"1:T{len(text):x},{text}" + refs + '9:{"embed":"https://www.youtube.com/embed/AbCdEfGhIjK"}\n'
    page = "<script>self.__next_f.push([1," + json.dumps(stream) + "])</script>"
    assert [e.native_id for e in discover_document(page).embeds] == ["AbCdEfGhIjK"]


def test_a_page_of_many_dialogs_is_read_in_bounded_time():
    # Each dialog's id would be looked for in the whole page: only the first few are.
    dialogs = "".join(f'<div class="modal" id="video-box-{k}" role="dialog"><iframe '
                      f'src="https://www.youtube.com/embed/Dlg{k:08d}"></iframe></div>' for k in range(300))
    page = "<main><p>Text</p></main><footer>Site</footer>" + dialogs + "<p>" + "x" * 2_000_000 + "</p>"
    result = discover_document(page)
    assert len(result.embeds) == 300 - 20  # the first 20 named nowhere else are the site's
