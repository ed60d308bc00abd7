"""A post's life as the archive saw it: when it was seen, what changed, since when it is gone.

Read from the post's row (first and last capture), its post_versions (each change,
with the values before and after) and its post_checks (each time `archiver
recheck` asked the platform). Everything returned is plain text: the template
escapes it like every other untrusted value.
"""
from __future__ import annotations

import json
from typing import Optional

GONE = ("deleted", "unavailable")
MAX_SEEN_LISTED = 6


def day(moment: Optional[str]) -> Optional[str]:
    return moment[:10] if isinstance(moment, str) and len(moment) >= 10 else moment


def _changes(version: dict) -> dict:
    try:
        changes = json.loads(version.get("changes") or "{}")
    except (TypeError, ValueError):
        return {}
    return changes if isinstance(changes, dict) else {}


def joined(items: list) -> str:
    """['a'] -> 'a'; ['a', 'b', 'c'] -> 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def build_timeline(post: dict, versions: list, checks: list, mementos: Optional[list] = None) -> dict:
    """{sentence, events, earlier_texts, gone_since, last_seen, seen} for the post page."""
    versions = sorted(versions, key=lambda v: (v.get("captured_at") or "", v.get("id") or 0))
    parsed = [(v, _changes(v)) for v in versions]
    first_status_change = next((c["status"] for _v, c in parsed
                                if isinstance(c.get("status"), list) and len(c["status"]) == 2), None)
    status = first_status_change[0] if first_status_change else post.get("status")
    events = [{"at": post.get("first_captured_at"), "status": status, "what": "first archived"}]
    for check in checks:
        events.append({"at": check.get("checked_at"), "status": check.get("status"), "what": "checked",
                       "detail": check.get("status_detail"), "version_id": check.get("version_id")})
    earlier_texts = []
    for version, changes in parsed:
        fields = sorted(changes)
        what = "changed: " + ", ".join(f.replace("_", " ") for f in fields) if fields else "captured again"
        after = version.get("status")
        if isinstance(changes.get("status"), list) and len(changes["status"]) == 2:
            before, after = changes["status"]
            if after in GONE and before not in GONE:
                what = "gone"
            elif before in GONE and after not in GONE:
                what = "available again"
        if isinstance(changes.get("text"), list) and len(changes["text"]) == 2 and changes["text"][0]:
            earlier_texts.append({"until": version.get("captured_at"), "text": changes["text"][0],
                                  "source": (changes.get("text_source") or [None])[0]})
            if "status" not in changes:
                what = "text edited" if (changes.get("text_source") or [None, None])[1] in (None, "platform") \
                    else f"text recovered from {changes['text_source'][1]}"
        events.append({"at": version.get("captured_at"), "status": after, "what": what, "version_id": version.get("id")})
    # A check that wrote a version is told once, by its version.
    written = {e.get("version_id") for e in events if e["what"] != "checked" and e.get("version_id")}
    events = [e for e in events if not (e["what"] == "checked" and e.get("version_id") in written)]
    if post.get("status") == "ok" and post.get("last_captured_at"):
        events.append({"at": post["last_captured_at"], "status": "ok", "what": "last captured"})
    events = sorted((e for e in events if e.get("at")), key=lambda e: e["at"])

    seen = []
    for event in events:
        if event.get("status") == "ok" and day(event["at"]) not in seen:
            seen.append(day(event["at"]))
    gone_since = None
    if post.get("status") in GONE:
        for version, changes in reversed(parsed):
            pair = changes.get("status")
            if isinstance(pair, list) and len(pair) == 2 and pair[1] in GONE and pair[0] not in GONE:
                gone_since = version.get("captured_at")
                break
    parts = []
    if seen:
        if len(seen) > MAX_SEEN_LISTED:
            parts.append(f"Seen {len(seen)} times between {seen[0]} and {seen[-1]}")
        else:
            parts.append(f"Seen {joined(seen)}")
    if gone_since:
        gone = f"gone since {day(gone_since)}"
        if post.get("status_detail"):
            # The first source's words (the detail may go on with the fallbacks that knew nothing).
            gone += f": “{str(post['status_detail']).split('; ')[0].strip()}”"
        parts.append(gone)
    elif post.get("status") in GONE:
        parts.append(f"already gone when first archived ({day(post.get('first_captured_at'))})")
    found = [m for m in (mementos or []) if m.get("captured_at")]
    if found:
        earliest = min(m["captured_at"] for m in found)
        parts.append(f"{len(found)} capture(s) in web archives, the earliest from {day(earliest)}")
    sentence = "; ".join(parts)
    if sentence:
        sentence = sentence[:1].upper() + sentence[1:]
        sentence += "" if sentence.endswith((".", ".”", "!”", "?”")) else "."
    last_seen = seen[-1] if seen else None
    return {"sentence": sentence, "events": events, "earlier_texts": earlier_texts, "gone_since": gone_since,
            "last_seen": last_seen, "seen": seen}
