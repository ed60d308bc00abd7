"""Datasette plugin for archives of embedded social-media posts.

Pages at stable addresses: the front page /, /-/search, /-/post/<id>, /-/thread/<id>,
/-/media/<sha256>, /-/map; thumbnails and post links in Datasette's own tables;
the SQL function phash_distance(). Everything shown comes from untrusted pages
and platforms, so it is rendered through Jinja's autoescaping only, and links
are emitted only for http(s) URLs.
"""
from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape

from . import media
from .columns import readable_columns_wrapper
from .front import front_page
from .map import map_page
from .pages import post_page, search_page, thread_page
from .paths import PLUGIN_NAME, STATUS_LABELS, post_path, safe_http_url, search_url, thread_path
from .phash import distance
from .wording import detail_sentences, status_sentence

POST_COLUMNS = {("posts", "id"), ("embeds", "post_id"), ("posts", "reply_to_id"), ("posts", "quote_of_id"),
                ("posts", "thread_id"), ("embedded_posts", "post_id"), ("post_media", "post_id"),
                ("post_versions", "post_id"), ("events", "post_id"), ("public_events", "post_id"),
                *((f"{audience}_{kind}", "post_id") for audience in ("current", "public")
                  for kind in ("tags", "notes", "status", "place"))}


def count_of(number, noun: str, plural: str = "") -> str:
    """12345, "page" -> "12,345 pages"; 1, "post" -> "1 post"."""
    number = number or 0
    return f"{number:,} {noun if number == 1 else (plural or noun + 's')}"


@hookimpl
def prepare_connection(conn):
    # phash_distance(a, b): differing bits between two perceptual hashes (null when either is missing).
    conn.create_function("phash_distance", 2, distance, deterministic=True)


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["safe_http_url"] = safe_http_url
    env.filters["status_label"] = lambda status: STATUS_LABELS.get(status, status or "unknown")
    env.filters["post_path"] = lambda post_id: post_path(datasette, post_id)
    env.filters["thread_path"] = lambda post_id: thread_path(datasette, post_id)
    env.filters["count_of"] = count_of
    env.filters["status_sentence"] = status_sentence
    env.filters["detail_sentences"] = detail_sentences
    env.globals["archiver_search_url"] = lambda args, **changes: search_url(datasette, args, **changes)
    env.globals["archiver_static"] = lambda name: datasette.urls.static_plugins(PLUGIN_NAME, name)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if not isinstance(value, str):
        return None
    if (table, column) in POST_COLUMNS and ":" in value:
        return Markup('<a href="{}">{}</a>').format(post_path(datasette, value), value)
    if column == "status" and table in ("posts", "embedded_posts"):
        return Markup('<span class="archiver-status archiver-status-{}">{}</span>').format(
            escape(value), STATUS_LABELS.get(value, value))
    return media.render_media_cell(row, value, column, table, datasette)


@hookimpl
def register_routes():
    return [
        (r"^/$", front_page),
        (r"^/-/post/(?P<post_id>[^/]+)$", post_page),
        (r"^/-/thread/(?P<post_id>[^/.]+)(\.(?P<format>json))?$", thread_page),
        (r"^/-/search(\.(?P<format>json))?$", search_page),
        (r"^/-/map(\.(?P<format>json))?$", map_page),
        (r"^/-/media/(?P<sha256>[0-9a-f]{64})(?P<thumbnail>/thumbnail)?$", media.media_file),
    ]


@hookimpl
def extra_template_vars(template, database, request, datasette):
    if template == "archiver_post.html" and request and "post_id" in (request.url_vars or {}):
        return media.post_media_vars(datasette, database, request)
    return None


@hookimpl
def menu_links(datasette, actor):
    links = [{"href": datasette.urls.path("/-/search"), "label": "Search posts"},
             {"href": datasette.urls.path("/-/map"), "label": "Map of geolocated posts"}]
    if actor and actor.get("id"):
        links.append({"href": datasette.urls.path("/-/create-token"), "label": "API token for scripts"})
    return links


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(PLUGIN_NAME, "archiver.css")]


@hookimpl
def asgi_wrapper(datasette):
    return readable_columns_wrapper(datasette)
