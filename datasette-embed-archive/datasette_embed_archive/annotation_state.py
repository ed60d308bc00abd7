"""The annotation log's vocabulary and current state, shared by the collector and the web face.

Volunteers' annotations are an append-only log of events (archiver writes it);
the current tags, status, place and notes of a post are derived from it here,
as SQL, so the log and the pages that read it always agree.
"""
from __future__ import annotations

STATUSES = ("unverified", "verified", "false", "misleading", "disputed")

# kind of state -> (event kinds, what identifies one current value, its columns)
STATE = {
    "tags": ("'tag', 'untag'", "post_id, value", "post_id, value as tag, created_at as tagged_at, visibility"),
    "status": ("'status'", "post_id", "post_id, value as status, created_at as decided_at, visibility"),
    "place": ("'geo'", "post_id", "post_id, latitude, longitude, value as label, created_at as placed_at, visibility"),
}


def state_sql(kind: str, source: str, *, actor: bool = False, where: str = "") -> str:
    """The current tags, notes, status or place, derived from the events in `source`.

    "Latest wins" uses SQLite's documented bare-column rule: with max(id), the
    other columns come from the row holding the maximum (faster than a window).
    `where` narrows the events first (e.g. to some posts) so that the cost
    follows those posts, not the whole log.
    """
    who = ", actor_id" if actor else ""
    narrow = f" and ({where})" if where else ""
    if kind == "notes":
        return (f"select id as event_id, post_id, value as note, created_at, visibility{who} "
                f"from {source} where kind = 'note'{narrow}")
    kinds, key, columns = STATE[kind]
    removed = " where kind = 'tag'" if kind == "tags" else ""  # an untag as the latest event: no tag
    return (f"select {columns}{who} from (select *, max(id) as event_id from {source} "
            f"where kind in ({kinds}){narrow} group by {key}){removed}")
