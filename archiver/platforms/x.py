"""X (Twitter): status URLs, embed iframes, and resolving through the syndication endpoint."""
from __future__ import annotations

import math
import re as _re

from ..jsnumber import to_radix_string
from ..models import Account, MediaItem, Post
from ..timeparse import parse_iso, parse_rfc2822
from . import oembed
from .base import match_rules, rule
from .common import ask, endpoint_url, fetch_endpoint, point_at_post, video_by_ytdlp
from .fields import dig as _dig, dicts as _list, integer as _int, text as _str

NAME = "x"
# One of these occurs (any case) in every URL match() accepts; others are not tried.
URL_HINTS = ("twitter.com", "x.com")
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


# Syndication first; FxTwitter when syndication has nothing; publish.twitter.com's oEmbed last.
ENDPOINTS = {"x": DEFAULT_ENDPOINT, "fxtwitter": "https://api.fxtwitter.com",
             "x-oembed": "https://publish.twitter.com"}


def syndication_token(post_id: str) -> str:
    """The token the syndication endpoint expects, as react-tweet computes it in JavaScript."""
    return _re.sub(r"(0+|\.)", "", to_radix_string((float(post_id) / 1e15) * math.pi, 36))


def syndication_url(post_id: str) -> str:
    return f"{DEFAULT_ENDPOINT}/tweet-result?id={post_id}&lang=en&token={syndication_token(post_id)}"


def post_url(native_id: str) -> str:
    return f"https://x.com/i/status/{native_id}"


def resolve(ref, ctx) -> Post:
    """Syndication, then FxTwitter, then oEmbed, until one of them knows the post.

    A tombstone that says the post was deleted is an answer: no fallback is asked.
    """
    post = resolve_syndication(ref, ctx)
    if post.status in ("ok", "deleted"):
        return post
    tried = [post]
    for fallback in (resolve_fxtwitter, resolve_oembed):
        candidate = fallback(ref, ctx)
        if candidate.status == "ok":
            return candidate
        tried.append(candidate)
    # Nobody knew it: keep the first answer (the most specific), with everyone's reason.
    post.status_detail = "; ".join(p.status_detail for p in tried if p.status_detail)
    return post


def resolve_syndication(ref, ctx) -> Post:
    url = endpoint_url(ctx, "x", syndication_url(ref.native_id))
    if url is None:
        return Post(NAME, ref.native_id, ref.url, status="unresolved",
                    status_detail="X syndication: not asked (offline, endpoint 'x' not configured)")
    capture = fetch_endpoint(ctx, "x", url, "application/json")
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
    note_entities = _dig(note, "note_tweet_results", "result", "entity_set") if isinstance(note, dict) else None
    if isinstance(long_text, str) and long_text:
        post.text = expand_text(long_text, {**data, "entities": note_entities or data.get("entities")})
    else:
        post.text = expand_text(text, data)
    _facets(post, data.get("entities"), note_entities)
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
    point_at_post(post)
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
            else:  # a video the answer names without a file: yt-dlp is asked on the post's URL
                found.append(video_by_ytdlp("gif" if kind == "animated_gif" else "video",
                                            alt_text=_str(item.get("ext_alt_text")),
                                            poster_url=_str(item.get("media_url_https"))))
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


def _facets(post: Post, *entity_sets) -> None:
    """Hashtags, mentions and expanded links as X marks them (lists may arrive as {} or null)."""
    for entities in entity_sets:
        if not isinstance(entities, dict):
            continue
        post.hashtags += [t for t in (_str(h.get("text") or h.get("tag")) for h in _list(entities.get("hashtags"))) if t]
        post.mentions += [m for m in (_str(u.get("screen_name")) for u in _list(entities.get("user_mentions")))
                          if m]
        post.links += [u for u in (_str(i.get("expanded_url")) for i in _list(entities.get("urls"))) if u]


# -- FxTwitter -------------------------------------------------------------------
def resolve_fxtwitter(ref, ctx) -> Post:
    reply = ask(ctx, "fxtwitter", f"{ENDPOINTS['fxtwitter']}/status/{ref.native_id}", "FxTwitter")
    if not reply.ok:
        return reply.post(ref)
    post = Post(NAME, ref.native_id, ref.url, raw_capture_id=reply.capture_id)
    data = reply.data if isinstance(reply.data, dict) else {}
    # The API's first generation answers {"tweet": …}, the second {"status": …}.
    tweet = data.get("tweet") if isinstance(data.get("tweet"), dict) else data.get("status")
    if not isinstance(tweet, dict):
        code = _int(data.get("code"))
        post.status = "unavailable" if code in (401, 404) else "unresolved"
        post.status_detail = f"FxTwitter: {_str(data.get('message')) or 'answer without a post'}"
        return post
    return parse_fxtwitter(tweet, post)


def parse_fxtwitter(tweet: dict, post: Post, depth: int = 0) -> Post:
    """Fill post from an FxTwitter status object (either field-name generation)."""
    raw = tweet.get("raw_text")
    body = _str(_dig(raw, "text")) if isinstance(raw, dict) else None
    post.text = body or _str(tweet.get("text"))
    if post.text is None:
        post.status, post.status_detail = "unavailable", "FxTwitter: answer without post text"
        return post
    post.status, post.status_detail = "ok", None
    post.lang = _str(tweet.get("lang"))
    post.created_at = parse_rfc2822(tweet.get("created_at")) or parse_iso(tweet.get("created_at"))
    author = tweet.get("author") if isinstance(tweet.get("author"), dict) else {}
    handle = _str(author.get("screen_name"))
    if handle:
        post.account = Account(platform=NAME, handle=handle, display_name=_str(author.get("name")),
                               url=f"https://x.com/{handle}", native_id=_str(author.get("id")),
                               avatar_url=_str(author.get("avatar_url")))
        post.url = f"https://x.com/{handle}/status/{post.native_id}"
    post.like_count = _int(tweet.get("likes"))
    post.repost_count = _int(tweet.get("reposts") if tweet.get("reposts") is not None else tweet.get("retweets"))
    post.reply_count = _int(tweet.get("replies"))
    post.view_count = _int(tweet.get("views"))
    replying = tweet.get("replying_to")
    parent = _str(_dig(replying, "status")) if isinstance(replying, dict) else _str(tweet.get("replying_to_status"))
    if parent and parent.isdigit():
        post.reply_to_id = f"x:{parent}"
    post.media = _fx_media(tweet.get("media"))
    quote = tweet.get("quote")
    quote_id = _str(_dig(quote, "id"))
    if quote_id and quote_id.isdigit() and depth < 3:
        quoted = parse_fxtwitter(quote, Post(NAME, quote_id, post_url(quote_id)), depth + 1)
        post.quote_of_id = quoted.id
        post.related.append(quoted)
    return post


def _fx_media(media) -> list:
    items = _list(_dig(media, "all")) or _list(_dig(media, "photos")) + _list(_dig(media, "videos"))
    found = []
    for item in items:
        url = _str(item.get("url"))
        kind = item.get("type")
        if not url or kind not in ("photo", "video", "gif"):
            continue
        found.append(MediaItem(kind, _full_size(url) if kind == "photo" else url,
                               alt_text=_str(item.get("altText") or item.get("alt_text")),
                               poster_url=_str(item.get("thumbnail_url")),
                               width=_int(item.get("width")), height=_int(item.get("height"))))
    return found


# -- oEmbed (last resort: text, author and date only) ------------------------------
def resolve_oembed(ref, ctx) -> Post:
    return oembed.resolve(ref, ctx, endpoint="x-oembed", base=f"{ENDPOINTS['x-oembed']}/oembed",
                          label="X oEmbed")
