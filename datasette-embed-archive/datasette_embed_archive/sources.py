"""Where the plugin's pages read posts and annotations from.

Two layouts are served:

- live (`archiver serve`): archive.db beside a writable annotations.db; both
  are attached to Datasette's `_memory` database (crossdb), where queries
  joining posts with annotations run.
- published bundle: one read-only database holding the posts and the
  published annotations as tables.

Volunteers who are logged in see every annotation (the `current_*` views and
`events`); everyone else sees the public ones (`public_*`), without actors.
A bundle shows what it was published with.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

ANNOTATION_KINDS = ("tags", "notes", "status", "place")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Sources:
    archive: object  # the Datasette Database holding posts
    query_db: object  # where joins of posts and annotations run
    a: str  # schema of the archive inside query_db
    n: Optional[str]  # schema of the annotations inside query_db (None: no annotations)
    annotations: Optional[object]  # the Database to write events to (live only)
    full: bool  # every annotation with its actor, or the public ones only

    def rel(self, kind: str) -> str:
        """The qualified relation for `kind` (tags, notes, status, place, events) as the viewer may see it."""
        if kind == "events":
            name = "events" if self.full else "public_events"
        else:
            name = f"{'current' if self.full else 'public'}_{kind}"
        return f"{self.n}.{name}"

    @property
    def has_annotations(self) -> bool:
        return self.n is not None

    @property
    def writable(self) -> bool:
        return self.annotations is not None


async def find_archive_database(datasette):
    """The served database that holds the archive's posts table (the first one found)."""
    for database in datasette.databases.values():
        if database.name.startswith("_"):
            continue
        if await database.table_exists("posts") and await database.table_exists("embeds"):
            return database
    return None


async def find_annotations_database(datasette):
    for database in datasette.databases.values():
        if database.name.startswith("_") or not database.is_mutable:
            continue
        if await database.table_exists("events") and await database.view_exists("current_tags"):
            return database
    return None


async def _layout(datasette) -> Optional[tuple]:
    """(archive, annotations or None, bundle annotations: None, "public" or "full"), found once.

    Looking it up costs a few queries; every search and post page needs it, and
    the set of served databases only changes when a database is added or removed.
    An archive not found yet (an empty database being collected) is looked for again.
    """
    key = tuple(datasette.databases)
    cached = getattr(datasette, "_archiver_layout", None)
    if cached and cached[0] == key:
        return cached[1]
    archive = await find_archive_database(datasette)
    if archive is None:
        return None
    annotations = await find_annotations_database(datasette) if datasette.crossdb else None
    bundle = None
    if annotations is None and await archive.table_exists("public_tags"):
        bundle = "full" if await archive.table_exists("current_tags") else "public"
    layout = (archive, annotations, bundle)
    datasette._archiver_layout = (key, layout)
    return layout


async def find_sources(datasette, actor) -> Optional[Sources]:
    layout = await _layout(datasette)
    if layout is None:
        return None
    archive, annotations, bundle = layout
    if annotations is not None:
        return Sources(archive, datasette.get_database("_memory"), quote(archive.name), quote(annotations.name),
                       annotations, full=bool(actor and actor.get("id")))
    if bundle:  # a published bundle: annotations are tables of the archive itself
        return Sources(archive, archive, "main", "main", None, full=bundle == "full")
    return Sources(archive, archive, "main", None, None, full=False)
