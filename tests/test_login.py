"""Logging in at /-/login: throttled guessing, no user-name oracle, hashing off the event loop."""
import asyncio
import threading
import time

import pytest

from archiver import passwords
from archiver.serve import build_datasette
from archiver.store import Store
from archiver.web.login import login_state, safe_next
from archiver.web.throttle import LoginThrottle
from conftest import datasette_request as call

CHEAP = 2_000  # iterations: real PBKDF2, cheap enough for many attempts in a test


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "archive.db"
    Store(path).db.close()
    return path


def server(archive, iterations=CHEAP, **users):
    environ = {f"ARCHIVER_PASSWORD_HASH_{name.upper()}": passwords.hash_password(pw, iterations=iterations)
               for name, pw in users.items()}
    return build_datasette(archive, environ={**environ, "DATASETTE_SECRET": "test-secret"})


def with_clock(ds):
    clock = Clock()
    login_state(ds).throttle = LoginThrottle(clock=clock)
    return clock


def attempt(ds, user, password, **extra):
    return call(ds, "post", "/-/login", data={"username": user, "password": password, **extra})


def test_password_hashes_round_trip_and_refuse_malformed_ones():
    value = passwords.hash_password("correct horse", iterations=CHEAP)
    assert value.startswith(f"pbkdf2_sha256${CHEAP}$")
    assert passwords.verify_password("correct horse", value)
    assert not passwords.verify_password("correct hors", value)
    for bad in ["", "plain", "md5$1$s$x", f"pbkdf2_sha256$0$s${value.split('$')[3]}",
                "pbkdf2_sha256$99999999999$s$x", "pbkdf2_sha256$1000$$x"]:
        assert not passwords.verify_password("correct horse", bad)
    with pytest.raises(ValueError):
        passwords.hash_password("")


def test_login_sets_the_actor_and_goes_back_where_the_reader_was(archive):
    ds = server(archive, alice="alice-pw")
    response = attempt(ds, "Alice ", "alice-pw", next="/-/search?q=Kozinka")
    assert response.status_code == 302 and response.headers["location"] == "/-/search?q=Kozinka"
    actor = call(ds, "get", "/-/actor.json", cookies={"ds_actor": response.cookies["ds_actor"]}).json()
    assert actor["actor"]["id"] == "alice"
    assert "httponly" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "", "x",
                                    "/ok\nSet-Cookie: a=b"])
def test_login_never_sends_the_reader_to_another_site(target):
    assert safe_next(target) == "/"


def test_the_menu_and_login_form_carry_the_page_to_come_back_to(archive):
    ds = server(archive, alice="alice-pw")
    html = call(ds, "get", "/-/search?q=Kozinka").text
    assert 'href="/-/login?next=%2F-%2Fsearch%3Fq%3DKozinka"' in html
    form = call(ds, "get", "/-/login?next=/-/search%3Fq%3DKozinka").text
    assert 'name="next" value="/-/search?q=Kozinka"' in form


def test_wrong_passwords_are_refused_then_locked_out_with_backoff(archive):
    ds = server(archive, alice="alice-pw")
    clock = with_clock(ds)
    for _ in range(6):  # five free failures; the sixth locks for a second
        response = attempt(ds, "alice", "guess")
        assert response.status_code == 401 and "Wrong user name or password" in response.text
    locked = attempt(ds, "alice", "alice-pw")  # even the right password waits out the lock
    assert locked.status_code == 429 and locked.headers["retry-after"] == "1"
    assert "Too many failed logins" in locked.text
    clock.now += 1
    assert attempt(ds, "alice", "guess").status_code == 401  # seventh failure: two seconds now
    assert attempt(ds, "alice", "alice-pw").headers["retry-after"] == "2"
    clock.now += 2
    assert attempt(ds, "alice", "alice-pw").status_code == 302
    assert attempt(ds, "alice", "guess").status_code == 401  # a success starts the count afresh


def test_one_address_guessing_many_names_is_locked_out(archive):
    ds = server(archive, alice="alice-pw")
    with_clock(ds)
    for name in ["bob", "carol", "dave", "erin", "frank", "grace"]:
        assert attempt(ds, name, "guess").status_code == 401
    assert attempt(ds, "alice", "alice-pw").status_code == 429  # same client address


def test_one_name_guessed_from_many_addresses_is_locked_out():
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for n in range(6):
        throttle.failed([("address", f"10.0.0.{n}"), ("user", "alice")])
    assert throttle.retry_after([("address", "10.9.9.9"), ("user", "alice")]) == 1
    assert throttle.retry_after([("address", "10.9.9.9"), ("user", "bob")]) == 0
    clock.now += 901  # quiet for longer than the longest lock: forgotten
    assert throttle.retry_after([("user", "alice")]) == 0 and not throttle._records.get(("user", "alice"))


def test_backoff_is_capped_and_the_table_bounded():
    clock = Clock()
    throttle = LoginThrottle(clock=clock, max_keys=100)
    for _ in range(200):
        delay = throttle.failed([("user", "alice")])
    assert delay == throttle.max_delay
    for n in range(1000):
        throttle.failed([("user", f"made-up-{n}")])
    assert len(throttle._records) == 100


def test_unknown_names_cost_the_same_hashing_as_known_ones_off_the_event_loop(archive):
    ds = server(archive, alice="alice-pw")
    state = login_state(ds)
    assert passwords.parse(state.decoy)[0] == CHEAP  # the decoy does the users' amount of work
    seen = []
    verify = state.verify

    def recording(name, password):
        seen.append((name, threading.current_thread().name))
        return verify(name, password)

    state.verify = recording
    assert attempt(ds, "nobody", "guess").status_code == 401
    assert attempt(ds, "alice", "guess").status_code == 401
    assert [name for name, _ in seen] == ["nobody", "alice"]
    assert all(thread.startswith("archiver-login") for _, thread in seen)


def test_a_slow_login_does_not_hold_up_other_pages(archive):
    ds = server(archive, iterations=3_000_000, alice="alice-pw")  # about a second of PBKDF2
    login_state(ds)  # the decoy hash is made before the race starts
    finished = []

    async def race():
        async def log_in():
            await ds.client.post("/-/login", data={"username": "alice", "password": "alice-pw"})
            finished.append("login")

        async def browse():
            await asyncio.sleep(0.05)
            assert (await ds.client.get("/-/versions.json")).status_code == 200
            finished.append("page")

        await asyncio.gather(log_in(), browse())

    asyncio.run(race())
    assert finished == ["page", "login"]


def test_password_hashes_never_show_in_the_servers_configuration(archive):
    ds = server(archive, alice="alice-pw")
    secret = login_state(ds).users["alice"]
    for path in ["/-/config.json", "/-/plugins.json", "/-/login"]:
        assert secret.split("$")[3] not in call(ds, "get", path).text


def test_no_users_says_how_to_add_them(archive):
    ds = server(archive)
    assert "archiver users add NAME" in call(ds, "get", "/-/login").text
    assert attempt(ds, "alice", "x").status_code == 401


def test_a_malformed_hash_locks_its_user_out_instead_of_answering_fast(archive):
    environ = {"ARCHIVER_PASSWORD_HASH_ALICE": "'pbkdf2_sha256$2000$salt$abc'",
               "ARCHIVER_PASSWORD_HASH_BOB": passwords.hash_password("bob-pw", iterations=CHEAP)}
    ds = build_datasette(archive, environ=environ)
    assert set(login_state(ds).users) == {"bob"}
    assert attempt(ds, "alice", "x").status_code == 401


def test_guesses_sent_all_at_once_are_counted_before_any_is_checked(archive):
    ds = server(archive, iterations=200_000, alice="alice-pw")
    login_state(ds)

    async def burst():
        answers = await asyncio.gather(*(ds.client.post("/-/login", data={"username": "alice", "password": f"g{n}"})
                                         for n in range(20)))
        return sorted(a.status_code for a in answers)

    codes = asyncio.run(burst())
    assert codes.count(401) <= 6 and set(codes) <= {401, 429, 503}


def test_a_login_expires_and_an_account_removed_since_cannot_annotate(archive):
    from datasette.utils import baseconv

    ds = server(archive, alice="alice-pw")
    response = attempt(ds, "alice", "alice-pw")
    signed = ds.unsign(response.cookies["ds_actor"], "actor")
    lasts = int(baseconv.base62.decode(signed["e"])) - time.time()
    assert 13 * 86400 < lasts <= 14 * 86400 and "max-age=1209600" in response.headers["set-cookie"].lower()
    cookie = {"ds_actor": response.cookies["ds_actor"]}
    without_alice = build_datasette(archive, environ={"DATASETTE_SECRET": "test-secret"})
    refused = call(without_alice, "post", "/-/annotate", json={"post_id": "x:1", "tag": "t"}, cookies=cookie)
    assert refused.status_code == 403 and "no longer annotate" in refused.json()["message"]


def test_a_hash_with_odd_characters_is_malformed_not_a_crash(archive):
    assert not passwords.is_valid("pbkdf2_sha256$1000$salt$é")
    environ = {"ARCHIVER_PASSWORD_HASH_ALICE": "pbkdf2_sha256$1000$salt$é", "DATASETTE_SECRET": "s"}
    assert attempt(build_datasette(archive, environ=environ), "alice", "x").status_code == 401


def test_ipv6_clients_count_by_their_64_and_a_flood_of_names_keeps_locks():
    from archiver.web.login import _client_address

    class Request:
        def __init__(self, host):
            self.scope = {"client": (host, 1234)}

    assert _client_address(Request("2001:db8:1:2:aaaa::1")) == _client_address(Request("2001:db8:1:2:bbbb::9"))
    assert _client_address(Request("::ffff:10.1.2.3")) == "10.1.2.3"
    assert _client_address(Request("10.1.2.3")) == "10.1.2.3"
    clock = Clock()
    throttle = LoginThrottle(clock=clock, max_keys=50)
    for _ in range(6):
        throttle.failed([("user", "alice")])
    for n in range(500):
        throttle.failed([("user", f"made-up-{n}")])
    assert throttle.retry_after([("user", "alice")]) > 0 and len(throttle._records) == 50
