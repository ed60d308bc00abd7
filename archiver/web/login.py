"""GET/POST /-/login: volunteers log in with a user name and password.

Three things hold it up against guessing:
- failures are throttled per client address and per user name (LoginThrottle),
  and a locked attempt is answered 429 before any password is checked;
- an unknown user name is checked against a decoy hash with the same work as
  a real one, so the answer's timing does not tell which names exist;
- PBKDF2 runs in a small thread pool of its own, never on the event loop, and
  when too many logins already wait for it the next one is answered 503.

Users come from the `password_hashes` of the `archiver` plugin configuration
(`archiver serve` fills it from ARCHIVER_PASSWORD_HASH_* variables).
"""
from __future__ import annotations

import asyncio
import ipaddress
import time
import weakref
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from datasette.utils import baseconv
from datasette.utils.asgi import Response

from .. import passwords
from .throttle import LoginThrottle, whole_seconds

PLUGIN = "archiver"
HASH_THREADS = 2          # PBKDF2 holds a core each: more would only slow the rest of the server
MAX_WAITING = 16          # logins queued for a hash thread before the next one is told to come back
MAX_PASSWORD_CHARS = 1024
SESSION_SECONDS = 14 * 24 * 3600  # a login lasts two weeks, then the volunteer logs in again


class LoginState:
    """Per-server state: the throttle, the hash threads and the decoy hash for unknown names."""

    def __init__(self, users: dict[str, str]):
        # A malformed hash would answer fast and so tell that the name exists: such a user
        # cannot log in at all (`archiver serve` warns about it).
        self.users = {name: value for name, value in users.items() if passwords.is_valid(value)}
        self.throttle = LoginThrottle()
        self.executor = ThreadPoolExecutor(HASH_THREADS, thread_name_prefix="archiver-login")
        self.waiting = 0
        self.decoy = passwords.decoy_hash(_usual_iterations(users))

    def verify(self, name: str, password: str) -> bool:
        """Runs in a hash thread: the same PBKDF2 work whether or not the name exists."""
        known = name in self.users
        matched = passwords.verify_password(password, self.users[name] if known else self.decoy)
        return known and matched


def _usual_iterations(users: dict[str, str]) -> int:
    counts = Counter()
    for value in users.values():
        try:
            counts[passwords.parse(value)[0]] += 1
        except ValueError:
            pass
    return counts.most_common(1)[0][0] if counts else passwords.ITERATIONS


_states: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def login_state(datasette) -> LoginState:
    state = _states.get(datasette)
    if state is None:
        config = datasette.plugin_config(PLUGIN) or {}
        users = {str(k).lower(): str(v) for k, v in (config.get("password_hashes") or {}).items()}
        state = _states[datasette] = LoginState(users)
    return state


def safe_next(value) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    value = value if isinstance(value, str) else ""
    if not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value


def login_link(datasette, request) -> str:
    """The login page's address, coming back to the page the reader is on."""
    here = request.full_path if request else "/"
    path = datasette.urls.path("/-/login")
    return path if here in ("/", path) or here.startswith(path + "?") else f"{path}?{urlencode({'next': here})}"


async def login_view(datasette, request):
    state = login_state(datasette)
    if request.method == "POST":
        form = await request.post_vars()
        next_path = safe_next(form.get("next"))
    else:
        form = {}
        next_path = safe_next(request.args.get("next"))

    async def page(status, error=None, headers=None):
        html = await datasette.render_template(
            "archiver_login.html",
            {"error": error, "next": next_path, "has_users": bool(state.users),
             "username": (form.get("username") or "")[:100]},
            request=request)
        return Response.html(html, status=status, headers=headers or {})

    if request.method != "POST":
        return await page(200)
    name = (form.get("username") or "").strip().lower()[:100]
    password = form.get("password") or ""
    keys = [("address", _client_address(request)), ("user", name)]
    wait = state.throttle.retry_after(keys)
    if wait > 0:
        seconds = whole_seconds(wait)
        return await page(429, f"Too many failed logins: try again in {seconds} seconds.",
                          {"Retry-After": str(seconds)})
    if state.waiting >= MAX_WAITING:
        return await page(503, "Too many logins at once: try again in a few seconds.", {"Retry-After": "5"})
    state.throttle.attempt(keys)  # counted now: guesses sent together cannot outrun the lock
    ok = (bool(name) and bool(password) and len(password) <= MAX_PASSWORD_CHARS
          and await _verify_off_loop(state, name, password))
    if not ok:
        return await page(401, "Wrong user name or password.")
    state.throttle.succeeded(keys)
    response = Response.redirect(datasette.urls.path(next_path) if next_path == "/" else next_path)
    expires = baseconv.base62.encode(int(time.time()) + SESSION_SECONDS)
    response.set_cookie("ds_actor", datasette.sign({"a": {"id": name}, "e": expires}, "actor"),
                        max_age=SESSION_SECONDS, httponly=True, samesite="lax", secure=request.scheme == "https")
    return response


async def _verify_off_loop(state: LoginState, name: str, password: str) -> bool:
    state.waiting += 1  # only the event loop's thread changes it
    try:
        return await asyncio.get_running_loop().run_in_executor(state.executor, state.verify, name, password)
    finally:
        state.waiting -= 1


def _client_address(request) -> str:
    # uvicorn puts the proxy's X-Forwarded-For address here when the proxy is trusted
    # (--forwarded-allow-ips); otherwise it is the connecting peer. An IPv6 client counts by
    # its /64: one machine is usually given a whole /64 to pick addresses from.
    client = request.scope.get("client")
    address = client[0] if client else "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
