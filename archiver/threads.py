"""Threads: from a resolved post up its reply chain to the root, and the author's continuation down.

Platforms that answer with context (Mastodon /context, Bluesky getPostThread)
already put ancestors and the author's own replies in `post.related`; for the
others (X, Telegram) each missing parent is resolved in turn, through the run's
cache so no post is fetched twice. The walk is bounded and stops on a cycle.
"""
from __future__ import annotations

from typing import Iterator, Optional

from .models import Post, PostRef
from .platforms import BY_NAME

DEFAULT_DEPTH = 40  # parents fetched above an embedded post at most


def related_posts(post: Post) -> Iterator[Post]:
    """Every post reachable through .related, each once (cycle-safe)."""
    seen, stack = {id(post)}, list(post.related)
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack.extend(item.related)


def assemble(post: Post, ctx, depth: int = DEFAULT_DEPTH) -> Post:
    """Walk post's reply chain up (fetching at most `depth` parents) and number the thread.

    Sets thread_id and thread_position on the post, its ancestors and the author's
    continuation; fetched ancestors are added to post.related so they are stored too.
    """
    known = {p.id: p for p in related_posts(post)}
    known[post.id] = post
    chain, fetched, note = [post], 0, None
    while chain[0].reply_to_id:
        parent_id = chain[0].reply_to_id
        if any(p.id == parent_id for p in chain):
            note = f"reply chain loops back to {parent_id}; stopped there"
            break
        parent = known.get(parent_id) or ctx.cache.get(parent_id)
        if parent is None:
            if fetched >= depth:
                if depth:
                    note = f"thread walk stopped after {depth} parent(s)"
                break
            parent = _resolve_id(parent_id, ctx)
            fetched += 1
            if parent is None:
                break
        if parent.status == "unresolved" and parent.text is None:
            break  # nothing is known of it: reply_to_id names it, and no empty row is stored
        if parent.id not in _ids(post.related):
            post.related.append(parent)
        if parent.status != "ok" and not parent.reply_to_id:
            chain.insert(0, parent)
            break
        chain.insert(0, parent)
    below = _continuation(post, known)
    if len(chain) == 1 and not below and not post.reply_to_id:
        return post  # a post on its own is no thread
    root = chain[0]
    reached_root = root.reply_to_id is None and root.status == "ok"
    thread_id = root.id if reached_root else (post.thread_id or root.id)
    offset = 1 if reached_root else None
    for index, item in enumerate(chain + below):
        item.thread_id = item.thread_id if (item.thread_id and not reached_root) else thread_id
        item.thread_position = index + offset if offset is not None else None
    if note and note not in (post.status_detail or ""):
        post.status_detail = f"{post.status_detail}; {note}" if post.status_detail else note
    return post


def _continuation(post: Post, known: dict) -> list:
    """The author's own replies below post, in order, as the platform gave them."""
    below, current, seen = [], post, {post.id}
    author = post.account.id if post.account else None
    while author:
        child = next((p for p in known.values() if p.reply_to_id == current.id and p.id not in seen
                      and p.account and p.account.id == author), None)
        if child is None:
            break
        below.append(child)
        seen.add(child.id)
        current = child
    return below


def _ids(posts) -> set:
    return {p.id for p in posts}


def _resolve_id(post_id: str, ctx) -> Optional[Post]:
    """Resolve a post named only by its id, where its platform can build a URL for it."""
    from .resolve import resolve_ref

    platform, _, native = post_id.partition(":")
    module = BY_NAME.get(platform)
    make_url = getattr(module, "post_url", None)
    if not native or make_url is None:
        return None
    return resolve_ref(PostRef(platform, native, make_url(native)), ctx)
