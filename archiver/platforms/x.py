"""X (Twitter): status URLs, embed iframes, and resolving through the syndication endpoint."""
from __future__ import annotations

from .base import match_rules, rule

NAME = "x"
DEFAULT_ENDPOINT = "https://cdn.syndication.twimg.com"


def _canonical(m):
    user = m.groupdict().get("user")
    if user and user.lower() not in ("i", "i/web"):
        return f"https://x.com/{user}/status/{m.group('id')}"
    return f"https://x.com/i/status/{m.group('id')}"


RULES = [
    rule(r"(?:twitter|x)\.com/(?P<user>[A-Za-z0-9_]{1,30}|i/web|i)/status(?:es)?/(?P<id>\d{5,25})", _canonical),
    rule(r"platform\.twitter\.com/embed/[^?#]*\?(?:[^#]*&)?id=(?P<id>\d{5,25})", _canonical),
]


def match(url: str):
    return match_rules(NAME, RULES, url)


# -- resolving ---------------------------------------------------------------
import math  # noqa: E402
import re as _re  # noqa: E402

from ..jsnumber import to_radix_string  # noqa: E402
from ..models import Account, MediaItem, Post  # noqa: E402
from ..timeparse import parse_iso, parse_rfc2822  # noqa: E402
from .fields import dig as _dig, dicts as _list, integer as _int, text as _str  # noqa: E402

ENDPOINTS = {"x": DEFAULT_ENDPOINT}


def syndication_token(post_id: str) -> str:
    """The token the syndication endpoint expects, as react-tweet computes it in JavaScript."""
    return _re.sub(r"(0+|\.)", "", to_radix_string((float(post_id) / 1e15) * math.pi, 36))


def syndication_url(post_id: str) -> str:
    return f"{DEFAULT_ENDPOINT}/tweet-result?id={post_id}&lang=en&token={syndication_token(post_id)}"


def resolve(ref, ctx) -> Post:
    url = ctx.endpoints.url("x", syndication_url(ref.native_id))
    capture = ctx.fetcher.fetch(url, kind="api", trusted=True, accept="application/json")
    post = Post(NAME, ref.native_id, ref.url, raw_capture_id=capture.id)
    if capture.status_code is None:  # nothing came back at all
        post.status, post.status_detail = "unresolved", f"X syndication: {capture.error}"
        return post
    if capture.status_code == 404 or (capture.status_code == 200 and not (capture.body or b"").strip()):
        post.status, post.status_detail = "unavailable", "X syndication: no such post (404 or empty answer)"
        return post
    if not capture.ok:
        post.status, post.status_detail = "unresolved", f"X syndication: {capture.error}"
        return post
    try:
        data = capture.json()
    except ValueError as exc:
        post.status, post.status_detail = "unresolved", f"X syndication: {exc}"
        return post
    if not isinstance(data, dict) or not data:
        post.status, post.status_detail = "unavailable", "X syndication: empty answer"
        return post
    return parse_tweet_result(data, ref, post)


def parse_tweet_result(data: dict, ref, post: Post) -> Post:
    """Fill `post` from a tweet-result document (Tweet or TweetTombstone)."""
    if data.get("__typename") == "TweetTombstone":
        reason = _tombstone_text(data)
        post.status = "deleted" if "deleted" in reason.lower() else "unavailable"
        post.status_detail = reason or "tombstone without a reason"
        return post
    text = data.get("text")
    if not isinstance(text, str) or not text:
        post.status, post.status_detail = "unavailable", "X syndication: answer without post text"
        return post
    note = data.get("note_tweet") or {}
    long_text = _dig(note, "note_tweet_results", "result", "text") or note.get("text") if isinstance(note, dict) else None
    post.text = expand_text(long_text if isinstance(long_text, str) and long_text else text, data)
    post.status, post.status_detail = "ok", None
    post.lang = _str(data.get("lang"))
    post.created_at = parse_iso(data.get("created_at")) or parse_rfc2822(data.get("created_at"))
    post.account = _account(data.get("user"))
    if post.account and post.account.handle:
        post.url = f"https://x.com/{post.account.handle}/status/{ref.native_id}"
    post.like_count = _int(data.get("favorite_count"))
    post.repost_count = _int(data.get("retweet_count"))
    post.reply_count = _int(data.get("conversation_count") if data.get("reply_count") is None else data.get("reply_count"))
    parent_id = _str(data.get("in_reply_to_status_id_str"))
    if parent_id:
        post.reply_to_id = f"x:{parent_id}"
    thread_root = _str(_dig(data, "self_thread", "id_str"))
    if thread_root:
        post.thread_id = f"x:{thread_root}"
    post.media = _media(data)
    quoted = data.get("quoted_tweet")
    if isinstance(quoted, dict) and _str(quoted.get("id_str")):
        qid = quoted["id_str"]
        qref_url = f"https://x.com/i/status/{qid}"
        quoted_post = parse_tweet_result(quoted, type(ref)(NAME, qid, qref_url), Post(NAME, qid, qref_url))
        post.quote_of_id = quoted_post.id
        post.related.append(quoted_post)
    parent = data.get("parent")
    if isinstance(parent, dict) and _str(parent.get("id_str")):
        pid = parent["id_str"]
        purl = f"https://x.com/i/status/{pid}"
        post.related.append(parse_tweet_result(parent, type(ref)(NAME, pid, purl), Post(NAME, pid, purl)))
        post.reply_to_id = post.reply_to_id or f"x:{pid}"
    return post


def expand_text(text: str, data: dict) -> str:
    """Replace t.co links with their expanded URLs; drop the trailing media link."""
    entities = data.get("entities") if isinstance(data.get("entities"), dict) else {}
    for item in _list(entities.get("urls")):
        short, expanded = _str(item.get("url")), _str(item.get("expanded_url"))
        if short and expanded:
            text = text.replace(short, expanded)
    for item in _list(entities.get("media")) + _list(data.get("mediaDetails")):
        short = _str(item.get("url"))
        if short:
            text = text.replace(short, "")
    return text.strip()


def _media(data: dict) -> list:
    found = []
    for item in _list(data.get("mediaDetails")):
        kind = item.get("type")
        if kind == "photo":
            src = _str(item.get("media_url_https"))
            if src:
                found.append(MediaItem("photo", _full_size(src), alt_text=_str(item.get("ext_alt_text")),
                                       width=_int(_dig(item, "original_info", "width")),
                                       height=_int(_dig(item, "original_info", "height"))))
        elif kind in ("video", "animated_gif"):
            variants = [v for v in _list(_dig(item, "video_info", "variants"))
                        if v.get("content_type") == "video/mp4" and _str(v.get("url"))]
            if variants:
                best = max(variants, key=lambda v: _int(v.get("bitrate")) or 0)
                found.append(MediaItem("gif" if kind == "animated_gif" else "video", best["url"],
                                       alt_text=_str(item.get("ext_alt_text")),
                                       poster_url=_str(item.get("media_url_https")),
                                       width=_int(_dig(item, "original_info", "width")),
                                       height=_int(_dig(item, "original_info", "height"))))
    return found


def _full_size(src: str) -> str:
    """pbs.twimg.com serves the original resolution with name=orig."""
    if "pbs.twimg.com/media/" in src and "?" not in src:
        stem, dot, ext = src.rpartition(".")
        if dot and ext.lower() in ("jpg", "jpeg", "png", "webp", "gif"):
            return f"{stem}?format={ext.lower()}&name=orig"
    return src


def _account(user) -> Account | None:
    if not isinstance(user, dict):
        return None
    handle = _str(user.get("screen_name"))
    if not handle:
        return None
    avatar = _str(user.get("profile_image_url_https"))
    return Account(platform=NAME, handle=handle, display_name=_str(user.get("name")),
                   url=f"https://x.com/{handle}", native_id=_str(user.get("id_str")) or None,
                   avatar_url=avatar.replace("_normal.", "_400x400.") if avatar else None)


def _tombstone_text(data: dict) -> str:
    text = _dig(data, "tombstone", "text", "text")
    if isinstance(text, str):
        return text.replace("Learn more", "").strip()
    return ""
