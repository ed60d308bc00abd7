"""gallery-dl as a library, for the photos yt-dlp does not give (an Instagram photo post or carousel).

gallery-dl's extractor for the post's URL is asked for the files it would
download; only their URLs are taken (the archiver's own media stage fetches
them, guarded and capped like any media URL). The extractor's own requests go
through the archiver's guarded adapter (see ytdlp_network.py), with the run's
cookies and proxy.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Optional

MAX_FILES = 50  # as ARCHIVER_MAX_MEDIA: a post's media are capped again when stored


@dataclass
class Gallery:
    urls: list = field(default_factory=list)  # (url, kind) in the post's order
    error: Optional[str] = None


def gallery_files(url: str, policy, *, cookies: Optional[str] = None, proxy: Optional[str] = None,
                  limit: int = MAX_FILES) -> Gallery:
    from gallery_dl import config, extractor, exception
    from gallery_dl.extractor.message import Message

    from .ytdlp_network import GuardedAdapter

    config.set(("extractor",), "cookies", cookies)
    config.set(("extractor",), "proxy", proxy)
    found = Gallery()
    try:
        ex = extractor.find(url)
        if ex is None:
            return Gallery(error="gallery-dl has no extractor for this URL")
        with warnings.catch_warnings():  # gallery-dl's TLS settings use names ssl deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            ex.initialize()
        adapter = GuardedAdapter(policy)
        ex.session.mount("http://", adapter)
        ex.session.mount("https://", adapter)
        for message in ex.items():
            if message[0] == Message.Url:
                kind = "video" if str(message[2].get("extension", "")).lower() in ("mp4", "webm", "mov") else "photo"
                found.urls.append((message[1], kind))
                if len(found.urls) >= limit:
                    break
    except exception.GalleryDLException as exc:
        found.error = f"gallery-dl: {exc.__class__.__name__}: {exc}"[:300]
    except Exception as exc:  # an extractor broken by an answer it did not expect: the post keeps the rest
        found.error = f"gallery-dl: {exc.__class__.__name__}: {exc}"[:300]
    return found
