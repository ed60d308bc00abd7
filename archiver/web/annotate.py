"""POST /-/annotate: record a volunteer's tag, note, status or place on a post.

The actor is the logged-in user (password login cookie) or the owner of an
API token; it is never read from the request body. Cross-site form posts are
refused by Datasette's cross-origin protection before they get here.
Recording goes through archiver.annotations.annotate, like the CLI.
"""
from __future__ import annotations

import json

from datasette.utils.asgi import Response
from datasette_embed_archive.paths import post_path
from datasette_embed_archive.sources import find_sources

from ..annotations import AnnotationError, Changes, annotate
from .login import login_state


def token_may_annotate(datasette, actor: dict, database: str) -> bool:
    """A restricted API token annotates only if its restrictions allow inserting into `events`.

    Unrestricted actors (a login, a token without restrictions) may annotate.
    """
    restrictions = actor.get("_r")
    if restrictions is None:
        return True
    action = datasette.actions.get("insert-row")
    names = {"insert-row", getattr(action, "abbr", None)} - {None}
    granted = set(restrictions.get("a") or ())
    granted |= set((restrictions.get("d") or {}).get(database) or ())
    granted |= set(((restrictions.get("r") or {}).get(database) or {}).get("events") or ())
    return bool(names & granted)


def _changes(data) -> Changes:
    """Changes from form fields or a JSON object (the same names either way)."""
    def many(name):
        value = data.get(name)
        if value is None or value == "":
            return []
        return [value] if isinstance(value, str) else list(value)

    latitude, longitude = data.get("latitude"), data.get("longitude")
    geo = None
    if latitude not in (None, "") or longitude not in (None, ""):
        geo = (latitude, longitude)
    private = data.get("visibility") == "private" or data.get("private") in (True, "1", "on", "true")
    return Changes(tags=many("tag"), untags=many("untag"), note=data.get("note") or None,
                   status=data.get("status") or None, geo=geo, place=data.get("place") or None,
                   private=private)


async def _read(request) -> tuple[dict, bool]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.post_body()
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = None
        return (data if isinstance(data, dict) else {"_invalid": True}), True
    return dict(await request.post_vars()), False


async def annotate_view(datasette, request):
    if request.method != "POST":
        return Response.text("POST a tag, untag, note, status or latitude/longitude here", status=405)
    data, as_json = await _read(request)
    actor = request.actor or {}

    def answer(status, message, **extra):
        if as_json:
            return Response.json({"ok": status < 400, "message": message, **extra}, status=status)
        if status in (403, 404):  # nothing to go back to: an error page
            return Response.text(message, status=status)
        datasette.add_message(request, message, datasette.INFO if status < 400 else datasette.ERROR)
        return Response.redirect(post_path(datasette, post_id) + "#annotations")

    post_id = (data.get("post_id") or "").strip() if not data.get("_invalid") else ""
    if not actor.get("id"):
        return answer(403, "Log in to annotate.")
    if actor["id"] not in login_state(datasette).users:  # removed from the environment since logging in
        return answer(403, "This account may no longer annotate this archive.")
    if data.get("_invalid"):
        return answer(400, "The body must be a JSON object.")
    sources = await find_sources(datasette, actor)
    if sources is None or not sources.writable:
        return answer(403, "This archive is read-only.")
    if not token_may_annotate(datasette, actor, sources.annotations.name):
        return answer(403, "This token's restrictions do not allow inserting rows into events.")
    if not post_id or not (await sources.archive.execute("select 1 from posts where id = ?", [post_id])).rows:
        return answer(404, "No such post in the archive.")
    try:
        changes = _changes(data)
        ids = await sources.annotations.execute_write_fn(
            lambda conn: annotate(conn, post_id, actor["id"], changes), transaction=False)
    except AnnotationError as exc:
        return answer(400, str(exc))
    return answer(200 if as_json else 302, f"Recorded {len(ids)} annotation(s).", event_ids=ids,
                  actor_id=actor["id"])
