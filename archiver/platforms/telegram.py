"""Telegram: public channel posts (t.me/<channel>/<id>, also the ?embed=1 widget)."""
from __future__ import annotations

import re as _re

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from ..models import Account, MediaItem, Post
from ..timeparse import parse_iso
from .base import match_rules, rule
from .common import ask, post_from
from .markup import link_targets, node_text, parse_count

NAME = "telegram"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("t.me", "telegram.me", "telegram.dog")
DEFAULT_ENDPOINT = "https://t.me"

RULES = [
    rule(r"(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?(?P<channel>[A-Za-z][A-Za-z0-9_]{3,40})/(?P<id>\d{1,12})(?![0-9])",
         lambda m: f"https://t.me/{m.group('channel')}/{m.group('id')}",
         lambda m: f"{m.group('channel').lower()}/{m.group('id')}"),
]


def match(url: str):
    return match_rules(NAME, RULES, url)


# -- resolving: the public ?embed=1 widget (the t.me/s/ channel preview has the same markup) --



_BACKGROUND = _re.compile(r"background-image\s*:\s*url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", _re.I)


def post_url(native_id: str) -> str:
    return f"https://t.me/{native_id}"


def _path(ref) -> str:
    # The canonical URL keeps the channel's own spelling; the native id is lower-cased.
    m = match(ref.url)
    return ref.url.rstrip("/").split("t.me/", 1)[-1] if m and m.native_id == ref.native_id else ref.native_id


def widget_url(ref) -> str:
    return f"{DEFAULT_ENDPOINT}/{_path(ref)}?embed=1&mode=tme"


def preview_url(ref) -> str:
    """The channel preview around the post: same markup, asked when the widget gives nothing usable."""
    return f"{DEFAULT_ENDPOINT}/s/{_path(ref)}"


def resolve(ref, ctx) -> Post:
    tried = []
    for url, label in ((widget_url(ref), "Telegram"), (preview_url(ref), "Telegram preview")):
        reply = ask(ctx, NAME, url, label, want="html")
        post = parse_widget(reply.data, post_from(ref, reply), label) if reply.ok else reply.post(ref)
        if post.status == "ok" or (reply.ok and post.status == "unavailable"):
            return post  # found, or the page says it is gone: the preview would not know better
        tried.append(post)
    tried[0].status_detail = "; ".join(p.status_detail for p in tried if p.status_detail)
    return tried[0]


def parse_widget(html: str, post: Post, label: str = "Telegram") -> Post:
    """Fill post from widget (or channel preview) HTML: the message whose data-post is this post."""
    tree = HTMLParser(html)
    message = _find_message(tree, post.native_id)
    if message is None:
        error = tree.css_first(".tgme_widget_message_error")
        if error is not None:
            reason = error.text(strip=True) or "error"
            post.status = "unavailable"
            post.status_detail = f"{label}: {reason} (deleted, or the channel is no longer public)"
        else:
            post.status = "unresolved"
            post.status_detail = f"{label}: the page does not show this post"
        return post
    channel = (message.attributes.get("data-post") or post.native_id).split("/")[0]
    text_node = next((n for n in message.css(".tgme_widget_message_text")
                      if "js-message_reply_text" not in (n.attributes.get("class") or "")), None)
    post.text = node_text(text_node)
    post.links = link_targets(text_node)
    owner = message.css_first(".tgme_widget_message_owner_name")
    avatar = message.css_first(".tgme_widget_message_user_photo img")
    post.account = Account(platform=NAME, handle=channel, display_name=owner.text(strip=True) if owner else None,
                           url=f"https://t.me/{channel}",
                           avatar_url=avatar.attributes.get("src") if avatar is not None else None)
    post.url = f"https://t.me/{channel}/{post.native_id.split('/')[-1]}"
    when = message.css_first(".tgme_widget_message_date time")
    post.created_at = parse_iso(when.attributes.get("datetime")) if when is not None else None
    views = message.css_first(".tgme_widget_message_views")
    post.view_count = parse_count(views.text(strip=True)) if views is not None else None
    reply_link = message.css_first("a.tgme_widget_message_reply")
    parent = match(reply_link.attributes.get("href") or "") if reply_link is not None else None
    if parent:
        post.reply_to_id = parent.post_id
    forwarded = message.css_first(".tgme_widget_message_forwarded_from")
    if forwarded is not None:
        source = forwarded.css_first("a[href]")
        post.forwarded_from = (source.attributes.get("href") if source is not None else None) or \
            forwarded.text(strip=True).replace("Forwarded from", "").strip() or None
    post.media = _media(message)
    if post.text is None and not post.media:
        post.status_detail = "Telegram: message without text or previewable media"
    return post


def _find_message(tree, native_id: str):
    """The message with data-post == native_id, or the album that holds it (…/<id>?single)."""
    wanted = native_id.lower()
    messages = tree.css(".tgme_widget_message[data-post]")
    for node in messages:
        if (node.attributes.get("data-post") or "").lower() == wanted:
            return node
    for node in messages:  # an album's later items are shown inside its first message
        for a in node.css("a[href]"):
            href = (a.attributes.get("href") or "").lower()
            if href.split("?")[0].endswith("/" + wanted) and "?single" in href:
                return node
    return None


def _background(node):
    m = _BACKGROUND.search(node.attributes.get("style") or "") if node is not None else None
    return m.group(1) if m else None


def _media(message) -> list:
    found = []
    for node in message.css(".tgme_widget_message_photo_wrap, .tgme_widget_message_video_player"):
        classes = node.attributes.get("class") or ""
        if "tgme_widget_message_photo_wrap" in classes:
            src = _background(node)
            if src:
                found.append(MediaItem("photo", src))
            continue
        thumb = _background(node.css_first(".tgme_widget_message_video_thumb"))
        video = node.css_first("video[src]")
        if video is not None:
            found.append(MediaItem("video", video.attributes["src"], poster_url=thumb))
        elif thumb:  # "Media is too big": only the preview image is public
            found.append(MediaItem("thumbnail", thumb, alt_text="video not playable in the web preview"))
    return found
