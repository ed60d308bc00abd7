"""Where the plugin's pages live, and which links it will emit."""
from __future__ import annotations

from urllib.parse import urlencode

from datasette.utils import tilde_encode

PLUGIN_NAME = "datasette-embed-archive"  # the distribution: Datasette serves its static files under this name
STATUS_LABELS = {"ok": "available", "deleted": "deleted", "unavailable": "unavailable",
                 "unresolved": "not resolved"}


def post_path(datasette, post_id: str) -> str:
    # Datasette's own tilde encoding: percent-encoded paths are redirected to it.
    return datasette.urls.path(f"/-/post/{tilde_encode(post_id)}")


def thread_path(datasette, post_id: str) -> str:
    return datasette.urls.path(f"/-/thread/{tilde_encode(post_id)}")


def search_url(datasette, args: dict, **changes) -> str:
    """The search page with `args` changed (a None value drops the argument); page resets to 1."""
    merged = {k: v for k, v in {**args, "page": None, **changes}.items() if v not in (None, "")}
    return datasette.urls.path("/-/search") + ("?" + urlencode(merged) if merged else "")


def safe_http_url(url):
    """The URL if it is http(s), else None: never a javascript: or data: link."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None
