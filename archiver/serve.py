"""Datasette over the archive, with this project's metadata, configuration and plugin.

The archive is served beside its annotations.db (created when missing), which
is the only database the web UI writes. Both are attached to Datasette's
`_memory` database (crossdb) so that pages can join posts with annotations.
"""
from __future__ import annotations

import copy
import os
import sqlite3
import sys
from importlib import resources
from pathlib import Path
from typing import Optional

import yaml

CONFIG_DATABASE = "archive"  # the database name datasette.yml and metadata.yml are written for


def load_yaml(name: str) -> dict:
    """One of the Datasette documents that ship inside the package (archiver/config/)."""
    text = resources.files("archiver").joinpath("config", name).read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def for_database(document: dict, database: str) -> dict:
    """The document with its `archive` database section renamed to the served file's name."""
    document = copy.deepcopy(document)
    databases = document.get("databases") or {}
    if CONFIG_DATABASE in databases and database != CONFIG_DATABASE:
        databases[database] = databases.pop(CONFIG_DATABASE)
    return document


def build_datasette(db_path, *, extra_files=(), settings: Optional[dict] = None, immutable: bool = False,
                    annotations: bool = True, environ=None):
    """A Datasette instance for the archive at db_path (used by `serve` and by tests).

    Users who may log in and annotate come from ARCHIVER_PASSWORD_HASH_* in
    `environ` (default: the process environment); DATASETTE_SECRET, when set,
    keeps logins and API tokens valid across restarts.
    """
    from datasette.app import Datasette

    from . import annotations as annotations_db
    from .users import password_hashes

    environ = os.environ if environ is None else environ
    db_path = Path(db_path)
    name = db_path.stem
    config = for_database(load_yaml("datasette.yml"), name)
    if settings:
        config.setdefault("settings", {}).update(settings)
    plugins = config["plugins"] = config.get("plugins") or {}
    plugins["archiver"] = {**(plugins.get("archiver") or {}), "password_hashes": password_hashes(environ)}
    metadata = for_database(load_yaml("metadata.yml"), name)
    files = [str(db_path), *map(str, extra_files)]
    if annotations and not immutable:
        annotations_path = annotations_db.path_beside(db_path)
        try:
            annotations_db.connect(annotations_path).close()
            files.append(str(annotations_path))
        except (sqlite3.Error, OSError) as exc:  # e.g. a read-only directory: browsing still works
            print(f"warning: annotations disabled, cannot open {annotations_path}: {exc}", file=sys.stderr)
    kwargs = dict(config=config, metadata=metadata, crossdb=True, secret=environ.get("DATASETTE_SECRET") or None)
    if immutable:
        return Datasette(immutables=files, **kwargs)
    return Datasette(files=files, **kwargs)


def login_hint(url: str) -> str:
    from .users import password_hashes

    from .passwords import is_valid

    hashes = password_hashes()
    names = sorted(name for name, value in hashes.items() if is_valid(value))
    for name in sorted(set(hashes) - set(names)):
        print(f"warning: {name} cannot log in: the hash in its ARCHIVER_PASSWORD_HASH_ variable is malformed "
              "(make one with `archiver users add NAME`)", file=sys.stderr)
    if not names:
        return ("Nobody can log in to annotate: add users with `archiver users add NAME` "
                "(ARCHIVER_PASSWORD_HASH_<NAME> in the environment).")
    return f"Annotations go to annotations.db; {', '.join(names)} may log in at {url}-/login"


def serve_archive(db_path, *, host: str = "127.0.0.1", port: int = 8001, on_ready=None) -> int:
    import socket

    import uvicorn

    if port == 0:  # pick a free port ourselves so the printed URL is the real one
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    datasette = build_datasette(db_path)
    server = uvicorn.Server(uvicorn.Config(datasette.app(), host=host, port=port, log_level="warning",
                                           lifespan="on"))
    url = f"http://{host}:{port}/"
    print(f"Serving {db_path} at {url}  (Ctrl+C to stop)", flush=True)
    print(login_hint(url), flush=True)
    if on_ready:
        on_ready(url)
    server.run()
    return 0
