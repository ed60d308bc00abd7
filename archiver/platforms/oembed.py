"""One oEmbed client for every platform that offers it (YouTube, Vimeo, TikTok, X, Meta).

oEmbed gives a title, an author, a thumbnail and the embed HTML; for posts whose
HTML is a blockquote (X, Instagram, Threads, Facebook) the text is read from it.
"""
from __future__ import annotations

import os
from typing import Optional
from urllib.parse import quote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from ..models import Account, MediaItem, Post
from ..timeparse import parse_display_date
from .common import ask, post_from
from .fields import integer, text

# Meta's oEmbed endpoints (Instagram, Facebook) answer only with an app token.
META_TOKEN_ENV = "ARCHIVER_META_TOKEN"


def oembed_url(base: str, post_url: str, extra: str = "") -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}url={quote(post_url, safe='')}&format=json{extra}"


def resolve(ref, ctx, *, endpoint: str, base: str, label: str, needs_meta_token: bool = False) -> Post:
    """Ask `base` (an oEmbed URL without query) about ref.url and read the answer."""
    extra = ""
    if needs_meta_token:
        token = os.environ.get(META_TOKEN_ENV, "").strip()
        if token:
            extra = f"&omitscript=true&access_token={quote(token, safe='|')}"
        elif not ctx.endpoints.is_overridden(endpoint):
            return Post(ref.platform, ref.native_id, ref.url, status="unresolved",
                        status_detail=f"{label}: needs a Meta app token ({META_TOKEN_ENV}); "
                                      "kept what the page showed")
    reply = ask(ctx, endpoint, oembed_url(base, ref.url, extra), label)
    if not reply.ok:
        return reply.post(ref)
    if not isinstance(reply.data, dict):
        return Post(ref.platform, ref.native_id, ref.url, status="unresolved",
                    status_detail=f"{label}: answer is not a JSON object", raw_capture_id=reply.capture_id)
    return parse_oembed(reply.data, post_from(ref, reply), label=label)


def parse_oembed(data: dict, post: Post, *, label: str = "oEmbed") -> Post:
    """Fill post from an oEmbed document; a document without title, text or author is unavailable."""
    quoted = blockquote(text(data.get("html")) or "")
    post.text = quoted.get("text") or text(data.get("title"))
    post.created_at = quoted.get("date")
    post.account = _account(data, post.platform)
    thumbnail = text(data.get("thumbnail_url"))
    if thumbnail:
        post.media.append(MediaItem("thumbnail", thumbnail, width=integer(data.get("thumbnail_width")),
                                    height=integer(data.get("thumbnail_height"))))
    if post.text is None and post.account is None:
        post.status, post.status_detail = "unavailable", f"{label}: answer without title, text or author"
    return post


def blockquote(html: str) -> dict:
    """Text and date from embed markup such as <blockquote class="twitter-tweet"><p>…</p>— … <a>date</a>."""
    if "<blockquote" not in html.lower():
        return {}
    tree = HTMLParser(html)
    node = tree.css_first("blockquote")
    if node is None:
        return {}
    paragraphs = [p.text(separator="", strip=False).strip() for p in node.css("p")]
    # Instagram's markup ends with a credit line, not part of the caption.
    paragraphs = [p for p in paragraphs if not p.startswith("A post shared by")]
    found = {"text": "\n\n".join(p for p in paragraphs if p) or None}
    links = node.css("a")
    if links:
        found["date"] = parse_display_date(links[-1].text(strip=True))
    return found


def _account(data: dict, platform: str) -> Optional[Account]:
    name = text(data.get("author_name"))
    author_url = text(data.get("author_url"))
    if author_url:
        author_url = urljoin(text(data.get("provider_url")) or "https://example.invalid/", author_url)
        if urlsplit(author_url).hostname == "example.invalid":
            author_url = None
    handle = text(data.get("author_unique_id")) or _handle_from_url(author_url)
    if not (name or handle):
        return None
    return Account(platform=platform, handle=handle or name, display_name=name, url=author_url)


def _handle_from_url(url: Optional[str]) -> Optional[str]:
    """'https://www.youtube.com/@smshdchrb' -> 'smshdchrb'; '/user/Scadrei5' -> 'Scadrei5'."""
    if not url:
        return None
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return last.lstrip("@") or None

