"""Statuses and status details in words a volunteer reads, the raw detail kept beside them.

A post's `status_detail` is written for the record ("X syndication: not asked
(ARCHIVER_OFFLINE is set and endpoint 'x' is not configured)"); one detail may
hold several sources' answers, separated by "; ". Each part that matches a
known shape becomes a sentence; anything else is shown as the platform said it.
"""
from __future__ import annotations

import re

STATUS_SENTENCES = {
    "ok": "Available when last checked.",
    "deleted": "Gone: the platform says it was deleted.",
    "unavailable": "Not shown by the platform: private, from a suspended account, blocked or not found.",
    "unresolved": "Not resolved: the platform could not be asked or did not answer; archiver tries again "
                  "on the next collection. What the article showed is kept.",
}

# (pattern over one source's reason, sentence; {source} is the source's name)
REASONS = [
    (r"not asked \((ARCHIVER_OFFLINE|offline)", "{source} was not asked: this archive was collected offline."),
    (r"not asked.*platform requests are spent", "{source} was not asked: the page's limit of platform requests "
                                                "was reached."),
    (r"needs a Meta app token", "{source} needs a Meta app token, which this archive was not given."),
    (r"no such post|not found \(HTTP 404|post not found", "{source} has no such post."),
    (r"deleted by its author", "{source}: deleted by its author."),
    (r"refused \(HTTP (401|403)", "{source} refused to show it: private, removed, or a login is required."),
    (r"HTTP 429|rate.?limit", "{source} asked archiver to slow down (rate limit); it will be asked again."),
    (r"timed out|stopped answering|deadline", "{source} did not answer in time."),
    (r"redirected to a login or consent page", "{source} answered with a login or consent page instead of "
                                               "the post."),
    (r"blocked by its author or by moderation", "{source}: blocked by its author or by moderation."),
    (r"HTTP 5\d\d", "{source} had a server error."),
    (r"is not supported yet", "archiver cannot resolve posts of this platform yet."),
]
_REASONS = [(re.compile(pattern, re.IGNORECASE), sentence) for pattern, sentence in REASONS]
_SOURCE = re.compile(r"^(?P<source>[A-Za-z][\w .()-]{0,40}?): (?P<reason>.+)$", re.DOTALL)


def status_sentence(status) -> str:
    return STATUS_SENTENCES.get(status, "Status unknown.")


def detail_sentences(detail) -> list[str]:
    """The detail as sentences for volunteers, one per source that answered, without repeats."""
    if not detail or not isinstance(detail, str):
        return []
    parts = []
    for part in (p.strip() for p in detail.split("; ")):
        if parts and part and not _SOURCE.match(part):
            parts[-1] += "; " + part  # "needs a token; kept what the page showed": one source's words
        elif part:
            parts.append(part)
    sentences = []
    for part in parts:
        match = _SOURCE.match(part)
        source, reason = (match["source"], match["reason"]) if match else ("The platform", part)
        sentence = next((s.format(source=source) for pattern, s in _REASONS if pattern.search(reason)), None)
        sentence = sentence or (f"{source} said: “{reason}”" if match else f"“{part}”")
        if sentence not in sentences:
            sentences.append(sentence)
    return sentences
