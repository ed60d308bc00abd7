"""A resolve context whose every platform endpoint points at the local test server."""
from archiver.endpoints import Endpoints
from archiver.http import Fetcher
from archiver.models import Embed, PostRef
from archiver.resolve import ResolveContext, resolve_embed, resolve_ref


def make_ctx(server, thread_depth: int = 0, captures=None) -> ResolveContext:
    names = [name for name in Endpoints.defaults()]
    endpoints = Endpoints([f"{name}={server.base}" for name in names], environ={})
    fetcher = Fetcher(allow_private=True, retries=1, backoff=0.01,
                      record=(captures.append if captures is not None else None))
    return ResolveContext(fetcher=fetcher, endpoints=endpoints, thread_depth=thread_depth)


def resolve_url(server, url: str, thread_depth: int = 0, **embed_fields):
    """Resolve the post a URL names, as collect would for an embed of it."""
    from archiver.platforms import match_post_url

    ref = match_post_url(url)
    assert ref is not None, url
    embed = Embed(platform=ref.platform, url=ref.url, native_id=ref.native_id, **embed_fields)
    return resolve_embed(embed, make_ctx(server, thread_depth))


__all__ = ["make_ctx", "resolve_url", "resolve_ref", "PostRef"]
