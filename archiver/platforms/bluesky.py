"""Bluesky: bsky.app post URLs and at:// post URIs."""
from __future__ import annotations

from urllib.parse import quote as _quote

from ..models import Account, MediaItem, Post
from ..timeparse import parse_iso
from .base import match_rules, rule
from .common import ask, point_at_post, video_by_ytdlp
from .fields import dicts, dig, integer, text

NAME = "bluesky"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("bsky.app", "app.bsky", "at://")
DEFAULT_ENDPOINT = "https://public.api.bsky.app"

RULES = [
    rule(r"bsky\.app/profile/(?P<actor>[^/?#]+)/post/(?P<id>[A-Za-z0-9]{5,20})",
         lambda m: f"https://bsky.app/profile/{m.group('actor')}/post/{m.group('id')}"),
    rule(r"at://(?P<actor>[^/?#]+)/app\.bsky\.feed\.post/(?P<id>[A-Za-z0-9]{5,20})",
         lambda m: f"https://bsky.app/profile/{m.group('actor')}/post/{m.group('id')}"),
]


def match(url: str):
    if url and url.startswith("at://"):
        return _match_at_uri(url)
    return match_rules(NAME, RULES, url)


def _match_at_uri(uri: str):
    m = RULES[1].pattern.match(uri)
    if not m:
        return None
    from ..models import PostRef

    return PostRef(NAME, m.group("id"), RULES[1].canonical(m))


# -- resolving: the public AppView's getPostThread --------------------------------------


PARENT_HEIGHT = 80  # how far up the thread the AppView is asked to go
REPLY_DEPTH = 20  # and how far down, for the author's own continuation
BLOB_HOST = "https://bsky.social"  # the entryway redirects getBlob to the author's PDS


def _xrpc(method: str, query: str) -> str:
    return f"{DEFAULT_ENDPOINT}/xrpc/{method}?{query}"


def resolve(ref, ctx) -> Post:
    actor = ref.url.rstrip("/").split("/profile/", 1)[-1].split("/")[0]
    did = actor if actor.startswith("did:") else resolve_handle(actor, ctx)
    uri = f"at://{did or actor}/app.bsky.feed.post/{ref.native_id}"
    reply = ask(ctx, NAME, _xrpc("app.bsky.feed.getPostThread",
                                 f"uri={_quote(uri, safe=':/')}&depth={REPLY_DEPTH}&parentHeight={PARENT_HEIGHT}"),
                "Bluesky")
    if not reply.ok:
        post = reply.post(ref)
        if reply.capture and reply.capture.status_code == 400 and "not found" in (post.status_detail or "").lower():
            post.status = "unavailable"  # the AppView answers 400 NotFound for a post that is gone
        return post
    thread = reply.data.get("thread") if isinstance(reply.data, dict) else None
    if not isinstance(thread, dict):
        return Post(NAME, ref.native_id, ref.url, status="unresolved", raw_capture_id=reply.capture_id,
                    status_detail="Bluesky: answer without a thread")
    post = parse_thread(thread, ref)
    post.raw_capture_id = reply.capture_id
    return post


def resolve_handle(handle: str, ctx):
    """The DID a handle stands for now (handles change, DIDs do not); None if it cannot be told."""
    key = f"bluesky-handle:{handle.lower()}"  # asked once per run, like posts
    if key not in ctx.cache:
        reply = ask(ctx, NAME, _xrpc("com.atproto.identity.resolveHandle", f"handle={_quote(handle)}"),
                    "Bluesky handle")
        did = text(reply.data.get("did")) if reply.ok and isinstance(reply.data, dict) else None
        ctx.cache[key] = did if did and did.startswith("did:") else None
    return ctx.cache[key]


def parse_thread(node: dict, ref) -> Post:
    """The post at the top of a getPostThread answer, its parents and the author's own continuation."""
    kind = _type(node)
    if kind.endswith("#notFoundPost") or node.get("notFound"):
        return Post(NAME, ref.native_id, ref.url, status="unavailable",
                    status_detail="Bluesky: post not found (deleted, or its account is gone)")
    if kind.endswith("#blockedPost") or node.get("blocked"):
        return Post(NAME, ref.native_id, ref.url, status="unavailable",
                    status_detail="Bluesky: post blocked by its author or by moderation")
    view = node.get("post")
    if not isinstance(view, dict):
        return Post(NAME, ref.native_id, ref.url, status="unresolved",
                    status_detail=f"Bluesky: thread node without a post ({kind or 'no type'})")
    post = parse_post_view(view)
    post.native_id, post.url = ref.native_id, post.url or ref.url
    parent, seen = node.get("parent"), 0
    while isinstance(parent, dict) and isinstance(parent.get("post"), dict) and seen < PARENT_HEIGHT:
        post.related.append(parse_post_view(parent["post"]))
        parent, seen = parent.get("parent"), seen + 1
    author = dig(view, "author", "did")
    replies, seen = node.get("replies"), 0
    while seen < REPLY_DEPTH:
        own = sorted((r for r in dicts(replies) if dig(r, "post", "author", "did") == author),
                     key=lambda r: text(dig(r, "post", "record", "createdAt")) or "")
        if not own:
            break
        post.related.append(parse_post_view(own[0]["post"]))
        replies, seen = own[0].get("replies"), seen + 1
    return post


def parse_post_view(view: dict, depth: int = 0) -> Post:
    """A postView (or an embed's viewRecord, whose record is under "value") as a post."""
    uri = text(view.get("uri")) or ""
    record = view.get("record") if isinstance(view.get("record"), dict) else view.get("value")
    record = record if isinstance(record, dict) else {}
    rkey = uri.rsplit("/", 1)[-1] if "/app.bsky.feed.post/" in uri else ""
    account = _account(view.get("author"))
    url = f"https://bsky.app/profile/{account.handle if account else uri.split('/')[2]}/post/{rkey}" if rkey else ""
    post = Post(NAME, rkey or uri, url, status="ok")
    post.text = text(record.get("text"))
    post.created_at = parse_iso(record.get("createdAt"))
    langs = record.get("langs")
    post.lang = text(langs[0]) if isinstance(langs, list) and langs else None
    post.account = account
    post.like_count = integer(view.get("likeCount"))
    post.repost_count = integer(view.get("repostCount"))
    post.reply_count = integer(view.get("replyCount"))
    parent = _rkey(dig(record, "reply", "parent", "uri"))
    if parent:
        post.reply_to_id = f"{NAME}:{parent}"
    root = _rkey(dig(record, "reply", "root", "uri"))
    if root:
        post.thread_id = f"{NAME}:{root}"
    _facets(post, record)
    embed = view.get("embed")
    if not isinstance(embed, dict):  # a viewRecord carries its embeds as a list
        embed = next(iter(dicts(view.get("embeds"))), None)
    did = dig(view, "author", "did")
    post.media = _media(embed, did)
    point_at_post(post)
    quoted = _quoted_record(embed)
    if quoted is not None and depth < 3:
        if _is_view_record(quoted):
            quoted_post = parse_post_view(quoted, depth + 1)
        else:  # the quoted post is gone or hidden: keep what the quote says about it
            quoted_post = Post(NAME, _rkey(quoted.get("uri")) or "", "", status="unavailable",
                               status_detail=f"Bluesky: quoted post {_type(quoted) or 'not shown'}")
        if quoted_post.native_id:
            post.quote_of_id = quoted_post.id
            post.related.append(quoted_post)
    external = text(dig(embed, "external", "uri")) or text(dig(embed, "media", "external", "uri"))
    if external and external not in post.links:
        post.links.append(external)
    return post


def _quoted_record(embed):
    if not isinstance(embed, dict):
        return None
    kind = _type(embed)
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        return dig(embed, "record", "record")
    if kind.startswith("app.bsky.embed.record"):
        return embed.get("record") if isinstance(embed.get("record"), dict) else None
    return None


def _is_view_record(record: dict) -> bool:
    kind = _type(record)
    return kind.endswith("#viewRecord") or (not kind and isinstance(record.get("value"), dict))


def _media(embed, did) -> list:
    if not isinstance(embed, dict):
        return []
    kind = _type(embed)
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        return _media(embed.get("media"), did)
    found = []
    if kind.startswith("app.bsky.embed.images"):
        for image in dicts(embed.get("images")):
            src = text(image.get("fullsize")) or text(image.get("thumb"))
            if src:
                found.append(MediaItem("photo", src, alt_text=text(image.get("alt")),
                                       width=integer(dig(image, "aspectRatio", "width")),
                                       height=integer(dig(image, "aspectRatio", "height"))))
    elif kind.startswith("app.bsky.embed.video"):
        cid = text(embed.get("cid"))
        # The original upload (getBlob on the author's PDS) rather than the HLS playlist of re-encodes.
        src = (f"{BLOB_HOST}/xrpc/com.atproto.sync.getBlob?did={_quote(did)}&cid={cid}"
               if cid and isinstance(did, str) else text(embed.get("playlist")))
        if src:
            found.append(MediaItem("video", src, alt_text=text(embed.get("alt")),
                                   poster_url=text(embed.get("thumbnail")),
                                   width=integer(dig(embed, "aspectRatio", "width")),
                                   height=integer(dig(embed, "aspectRatio", "height"))))
        else:  # no blob and no playlist: yt-dlp is asked on the post's URL
            found.append(video_by_ytdlp(alt_text=text(embed.get("alt")), poster_url=text(embed.get("thumbnail"))))
    return found


def _facets(post: Post, record: dict) -> None:
    """Mentions, tags and links from the record's facets (byte ranges into the UTF-8 text)."""
    data = (post.text or "").encode("utf-8")
    for facet in dicts(record.get("facets")):
        start, end = integer(dig(facet, "index", "byteStart")), integer(dig(facet, "index", "byteEnd"))
        span = data[start:end].decode("utf-8", "replace") if start is not None and end is not None else ""
        for feature in dicts(facet.get("features")):
            kind = _type(feature)
            if kind.endswith("#mention"):
                handle = span.lstrip("@") or text(feature.get("did"))
                if handle:
                    post.mentions.append(handle)
            elif kind.endswith("#tag") and text(feature.get("tag")):
                post.hashtags.append(feature["tag"])
            elif kind.endswith("#link") and text(feature.get("uri")):
                post.links.append(feature["uri"])


def _type(value: dict) -> str:
    """A lexicon object's $type ("" when missing or not a string)."""
    return text(value.get("$type")) or ""


def _rkey(uri):
    return uri.rsplit("/", 1)[-1] if isinstance(uri, str) and "/app.bsky.feed.post/" in uri else None


def _account(author):
    if not isinstance(author, dict):
        return None
    handle = text(author.get("handle"))
    did = text(author.get("did"))
    if not (handle or did):
        return None
    return Account(platform=NAME, handle=handle or did, display_name=text(author.get("displayName")),
                   url=f"https://bsky.app/profile/{handle or did}", avatar_url=text(author.get("avatar")),
                   native_id=did)
