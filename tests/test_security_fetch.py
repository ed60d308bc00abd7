"""Hostile pages and platforms against the fetch side: the address guard, its pinning,
deadlines, media streamed to disk, and a full disk. Real local servers throughout;
host names resolve through a resolver given to the guard, never through real DNS."""
import errno
import hashlib
import ipaddress
import os
import socket
import ssl
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

from archiver.endpoints import Endpoints
from archiver.http import AddressGuard, BodyStore, DiskFull, Fetcher, is_public_address
from archiver.media.collector import collect_media
from archiver.models import MediaItem, Post, PostRef
from archiver.platforms import mastodon
from archiver.platforms.common import ask
from archiver.resolve import ResolveContext
from archiver.store import Store
from fixtures.media import samples
from server import Answer, TestServer


def resolver(names: dict):
    """A getaddrinfo stand-in: name -> address (or a list of them, or a function giving one per call)."""
    calls = []

    def resolve(host, port, type=0, **kwargs):
        calls.append(host)
        answer = names.get(host, host if _is_address(host) else None)
        if callable(answer):
            answer = answer()
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        addresses = answer if isinstance(answer, list) else [answer]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]

    resolve.calls = calls
    return resolve


def _is_address(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def only(*addresses):
    """An address policy for tests: these local addresses play the public internet."""
    return lambda address: address in addresses


@pytest.fixture
def online(monkeypatch):
    """ARCHIVER_OFFLINE off: names resolve only through the tests' resolver, to this machine."""
    monkeypatch.delenv("ARCHIVER_OFFLINE", raising=False)


@pytest.fixture
def second_server():
    """A server on 127.0.0.2: with `only("127.0.0.2")` it plays a public host, 127.0.0.1 an internal one."""
    srv = TestServer(host="127.0.0.2").start()
    yield srv
    srv.stop()


def store_with_media(tmp_path, *urls):
    store = Store(tmp_path / "archive.db")
    store.upsert_post(Post("x", "1", "https://x.com/u/status/1", status="ok", text="t",
                           media=[MediaItem("photo", url) for url in urls]), "2024-01-01T00:00:00Z")
    return store


def media_rows(store):
    return list(store.db["post_media"].rows_where(order_by="position"))


def fetcher_for(store, **kwargs):
    return Fetcher(bodies=BodyStore(store.bodies_dir), record=store.record_capture, retries=0, **kwargs)


# -- 1. platform API hosts from a page are not trusted -------------------------------------


def test_a_mastodon_instance_that_resolves_to_loopback_is_not_asked(server, online):
    server.routes["/api/v1/statuses/123456"] = Answer(body=b'{"id": "123456", "content": "internal"}',
                                                      content_type="application/json")
    guard = AddressGuard(resolve=resolver({"evil.example": "127.0.0.1"}))
    ctx = ResolveContext(fetcher=Fetcher(retries=0, guard=guard), endpoints=Endpoints([], environ={}))
    post = mastodon.resolve(PostRef("mastodon", "evil.example/123456", "https://evil.example/@eve/123456"), ctx)
    assert post.status == "unresolved" and post.text is None
    assert "evil.example resolves to non-public address 127.0.0.1" in post.status_detail
    assert server.requests == []


def test_a_hostile_instance_redirecting_inward_gets_nothing_read(server, second_server, online):
    """The instance (a public host, here 127.0.0.2) answers the status with a redirect to an internal service."""
    server.routes["/secret"] = Answer(body=b'{"id": "1", "content": "internal answer"}',
                                      content_type="application/json")
    second_server.routes["/api/v1/statuses/1"] = Answer(302, headers={"Location": server.url("/secret")})
    guard = AddressGuard(resolve=resolver({"instance.example": "127.0.0.2"}), is_allowed=only("127.0.0.2"))
    ctx = ResolveContext(fetcher=Fetcher(retries=0, guard=guard), endpoints=Endpoints([], environ={}))
    reply = ask(ctx, "mastodon", f"http://instance.example:{second_server.port}/api/v1/statuses/1", "Mastodon")
    assert reply.status == "unresolved" and reply.data is None
    assert "127.0.0.1 resolves to non-public address 127.0.0.1" in reply.detail
    assert second_server.requests == ["/api/v1/statuses/1"] and server.requests == []


def test_an_endpoint_the_user_set_is_trusted_but_not_its_redirects_elsewhere(server, second_server):
    server.routes["/moved"] = Answer(301, headers={"Location": "/answer"})
    server.routes["/answer"] = Answer(body=b'{"ok": true}', content_type="application/json")
    server.routes["/away"] = Answer(302, headers={"Location": second_server.url("/internal")})
    second_server.routes["/internal"] = Answer(body=b'{"internal": true}', content_type="application/json")
    ctx = ResolveContext(fetcher=Fetcher(retries=0), endpoints=Endpoints([f"reddit={server.base}"], environ={}))
    same_origin = ask(ctx, "reddit", "https://www.reddit.com/moved", "Reddit")
    assert same_origin.ok and same_origin.data == {"ok": True}
    elsewhere = ask(ctx, "reddit", "https://www.reddit.com/away", "Reddit")
    assert not elsewhere.ok and "127.0.0.2 resolves to non-public address" in elsewhere.detail
    assert second_server.requests == []


# -- 2. one guard: the host urllib3 connects to, no ambiguity, fail closed, pinned ------------


@pytest.mark.parametrize("form, reason", [
    ("http://127.0.0.1:{port}\\@example.com/x.jpg", "backslash"),
    ("http://127%2e0%2e0%2e1:{port}/x.jpg", "percent-encoded host"),
    ("http://example.com@127.0.0.1:{port}/x.jpg", "user name or password"),
    ("http://127.0.0.1:{port}/x.jpg", "non-public address 127.0.0.1"),
    ("http://localhost:{port}/x.jpg", "localhost resolves to non-public address"),
    ("http://2130706433:{port}/x.jpg", "non-public address 127.0.0.1"),
    ("http://[::ffff:127.0.0.1]:{port}/x.jpg", "non-public address ::ffff:127.0.0.1"),
])
def test_media_urls_that_reach_loopback_are_refused_before_any_request(server, tmp_path, online, form, reason):
    server.routes["/x.jpg"] = Answer(body=samples.jpeg(), content_type="image/jpeg")
    store = store_with_media(tmp_path, form.format(port=server.port))
    collect_media(store, fetcher_for(store, allow_private=False))
    row = media_rows(store)[0]
    assert row["status"] == "failed" and reason in row["error"] and row["media_sha256"] is None
    assert server.requests == []
    assert store.db["media"].count == 0


def test_dns_failure_fails_closed(server, online):
    fetcher = Fetcher(retries=0, guard=AddressGuard(resolve=resolver({})))
    capture = fetcher.fetch("http://nowhere.example/x.jpg", kind="media")
    assert capture.error == "could not resolve host nowhere.example (DNS failure)"
    assert capture.status_code is None


def test_one_private_address_among_public_ones_is_refused(server, online):
    guard = AddressGuard(resolve=resolver({"mixed.example": ["127.0.0.2", "10.0.0.7"]}), is_allowed=only("127.0.0.2"))
    capture = Fetcher(retries=0, guard=guard).fetch("http://mixed.example/x.jpg", kind="media")
    assert capture.error.startswith("refused: mixed.example resolves to non-public address 10.0.0.7")


def test_the_connection_goes_to_the_address_checked_not_a_second_answer(second_server, online):
    """DNS rebinding: the name answers a public address when checked, then an internal one."""
    second_server.routes["/x"] = Answer(body=b"from the checked address")
    answers = iter(["127.0.0.2", "10.0.0.7", "10.0.0.7"])
    resolve = resolver({"rebind.example": lambda: next(answers)})
    fetcher = Fetcher(retries=0, guard=AddressGuard(resolve=resolve, is_allowed=only("127.0.0.2")))
    capture = fetcher.fetch(f"http://rebind.example:{second_server.port}/x", kind="api")
    assert capture.ok and capture.body == b"from the checked address"
    assert resolve.calls == ["rebind.example"]  # resolved once; urllib3 did not look the name up again
    assert second_server.headers[0]["Host"] == f"rebind.example:{second_server.port}"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for pinned.example (openssl from the system)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=pinned.example", "-addext", "subjectAltName=DNS:pinned.example",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_tls_to_a_pinned_address_checks_the_certificate_against_the_host_name(certificate, online):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    tls = TestServer(ssl_context=context).start()
    try:
        tls.routes["/x"] = Answer(body=b"over TLS")
        names = resolver({"pinned.example": "127.0.0.1", "other.example": "127.0.0.1"})
        fetcher = Fetcher(retries=0, guard=AddressGuard(resolve=names, is_allowed=only("127.0.0.1")))
        fetcher.guarded_session.verify = str(cert)
        good = fetcher.fetch(f"https://pinned.example:{tls.port}/x", kind="api")
        assert good.ok and good.body == b"over TLS"
        wrong = fetcher.fetch(f"https://other.example:{tls.port}/x", kind="api")
        assert wrong.error == "TLS error talking to other.example"
    finally:
        tls.stop()


@pytest.mark.parametrize("address", ["2002:7f00:1::", "::127.0.0.1", "64:ff9b::a00:1", "100.64.0.1",
                                     "2001:0:4136:e378:8000:63bf:80ff:fffe", "224.0.0.1", "255.255.255.255"])
def test_addresses_hiding_or_naming_non_public_ones(address):
    assert not is_public_address(address)


# -- 3. a deadline per fetch --------------------------------------------------------------


def test_a_trickling_page_ends_at_its_deadline_and_the_host_is_counted(server):
    server.routes["/slow"] = Answer(body=b"<html>" + b"x" * 200 + b"</html>", trickle=0.05)
    fetcher = Fetcher(retries=0, deadline=1, timeout=(2, 2))
    started = time.monotonic()
    page = fetcher.fetch_page(server.url("/slow"))
    assert time.monotonic() - started < 4  # the whole body would take 10 s
    assert page.error == "127.0.0.1 sent too slowly: stopped after 1 s"
    assert fetcher.timeouts == {"127.0.0.1": 1}


def test_trickled_headers_also_end_at_the_deadline(server):
    server.routes["/slow-head"] = Answer(body=b"<html>ok</html>", trickle_headers=0.05)
    fetcher = Fetcher(retries=2, deadline=1, timeout=(2, 2))
    started = time.monotonic()
    capture = fetcher.fetch(server.url("/slow-head"), trusted=True)
    assert time.monotonic() - started < 4
    assert not capture.ok and capture.error == "127.0.0.1 sent too slowly: stopped after 1 s"
    assert server.requests == ["/slow-head"]  # no retry past the deadline


def test_a_trickling_api_answer_leaves_the_post_unresolved_and_the_batch_goes_on(server):
    server.routes["/comments/abc123/.json"] = Answer(body=b'[{"data": {}}]' * 20, trickle=0.05,
                                                     content_type="application/json")
    ctx = ResolveContext(fetcher=Fetcher(retries=0, deadline=1, timeout=(2, 2)),
                         endpoints=Endpoints([f"reddit={server.base}"], environ={}))
    reply = ask(ctx, "reddit", "https://www.reddit.com/comments/abc123/.json", "Reddit")
    assert reply.status == "unresolved" and reply.detail == "Reddit: 127.0.0.1 sent too slowly: stopped after 1 s"


def test_slow_media_may_take_longer_but_not_forever(server, tmp_path):
    photo = samples.jpeg()
    server.routes["/fast.jpg"] = Answer(body=photo, content_type="image/jpeg")
    server.routes["/slow.jpg"] = Answer(body=photo, content_type="image/jpeg", trickle=0.01)
    store = store_with_media(tmp_path, server.url("/fast.jpg"), server.url("/slow.jpg"))
    started = time.monotonic()
    collect_media(store, fetcher_for(store, allow_private=True, deadline=1, media_min_rate=1000, timeout=(2, 2)))
    assert time.monotonic() - started < 4  # the slow one would take minutes
    fast, slow = media_rows(store)
    assert fast["status"] == "done"
    assert slow["status"] == "failed" and slow["error"].startswith("127.0.0.1 sent too slowly: stopped after")
    assert not list(store.bodies_dir.rglob("*.tmp"))


# -- 4. media stream to disk; nothing over the cap is kept ----------------------------------


def test_an_endless_media_stream_keeps_nothing(server, tmp_path):
    server.routes["/endless.mp4"] = Answer(body=b"\x00" * 65536, content_type="video/mp4", endless=True)
    store = store_with_media(tmp_path, server.url("/endless.mp4"))
    fetcher = fetcher_for(store, allow_private=True)
    fetcher.media_max_bytes = 2_000_000
    collect_media(store, fetcher)
    row = media_rows(store)[0]
    assert row["status"] == "failed" and row["media_sha256"] is None
    assert "over the size cap of 2000000 bytes" in row["error"] and "nothing kept" in row["error"]
    capture = store.db["captures"].get(row["capture_id"])
    assert capture["sha256"] is None and capture["size"] > 2_000_000
    kept = [p for folder in (store.bodies_dir, store.bodies_dir.parent / "media") for p in folder.rglob("*")]
    assert [p for p in kept if p.is_file()] == []


def test_media_memory_stays_flat_whatever_the_size(server, tmp_path):
    """A child process downloads 200 MB of video; its peak memory grows far less than that."""
    script = textwrap.dedent(f"""
        import resource, sys
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from archiver.http import BodyStore, Fetcher
        fetcher = Fetcher(bodies=BodyStore({str(tmp_path / "bodies")!r}), allow_private=True, retries=0)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        capture = fetcher.fetch({server.url("/big.mp4")!r}, kind="media")
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(capture.size, capture.error, (after - before) // 1024)
    """)
    server.routes["/big.mp4"] = Answer(body=b"\x00\x00\x00\x18ftypmp42" + bytes(200 * 1024 * 1024 - 12),
                                       content_type="video/mp4")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ARCHIVER_OFFLINE": "1"})
    size, error, grown_mb = done.stdout.split()
    assert (int(size), error) == (200 * 1024 * 1024, "None")
    assert int(grown_mb) < 50
    del server.routes["/big.mp4"]


# -- 5. a full disk -----------------------------------------------------------------------


def full_device(path, flags, mode=0o666):
    """open()'s opener: the file is created where asked, but its writes go to /dev/full (ENOSPC)."""
    fd = os.open(path, flags, mode)
    full = os.open("/dev/full", os.O_WRONLY)
    os.dup2(full, fd)
    os.close(full)
    return fd


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")


@needs_dev_full
def test_a_full_disk_while_writing_a_page_body_raises_disk_full_and_leaves_no_file(server, tmp_path):
    server.routes["/a"] = Answer(body=b"<html>" + b"a" * 100_000 + b"</html>")
    fetcher = Fetcher(bodies=BodyStore(tmp_path / "bodies", opener=full_device), retries=0)
    with pytest.raises(DiskFull) as raised:
        fetcher.fetch(server.url("/a"), trusted=True)
    digest = hashlib.sha256(b"<html>" + b"a" * 100_000 + b"</html>").hexdigest()
    assert raised.value.errno == errno.ENOSPC
    assert str(raised.value) == (f"disk full while writing bodies/{digest[:2]}/{digest}: "
                                 "free some space and run the same command again")
    assert str(tmp_path) not in str(raised.value)
    assert [p for p in (tmp_path / "bodies").rglob("*") if p.is_file()] == []


@needs_dev_full
def test_a_full_disk_while_streaming_media_raises_disk_full_and_leaves_no_file(server, tmp_path):
    server.routes["/v.mp4"] = Answer(body=samples.TINY_MP4.read_bytes(), content_type="video/mp4")
    fetcher = Fetcher(bodies=BodyStore(tmp_path / "bodies", opener=full_device), allow_private=True, retries=0)
    with pytest.raises(DiskFull, match=r"disk full while writing bodies/\.incoming\.[^ ]+\.tmp: free some space"):
        fetcher.fetch(server.url("/v.mp4"), kind="media")
    assert [p for p in (tmp_path / "bodies").rglob("*") if p.is_file()] == []


def test_one_guarded_session_serves_many_threads_while_its_pinned_pools_turn_over(server, online, monkeypatch):
    """Recheck and media fetch from several threads through one Fetcher; pools pinned to checked
    addresses are evicted past MAX_PINNED_POOLS while other threads are taking theirs."""
    import threading

    import archiver.http as http_module

    monkeypatch.setattr(http_module, "MAX_PINNED_POOLS", 2)
    server.routes["/ok"] = Answer(body=b"ok", content_type="text/plain")
    names = {f"host{i}.example": "127.0.0.1" for i in range(12)}
    fetcher = Fetcher(retries=0, guard=AddressGuard(resolve=resolver(names), is_allowed=only("127.0.0.1")))
    failures, statuses = [], []

    def work(n):
        for round_ in range(6):
            host = f"host{(n + round_) % 12}.example"
            try:
                statuses.append(fetcher.fetch(f"http://{host}:{server.port}/ok", kind="media").status_code)
            except Exception as exc:  # noqa: BLE001 - any exception here is the failure under test
                failures.append(repr(exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and statuses == [200] * 48
