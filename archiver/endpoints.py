"""Where each platform's API lives, and how a user points it elsewhere.

`--endpoint x=http://127.0.0.1:8000` (or ARCHIVER_ENDPOINT_X) replaces the
scheme and host (with port) of every URL built for that platform; the path and
query stay, so a mirror, a proxy or a test server answers the same requests.
"""
from __future__ import annotations

import os
from typing import Iterable, Optional
from urllib.parse import urlsplit, urlunsplit

from .platforms import BY_NAME


# Web archives asked for copies of posts (wayback.py): replaced like a platform's endpoint.
WEB_ARCHIVE_ENDPOINTS = {"wayback": "https://web.archive.org", "archive-today": "https://archive.ph"}


class EndpointError(ValueError):
    pass


def parse_override(text: str) -> tuple[str, str]:
    name, sep, url = text.partition("=")
    name = name.strip().lower()
    if not sep or not name or not url.strip():
        raise EndpointError(f"expected NAME=URL, got {text!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"endpoint for {name!r} must be an http(s) URL, got {url!r}")
    return name, url.strip()


class Endpoints:
    """Default endpoint per platform, with overrides from options and the environment."""

    def __init__(self, overrides: Iterable[str] = (), environ: Optional[dict] = None):
        environ = os.environ if environ is None else environ
        self.overrides: dict[str, str] = {}
        for key, value in environ.items():
            if key.startswith("ARCHIVER_ENDPOINT_") and value:
                name, url = parse_override(f"{key[len('ARCHIVER_ENDPOINT_'):]}={value}")
                # Shells allow no '-' in variable names: ARCHIVER_ENDPOINT_X_OEMBED names x-oembed.
                if name not in self.defaults() and name.replace("_", "-") in self.defaults():
                    name = name.replace("_", "-")
                self.overrides[name] = url
        for text in overrides:  # options win over the environment
            name, url = parse_override(text)
            self.overrides[name] = url
        unknown = sorted(set(self.overrides) - set(self.defaults()))
        if unknown:
            raise EndpointError(f"unknown endpoint name(s): {', '.join(unknown)} "
                                f"(known: {', '.join(sorted(self.defaults()))})")

    @staticmethod
    def defaults() -> dict[str, Optional[str]]:
        found = {}
        for module in BY_NAME.values():
            found.update(getattr(module, "ENDPOINTS", {module.NAME: module.DEFAULT_ENDPOINT}))
        found.update(WEB_ARCHIVE_ENDPOINTS)
        return found

    def is_overridden(self, name: str) -> bool:
        return name in self.overrides

    def url(self, name: str, url: str) -> str:
        """url with its scheme and host replaced when the endpoint `name` is overridden."""
        override = self.overrides.get(name)
        if not override:
            return url
        target = urlsplit(override)
        parts = urlsplit(url)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))
