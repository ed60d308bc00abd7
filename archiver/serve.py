"""Datasette over the archive, with this project's metadata, configuration and plugin."""
from __future__ import annotations

import copy
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


def build_datasette(db_path, *, extra_files=(), settings: Optional[dict] = None, immutable: bool = False):
    """A Datasette instance for the archive at db_path (used by `serve` and by tests)."""
    from datasette.app import Datasette

    db_path = Path(db_path)
    name = db_path.stem
    config = for_database(load_yaml("datasette.yml"), name)
    if settings:
        config.setdefault("settings", {}).update(settings)
    metadata = for_database(load_yaml("metadata.yml"), name)
    files = [str(db_path), *map(str, extra_files)]
    if immutable:
        return Datasette(immutables=files, config=config, metadata=metadata)
    return Datasette(files=files, config=config, metadata=metadata)


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
    if on_ready:
        on_ready(url)
    server.run()
    return 0
