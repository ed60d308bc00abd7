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
from pathlib import Path
from typing import Optional

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DATABASE = "archive"  # the database name datasette.yml and metadata.yml are written for


def load_yaml(name: str) -> dict:
    path = PROJECT_ROOT / name
    if not path.exists():
        raise FileNotFoundError(f"{name} not found beside the archiver package ({path}); "
                                "install archiver from its source tree (pip install -e .)")
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


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
    from .users import auth_plugin_config

    environ = os.environ if environ is None else environ
    db_path = Path(db_path)
    name = db_path.stem
    config = for_database(load_yaml("datasette.yml"), name)
    if settings:
        config.setdefault("settings", {}).update(settings)
    plugins = config.setdefault("plugins", {})
    plugins["datasette-auth-passwords"] = {**(plugins.get("datasette-auth-passwords") or {}),
                                           **auth_plugin_config(environ)}
    metadata = for_database(load_yaml("metadata.yml"), name)
    files = [str(db_path), *map(str, extra_files)]
    if annotations and not immutable:
        annotations_path = annotations_db.path_beside(db_path)
        try:
            annotations_db.connect(annotations_path).close()
            files.append(str(annotations_path))
            add_map_query(config, name, annotations_path.stem)
        except (sqlite3.Error, OSError) as exc:  # e.g. a read-only directory: browsing still works
            print(f"warning: annotations disabled, cannot open {annotations_path}: {exc}", file=sys.stderr)
    kwargs = dict(config=config, metadata=metadata, crossdb=True, secret=environ.get("DATASETTE_SECRET") or None)
    if immutable:
        return Datasette(immutables=files, **kwargs)
    return Datasette(files=files, **kwargs)


def add_map_query(config: dict, archive: str, annotations: str) -> None:
    """The map of geolocated posts, with their text.

    Places and posts live in two files, so the join is a stored query of the
    `_memory` database, where both are attached (crossdb); datasette-cluster-map
    draws any result with latitude and longitude. Public places only: it is the
    map everyone sees.
    """
    from .web.sources import quote

    a, n = quote(archive), quote(annotations)
    memory = config.setdefault("databases", {}).setdefault("_memory", {})
    memory.setdefault("queries", {})["geolocated_posts"] = {
        "title": "Map of geolocated posts",
        "description": "Posts that volunteers placed on the map (public places), newest first.",
        "sql": f"""select place.post_id, posts.author_handle, posts.created_at, posts.text, place.label as place,
       place.latitude, place.longitude, verdict.status as verification
from {n}.public_place place join {a}.posts posts on posts.id = place.post_id
left join {n}.public_status verdict on verdict.post_id = place.post_id
order by place.placed_at desc""",
    }


def login_hint(url: str) -> str:
    from .users import password_hashes

    names = sorted(password_hashes())
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
