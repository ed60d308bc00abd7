"""Mastodon (and compatible servers): status URLs on any instance."""
from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from ..models import Account, MediaItem, Post
from ..timeparse import parse_iso
from .base import match_rules, rule
from .common import ask
from .fields import dicts, dig, integer, text
from .markup import html_text, link_targets

NAME = "mastodon"
DEFAULT_ENDPOINT = None  # each post is resolved on its own instance
# Any host can be an instance, but every status URL has one of these paths (see RULES).
URL_HINTS = ("/@", "/users/")

# Known big platforms' hosts never count as Mastodon instances.
_NOT_INSTANCES = re.compile(r"^(?:[a-z0-9-]+\.)*(?:twitter|x|facebook|instagram|youtube|tiktok|threads|reddit|bsky|medium|t)\.(?:com|net|app|me)$", re.I)

RULES = [
    rule(r"(?P<host>[a-z0-9.-]+\.[a-z]{2,})/@(?P<user>[A-Za-z0-9_]{1,30}(?:@[a-z0-9.-]+)?)/(?P<id>\d{6,20})(?:/embed)?(?![0-9])",
         lambda m: f"https://{m.group('host').lower()}/@{m.group('user')}/{m.group('id')}",
         lambda m: f"{m.group('host').lower()}/{m.group('id')}"),
    rule(r"(?P<host>[a-z0-9.-]+\.[a-z]{2,})/users/(?P<user>[A-Za-z0-9_]{1,30})/statuses/(?P<id>\d{6,20})",
         lambda m: f"https://{m.group('host').lower()}/@{m.group('user')}/{m.group('id')}",
         lambda m: f"{m.group('host').lower()}/{m.group('id')}"),
]


def match(url: str):
    ref = match_rules(NAME, RULES, url)
    if ref and _NOT_INSTANCES.match(ref.native_id.split("/")[0]):
        return None
    return ref


# -- resolving: the post's own instance, /api/v1/statuses/:id and its /context --------

_QUOTE_INLINE = re.compile(r"<p[^>]*class=\"[^\"]*quote-inline[^\"]*\"[^>]*>.*?</p>", re.I | re.S)
_MEDIA_KINDS = {"image": "photo", "video": "video", "gifv": "gif", "audio": "audio"}
MAX_CONTINUATION = 50


def post_url(native_id: str) -> str:
    host, _, number = native_id.partition("/")
    return f"https://{host}/web/statuses/{number}"  # the web UI's route, which needs no user name


def resolve(ref, ctx) -> Post:
    host, _, number = ref.native_id.partition("/")
    if not host or not number.isdigit():
        return Post(NAME, ref.native_id, ref.url, status="unresolved",
                    status_detail=f"Mastodon: cannot tell instance and id from {ref.native_id!r}")
    base = f"https://{host}/api/v1/statuses/{number}"
    reply = ask(ctx, NAME, base, f"Mastodon ({host})")
    if not reply.ok:
        post = reply.post(ref)
        if reply.capture and reply.capture.status_code == 401:
            # Instances in limited mode answer 401 to anonymous readers: the post may well exist.
            post.status = "unresolved"
        return post
    if not isinstance(reply.data, dict) or not text(reply.data.get("id")):
        return Post(NAME, ref.native_id, ref.url, status="unresolved", raw_capture_id=reply.capture_id,
                    status_detail=f"Mastodon ({host}): answer is not a status")
    post = parse_status(reply.data, host, ref=ref)
    post.raw_capture_id = reply.capture_id
    context = ask(ctx, NAME, base + "/context", f"Mastodon context ({host})")
    if context.ok and isinstance(context.data, dict):
        add_context(post, context.data, host)
    return post


def parse_status(data: dict, host: str, ref=None, depth: int = 0) -> Post:
    """A Mastodon Status as a post; quoted statuses become related posts."""
    number = text(data.get("id")) or ""
    url = text(data.get("url"))
    if not (url and url.startswith(("http://", "https://"))):
        url = ref.url if ref else post_url(f"{host}/{number}")
    post = Post(NAME, f"{host}/{number}", url, status="ok")
    content = _QUOTE_INLINE.sub("", text(data.get("content")) or "")
    body = html_text(content)
    warning = text(data.get("spoiler_text"))
    post.text = f"{warning}\n\n{body or ''}".strip() if warning else body
    post.lang = text(data.get("language"))
    post.created_at = parse_iso(data.get("created_at"))
    post.account = _account(data.get("account"), host)
    parent = text(data.get("in_reply_to_id"))
    if parent:
        post.reply_to_id = f"{NAME}:{host}/{parent}"
    post.reply_count = integer(data.get("replies_count"))
    post.repost_count = integer(data.get("reblogs_count"))
    post.like_count = integer(data.get("favourites_count"))
    post.hashtags = [t for t in (text(tag.get("name")) for tag in dicts(data.get("tags"))) if t]
    post.mentions = [m for m in (text(x.get("acct")) for x in dicts(data.get("mentions"))) if m]
    post.links = _links(content)
    card = text(dig(data, "card", "url"))
    if card and card not in post.links:
        post.links.append(card)
    post.media = _media(data.get("media_attachments"))
    quoted = dig(data, "quote", "quoted_status")
    if isinstance(quoted, dict) and text(quoted.get("id")) and depth < 3:
        quoted_post = parse_status(quoted, host, depth=depth + 1)
        post.quote_of_id = quoted_post.id
        post.related.append(quoted_post)
    if post.text is None and not post.media:
        post.status_detail = "Mastodon: status without text or media"
    return post


def add_context(post: Post, context: dict, host: str) -> None:
    """Ancestors (root first) and the author's own continuation below the post, as related posts."""
    for item in dicts(context.get("ancestors")):
        if text(item.get("id")):
            post.related.append(parse_status(item, host))
    descendants = {text(d.get("in_reply_to_id")): d for d in reversed(dicts(context.get("descendants")))
                   if text(d.get("id")) and _same_author(d, post)}
    current = post.native_id.split("/", 1)[1]
    for _ in range(MAX_CONTINUATION):
        child = descendants.pop(current, None)
        if child is None:
            break
        post.related.append(parse_status(child, host))
        current = child["id"]


def _same_author(status: dict, post: Post) -> bool:
    account = _account(status.get("account"), post.native_id.split("/")[0])
    return bool(account and post.account and account.id == post.account.id)


def _account(data, host: str):
    if not isinstance(data, dict):
        return None
    acct = text(data.get("acct")) or text(data.get("username"))
    if not acct:
        return None
    handle = acct if "@" in acct else f"{acct}@{host}"
    return Account(platform=NAME, handle=handle, display_name=text(data.get("display_name")),
                   url=text(data.get("url")), avatar_url=text(data.get("avatar_static")) or text(data.get("avatar")))


def _links(content: str) -> list:
    if not content:
        return []
    return link_targets(LexborHTMLParser(content).body, skip_classes=("mention", "hashtag", "u-url"))


def _media(items) -> list:
    found = []
    for item in dicts(items):
        kind = _MEDIA_KINDS.get(item.get("type"))
        src = text(item.get("url")) or text(item.get("remote_url"))
        if not kind or not src:
            continue
        found.append(MediaItem(kind, src, alt_text=text(item.get("description")),
                               poster_url=text(item.get("preview_url")) if kind != "photo" else None,
                               width=integer(dig(item, "meta", "original", "width")),
                               height=integer(dig(item, "meta", "original", "height"))))
    return found


