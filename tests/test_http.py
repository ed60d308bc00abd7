"""The fetcher against a real local server: every failure is one clear line and a capture."""
import hashlib
import socket
import time
from email.utils import formatdate

import pytest

from archiver.hostgate import HostGate
from archiver.http import MAX_RETRY_AFTER, AddressGuard, BodyStore, Fetcher, RefusedAddress, page_from_capture
from server import Answer


@pytest.fixture
def recorded():
    return []


@pytest.fixture
def fetcher(tmp_path, recorded):
    return Fetcher(bodies=BodyStore(tmp_path / "bodies"), record=recorded.append, retries=2, backoff=0.01,
                   timeout=(2, 2))


def test_ok_page_is_stored_by_sha256(server, fetcher, recorded, tmp_path):
    server.routes["/a"] = Answer(body=b"<html><title>A</title></html>")
    capture = fetcher.fetch(server.url("/a"), trusted=True)
    assert capture.ok and capture.status_code == 200
    digest = hashlib.sha256(b"<html><title>A</title></html>").hexdigest()
    assert capture.sha256 == digest
    assert (tmp_path / "bodies" / digest[:2] / digest).read_bytes() == b"<html><title>A</title></html>"
    assert recorded == [capture]
    assert "archiver/" in fetcher.session.headers["User-Agent"]


def test_gzip_body_is_decoded(server, fetcher):
    server.routes["/gz"] = Answer(body=b"<html>" + b"x" * 5000 + b"</html>", gzip=True)
    capture = fetcher.fetch(server.url("/gz"), trusted=True)
    assert capture.body.startswith(b"<html>xxx") and capture.size == 5013


@pytest.mark.parametrize("status", [404, 410, 500])
def test_error_status_is_recorded(server, fetcher, status):
    server.routes["/e"] = Answer(status=status, body=b"<html>error page</html>")
    capture = fetcher.fetch(server.url("/e"), trusted=True)
    assert capture.status_code == status
    assert capture.error.startswith(f"HTTP {status}")
    assert capture.body == b"<html>error page</html>"  # the error page is kept as evidence


def test_retries_5xx_then_succeeds(server, fetcher):
    calls = []

    def flaky(query, srv):
        calls.append(1)
        return Answer(503, b"busy") if len(calls) < 2 else Answer(body=b"<html>ok</html>")

    server.routes["/flaky"] = flaky
    capture = fetcher.fetch(server.url("/flaky"), trusted=True)
    assert capture.ok and len(calls) == 2


def test_429_retry_after_is_respected_then_given_up(server, tmp_path):
    server.routes["/limited"] = Answer(429, b"slow down", headers={"Retry-After": "0"})
    fetcher = Fetcher(retries=1, backoff=0.01)
    capture = fetcher.fetch(server.url("/limited"), trusted=True)
    assert capture.status_code == 429 and capture.error.startswith("HTTP 429")
    assert server.requests.count("/limited") == 2


def test_redirect_loop(server, fetcher):
    server.routes["/a"] = Answer(302, headers={"Location": "/b"})
    server.routes["/b"] = Answer(302, headers={"Location": "/a"})
    capture = fetcher.fetch(server.url("/a"), trusted=True)
    assert capture.error.startswith("redirect loop")
    assert len(capture.redirects) == 2


def test_redirect_is_followed_and_final_url_kept(server, fetcher):
    server.routes["/old"] = Answer(301, headers={"Location": "/new"})
    server.routes["/new"] = Answer(body=b"<html>new</html>")
    capture = fetcher.fetch(server.url("/old"), trusted=True)
    assert capture.ok and capture.final_url == server.url("/new")


def test_size_cap(server, tmp_path):
    server.routes["/big"] = Answer(body=b"<html>" + b"a" * 200_000)
    fetcher = Fetcher(max_bytes=50_000, retries=0)
    capture = fetcher.fetch(server.url("/big"), trusted=True)
    assert "size cap" in capture.error
    assert capture.size == 50_000  # the first part is kept


def test_unreachable_host(fetcher):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    capture = fetcher.fetch(f"http://127.0.0.1:{port}/", trusted=True)
    assert capture.status_code is None
    assert capture.error == "connection refused by 127.0.0.1"


def test_dns_failure(fetcher):
    fetcher.offline = False  # a name under .invalid never resolves (RFC 6761)
    capture = fetcher.fetch("http://no-such-host.invalid/page", trusted=True)
    assert capture.error == "could not resolve host no-such-host.invalid (DNS failure)"


def test_untrusted_private_address_is_refused(server, fetcher, recorded):
    server.routes["/p"] = Answer(body=b"secret")
    capture = fetcher.fetch(server.url("/p"), kind="media")
    assert capture.error.startswith("refused: 127.0.0.1 resolves to non-public address")
    assert server.requests == []  # nothing was sent
    assert recorded == [capture]


def test_allow_private_lets_content_urls_reach_loopback(server, tmp_path):
    server.routes["/p"] = Answer(body=b"ok")
    assert Fetcher(allow_private=True).fetch(server.url("/p"), kind="media").ok


def test_allow_private_from_environment(server, monkeypatch):
    monkeypatch.setenv("ARCHIVER_ALLOW_PRIVATE", "1")
    server.routes["/p"] = Answer(body=b"ok")
    assert Fetcher().fetch(server.url("/p"), kind="media").ok


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1",
                                     "::ffff:127.0.0.1", "0.0.0.0"])
def test_non_public_addresses(address):
    from archiver.http import is_public_address

    assert not is_public_address(address)


def test_public_address():
    from archiver.http import is_public_address

    assert is_public_address("93.184.216.34")


def test_the_guard_refuses_literal_loopback():
    with pytest.raises(RefusedAddress):
        AddressGuard().target("http://127.0.0.1:9/x")


def test_page_checks_non_html_and_empty(server, fetcher):
    server.routes["/pdf"] = Answer(body=b"%PDF-1.7 ...", content_type="application/pdf")
    server.routes["/empty"] = Answer(body=b"")
    assert page_from_capture(fetcher.fetch(server.url("/pdf"), trusted=True)).error == \
        "not an HTML page (content type application/pdf)"
    assert page_from_capture(fetcher.fetch(server.url("/empty"), trusted=True)).error == "empty body"


def test_charset_from_meta_when_header_has_none(server, fetcher):
    body = '<html><head><meta charset="windows-1251"></head><body>Козинка</body></html>'.encode("cp1251")
    server.routes["/ru"] = Answer(body=body, content_type="text/html")
    page = fetcher.fetch_page(server.url("/ru"))
    assert "Козинка" in page.text and page.encoding == "cp1251"


def test_wrong_declared_charset_falls_back(server, fetcher):
    body = "<html><body>Café à Kozinka — été</body></html>".encode("utf-8")
    server.routes["/wrong"] = Answer(body=body, content_type="text/html; charset=x-no-such-charset")
    page = fetcher.fetch_page(server.url("/wrong"))
    assert "Café à Kozinka — été" in page.text
    assert page.warning == "unknown charset 'x-no-such-charset' declared in header"


def test_missing_charset_is_detected(server, fetcher):
    body = "<html><body>" + "Un café à la frontière, été 2023. " * 20 + "</body></html>"
    server.routes["/latin"] = Answer(body=body.encode("cp1252"), content_type="text/html")
    page = fetcher.fetch_page(server.url("/latin"))
    assert "café à la frontière, été" in page.text


def test_offline_refuses_anything_but_this_machine(server, monkeypatch):
    monkeypatch.setenv("ARCHIVER_OFFLINE", "1")
    server.routes["/p"] = Answer(body=b"<html>ok</html>")
    fetcher = Fetcher(retries=0)
    assert fetcher.fetch(server.url("/p"), trusted=True).ok
    assert fetcher.fetch(server.url("/p").replace("127.0.0.1", "localhost"), trusted=True).ok
    refused = fetcher.fetch("https://pbs.twimg.com/media/a.jpg", kind="media")
    assert refused.error == "not fetched: offline (ARCHIVER_OFFLINE=1) and 'pbs.twimg.com' is not this machine"


# -- retries: urllib3's Retry policy inside our loop ----------------------------------------


def _timed(answers, arrivals):
    """A route answering `answers` in turn (the last one from then on), noting when each request came."""
    def route(query, srv):
        arrivals.append(time.monotonic())
        return answers[min(len(arrivals), len(answers)) - 1]
    return route


def test_retry_after_as_an_http_date_is_honoured(server):
    arrivals = []
    in_two_seconds = formatdate(time.time() + 2, usegmt=True)  # whole seconds: 1 to 2 s from now
    server.routes["/busy"] = _timed([Answer(503, b"busy", headers={"Retry-After": in_two_seconds}),
                                     Answer(body=b"<html>ok</html>")], arrivals)
    capture = Fetcher(retries=1, backoff=0.01).fetch(server.url("/busy"), trusted=True)
    assert capture.ok and len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.9  # the date, not the 0.01 s backoff


def test_an_http_date_retry_after_holds_the_host_for_every_thread_capped(server):
    slept = []
    gate = HostGate(sleep=slept.append)  # what the next fetch to the host would sleep, not slept here
    in_an_hour = formatdate(time.time() + 3600, usegmt=True)
    server.routes["/limited"] = Answer(429, b"slow down", headers={"Retry-After": in_an_hour})
    server.routes["/other"] = Answer(body=b"<html>ok</html>")
    fetcher = Fetcher(retries=3, backoff=0.01, deadline=5, gate=gate)
    capture = fetcher.fetch(server.url("/limited"), trusted=True)
    assert capture.error.startswith("HTTP 429")
    assert server.requests == ["/limited"]  # the pause would pass the deadline: not asked again
    assert 50 < gate.pause_left("127.0.0.1") <= MAX_RETRY_AFTER  # an hour, capped
    other_thread = Fetcher(retries=0, gate=gate)
    assert other_thread.fetch(server.url("/other"), trusted=True).ok
    assert len(slept) == 1 and 50 < slept[0] <= MAX_RETRY_AFTER


@pytest.mark.parametrize("value", ["after lunch", "-5", "Mon, 01 Jan 99999 00:00:00 GMT",
                                   "Sat, 01 Jan 10000000000 00:00:00 GMT"])
def test_an_unreadable_retry_after_falls_back_to_the_backoff(server, value):
    arrivals = []
    server.routes["/odd"] = _timed([Answer(503, b"busy", headers={"Retry-After": value}),
                                    Answer(body=b"<html>ok</html>")], arrivals)
    fetcher = Fetcher(retries=1, backoff=0.01, gate=HostGate())
    capture = fetcher.fetch(server.url("/odd"), trusted=True)
    assert capture.ok and len(arrivals) == 2
    assert fetcher.gate.pause_left("127.0.0.1") == 0


def test_backoff_doubles_from_the_first_retry(server):
    arrivals = []
    server.routes["/flaky"] = _timed([Answer(500, b"oops"), Answer(502, b"oops"), Answer(body=b"<html>ok</html>")],
                                     arrivals)
    capture = Fetcher(retries=2, backoff=0.3).fetch(server.url("/flaky"), trusted=True)
    assert capture.ok and len(arrivals) == 3
    assert arrivals[1] - arrivals[0] >= 0.29 and arrivals[2] - arrivals[1] >= 0.59


def test_retries_are_counted_and_then_the_last_answer_kept(server):
    server.routes["/down"] = Answer(502, b"<html>bad gateway</html>")
    capture = Fetcher(retries=2, backoff=0.01).fetch(server.url("/down"), trusted=True)
    assert capture.status_code == 502 and capture.body == b"<html>bad gateway</html>"
    assert server.requests == ["/down"] * 3


def test_a_read_timeout_is_retried(server):
    arrivals = []
    server.routes["/stall"] = _timed([Answer(body=b"<html>late</html>", delay=1.5),
                                      Answer(body=b"<html>ok</html>")], arrivals)
    capture = Fetcher(retries=1, backoff=0.01, timeout=(2, 0.5)).fetch(server.url("/stall"), trusted=True)
    assert capture.ok and capture.body == b"<html>ok</html>" and len(arrivals) == 2
