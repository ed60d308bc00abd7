"""The web face as a wheel a published bundle installs on its own, and the exact versions it needs.

A bundle must serve its pages on a host that has neither archiver nor its
source tree, so it carries datasette-embed-archive as a wheel, re-packed from
the copy this archiver runs with (an ordinary or an editable install alike),
and a requirements file that pins every package that wheel needs to the
versions installed here: the bundle runs what this machine ran.
"""
from __future__ import annotations

import base64
import hashlib
import zipfile
from importlib import metadata, resources
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PLUGIN = "datasette-embed-archive"
PLUGIN_PACKAGE = "datasette_embed_archive"
# Deterministic archive entries: the same plugin gives the same wheel bytes (and MANIFEST hash).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_plugin_wheel(directory: Path) -> Path:
    """Write the plugin's wheel into directory; returns its path."""
    dist = metadata.distribution(PLUGIN)
    name, version = PLUGIN_PACKAGE, dist.version
    info = f"{name}-{version}.dist-info"
    entries = {f"{name}/{rel}": data for rel, data in _package_files(PLUGIN_PACKAGE)}
    entries[f"{info}/METADATA"] = dist.read_text("METADATA").encode("utf-8")
    entries[f"{info}/entry_points.txt"] = (dist.read_text("entry_points.txt") or "").encode("utf-8")
    for license_name in metadata.metadata(PLUGIN).get_all("License-File") or ():
        text = dist.read_text(f"licenses/{license_name}")
        if text is not None:
            entries[f"{info}/licenses/{license_name}"] = text.encode("utf-8")
    entries[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: embed-archiver publish\n"
                                b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in entries.items()]
    entries[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode("utf-8")

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for entry, data in sorted(entries.items(), key=lambda item: item[0].endswith("/RECORD")):
            wheel.writestr(zipfile.ZipInfo(entry, date_time=ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _package_files(package: str):
    """(relative path, bytes) of every file of the package, without compiled caches, sorted."""
    def walk(node, prefix):
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__" or child.name.endswith(".pyc"):
                continue
            if child.is_dir():
                yield from walk(child, f"{prefix}{child.name}/")
            else:
                yield f"{prefix}{child.name}", child.read_bytes()
    yield from walk(resources.files(package), "")


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def pinned_requirements(name: str = PLUGIN) -> list[str]:
    """`package==version` for everything `name` needs, as installed here (itself excluded), sorted."""
    pins, pending = {}, [name]
    while pending:
        dist = metadata.distribution(pending.pop())
        for text in dist.requires or ():
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue  # another platform's or an optional extra's dependency
            key = canonicalize_name(requirement.name)
            if key in pins:
                continue
            pins[key] = f"{key}=={metadata.version(requirement.name)}"
            pending.append(requirement.name)
    pins.pop(canonicalize_name(name), None)
    return sorted(pins.values())
