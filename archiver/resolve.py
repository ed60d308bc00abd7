"""Resolve embedded posts through their platform, keeping the page's own fallback.

A post is never left empty: when the platform answers nothing (deleted, blocked,
offline), the text, author and date the article showed are kept, marked as
coming from the embed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .endpoints import Endpoints
from .http import Fetcher
from .models import Account, Embed, Post, PostRef
from .platforms import BY_NAME
from .threads import assemble

# Parent posts fetched above each embedded post to reach its thread's root.
DEFAULT_THREAD_DEPTH = 40


@dataclass
class ResolveContext:
    fetcher: Fetcher
    endpoints: Endpoints
    cache: dict = field(default_factory=dict)  # post id -> Post, so no post is fetched twice per run
    thread_depth: int = DEFAULT_THREAD_DEPTH  # parents fetched above each embedded post (context in the same answer is always kept)
    video: Optional[object] = None  # a media.ytdlp.VideoSource: what yt-dlp says about video posts


def resolve_embed(embed: Embed, ctx: ResolveContext) -> Post:
    """The post an embed names, resolved where its platform module can, else from the embed."""
    ref = PostRef(embed.platform, embed.native_id, embed.url)
    post = resolve_ref(ref, ctx)
    assemble(post, ctx, depth=ctx.thread_depth)
    return with_fallback(post, embed)


def resolve_ref(ref: PostRef, ctx: ResolveContext) -> Post:
    if ref.post_id in ctx.cache:
        return ctx.cache[ref.post_id]
    module = BY_NAME.get(ref.platform)
    resolver = getattr(module, "resolve", None)
    if resolver is None:
        post = Post(ref.platform, ref.native_id, ref.url, status="unresolved",
                    status_detail=f"resolving {ref.platform} posts is not supported yet")
    else:
        try:
            post = resolver(ref, ctx)
        except ValueError as exc:  # a platform's answer we could not read
            post = Post(ref.platform, ref.native_id, ref.url, status="unresolved", status_detail=str(exc))
        except (TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
            # An answer shaped in a way no parser foresaw: keep the embed's fallback, say why.
            post = Post(ref.platform, ref.native_id, ref.url, status="unresolved",
                        status_detail=f"{ref.platform}: unreadable answer ({exc.__class__.__name__}: {exc})"[:500])
    # The row must carry the id the embed names, whatever id the answer spelled.
    post.platform, post.native_id = ref.platform, ref.native_id
    ctx.cache[ref.post_id] = post
    return post


def with_fallback(post: Post, embed: Embed) -> Post:
    """Fill what the platform did not give from what the page showed."""
    if post.text is None and embed.fallback_text:
        post.text = embed.fallback_text
        post.text_source = "embed"
    if post.account is None and (embed.fallback_handle or embed.fallback_author):
        post.account = Account(platform=post.platform, handle=embed.fallback_handle,
                               display_name=embed.fallback_author)
    if post.created_at is None and embed.fallback_date:
        from .timeparse import parse_display_date

        post.created_at = parse_display_date(embed.fallback_date)
    return post

