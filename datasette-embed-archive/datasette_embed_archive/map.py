"""/-/map: the archive's geolocated posts on a map (and /-/map.json for scripts).

A post is on the map where volunteers placed it (the place annotations the
viewer may see: public ones, or every one for a logged-in volunteer of a live
archive) and where its photos' GPS says they were taken. Leaflet comes from
datasette-leaflet; the markers are drawn by static/archiver-map.js, which
writes every text into the page as text, never as markup.
"""
from __future__ import annotations

from datasette.utils.asgi import Response

from .pages import archive_sources
from .paths import post_path
from .sources import Sources

MAX_POINTS = 5000  # newest first; a map with more is unreadable anyway
TEXT_CHARS = 280
DEFAULT_TILES = {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                 "attribution": "&copy; OpenStreetMap contributors"}


def points_sql(sources: Sources) -> str:
    """Volunteers' places and the GPS of photos (and video posters), each with its post, newest first."""
    a = sources.a
    parts = []
    if sources.has_annotations:
        parts.append(f"""select place.post_id, place.latitude, place.longitude, place.label,
                                'volunteer' as placed_by, place.placed_at as placed_at
                         from {sources.rel('place')} place""")
    parts.append(f"""select post_media.post_id, media.latitude, media.longitude, null as label,
                            'photo GPS' as placed_by, media.taken_at as placed_at
                     from {a}.media media join {a}.post_media post_media
                       on media.sha256 in (post_media.media_sha256, post_media.poster_sha256)
                     where media.latitude is not null and media.longitude is not null""")
    return f"""select point.*, posts.author_handle, posts.author_name, posts.created_at, posts.status,
                      substr(posts.text, 1, {TEXT_CHARS}) as text
               from ({" union ".join(parts)}) point join {a}.posts posts on posts.id = point.post_id
               order by point.placed_at desc limit {MAX_POINTS + 1}"""


async def load_points(datasette, sources: Sources) -> dict:
    result = await sources.query_db.execute(points_sql(sources))
    rows = [dict(row) for row in result.rows]
    points = [{**row, "post_url": post_path(datasette, row["post_id"])} for row in rows[:MAX_POINTS]]
    return {"points": points, "truncated": len(rows) > MAX_POINTS}


def tiles(datasette) -> dict:
    """The tile server (plugin setting `tiles: {url, attribution}`; OpenStreetMap by default)."""
    config = datasette.plugin_config("datasette-embed-archive") or {}
    return {**DEFAULT_TILES, **(config.get("tiles") or {})}


async def map_page(datasette, request):
    sources = await archive_sources(datasette, request)
    data = await load_points(datasette, sources)
    if request.url_vars.get("format") == "json":
        return Response.json(data, default=str)
    return Response.html(await datasette.render_template("archiver_map.html", {
        "database": sources.archive.name, "map_data": {**data, "tiles": tiles(datasette)},
        "has_annotations": sources.has_annotations,
    }, request=request))
