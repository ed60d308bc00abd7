"""Reddit: post (and comment) permalinks, redd.it short links, the embed host."""
from __future__ import annotations

from datetime import datetime, timezone

from ..models import Account, MediaItem, Post
from ..timeparse import iso_utc
from .base import match_rules, rule
from .common import ask, post_from, with_video
from .fields import dicts, dig, integer, text

NAME = "reddit"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("reddit", "redd.it")
DEFAULT_ENDPOINT = "https://www.reddit.com"

RULES = [
    rule(r"(?:old\.|new\.|np\.)?(?:reddit\.com|redditmedia\.com|embed\.reddit\.com)/r/(?P<sub>[A-Za-z0-9_]{2,30})/comments/(?P<id>[a-z0-9]{4,10})(?:/(?P<slug>[^/?#]*))?",
         lambda m: f"https://www.reddit.com/r/{m.group('sub')}/comments/{m.group('id')}/"),
    rule(r"redd\.it/(?P<id>[a-z0-9]{4,10})(?![a-z0-9])",
         lambda m: f"https://www.reddit.com/comments/{m.group('id')}/"),
]


def match(url: str):
    return match_rules(NAME, RULES, url)


# -- resolving: the public .json view of a post ---------------------------------------



def post_url(native_id: str) -> str:
    return f"https://www.reddit.com/comments/{native_id}/"


def resolve(ref, ctx) -> Post:
    # raw_json=1: URLs and text come unescaped (no &amp;).
    reply = ask(ctx, NAME, f"{DEFAULT_ENDPOINT}/comments/{ref.native_id}/.json?raw_json=1", "Reddit")
    if not reply.ok:
        return reply.post(ref)
    listing = reply.data[0] if isinstance(reply.data, list) and reply.data else reply.data
    children = dicts(dig(listing, "data", "children"))
    data = children[0].get("data") if children else None
    if not isinstance(data, dict):
        return Post(NAME, ref.native_id, ref.url, status="unresolved", raw_capture_id=reply.capture_id,
                    status_detail="Reddit: answer is not a post listing")
    post = parse_post(data, post_from(ref, reply))
    if any(m.kind == "video" for m in post.media):  # v.redd.it: video and sound are separate files
        post = with_video(post, ref.url, ctx)
    return post


def parse_post(data: dict, post: Post) -> Post:
    title, body = text(data.get("title")), text(data.get("selftext"))
    removed = text(data.get("removed_by_category"))
    if body in ("[removed]", "[deleted]"):
        body = None
    post.text = "\n\n".join(p for p in (title, body) if p) or None
    author = text(data.get("author"))
    if author and author != "[deleted]":
        post.account = Account(platform=NAME, handle=author, url=f"https://www.reddit.com/user/{author}",
                               native_id=text(data.get("author_fullname")))
    created = data.get("created_utc")
    if isinstance(created, (int, float)) and not isinstance(created, bool) and 0 < created < 32503680000:
        post.created_at = iso_utc(datetime.fromtimestamp(created, tz=timezone.utc))
    permalink = text(data.get("permalink"))
    if permalink and permalink.startswith("/"):
        post.url = f"https://www.reddit.com{permalink}"
    post.like_count = integer(data.get("score"))
    post.reply_count = integer(data.get("num_comments"))
    link = text(data.get("url_overridden_by_dest"))
    if link and not data.get("is_self"):
        post.links.append(link)
    post.media = _media(data)
    if removed:
        post.status = "deleted" if removed == "deleted" else "unavailable"
        post.status_detail = f"Reddit: removed ({removed})"
    elif author == "[deleted]" and body is None and text(data.get("selftext")) == "[deleted]":
        post.status, post.status_detail = "deleted", "Reddit: deleted by its author"
    return post


def _media(data: dict) -> list:
    preview = _preview(data)
    video = text(dig(data, "media", "reddit_video", "fallback_url")) or \
        text(dig(data, "secure_media", "reddit_video", "fallback_url"))
    if video:
        return [MediaItem("video", video, poster_url=preview.get("url"))]
    found = []
    metadata = data.get("media_metadata") if isinstance(data.get("media_metadata"), dict) else {}
    for item in dicts(dig(data, "gallery_data", "items")):
        source = dig(metadata.get(text(item.get("media_id"))), "s")
        src = text(dig(source, "u")) or text(dig(source, "gif"))
        if src:
            found.append(MediaItem("photo", src, alt_text=text(item.get("caption")),
                                   width=integer(dig(source, "x")), height=integer(dig(source, "y"))))
    if not found and preview.get("url") and data.get("post_hint") == "image":
        found.append(MediaItem("photo", preview["url"], width=integer(preview.get("width")),
                               height=integer(preview.get("height"))))
    return found


def _preview(data: dict) -> dict:
    images = dig(data, "preview", "images")
    first = images[0] if isinstance(images, list) and images and isinstance(images[0], dict) else {}
    source = first.get("source")
    return source if isinstance(source, dict) and text(source.get("url")) else {}
