"""<script> elements: state JSON, consent-blocked templates, and inline JavaScript that
builds an embed (a player URL in a call, an HTML string)."""
from __future__ import annotations

import html
import json
import re

from . import consent, flight, jsonvalue, state
from .urls import UnsafeUrl, is_player_url, post_ref, ref_from_id, unescape_js

MAX_SCRIPT = 5_000_000
_PLAIN = frozenset({"src", "type", "id", "async", "defer"})  # (no consent tool marks a script by these alone)
JSON_TYPES = ("application/json", "application/ld+json", "application/vnd.nuxt+json", "text/json")
JS_TYPES = ("", "text/javascript", "application/javascript", "module", "text/ecmascript", "application/ecmascript",
             "text/babel", "text/jsx")
STATE_IDS = ("__NEXT_DATA__", "__NUXT_DATA__")
JS_EXTRA_LITERALS = ("_oembed_",)  # Embed Privacy's stored oEmbed HTML
# Where a JSON object or a JSON.parse("...") string starts inside JavaScript.
_ASSIGN = re.compile(r"=\s*(?=[\[{])")
_JSON_PARSE = re.compile(r"JSON\.parse\(\s*(?=[\"'`])")  # (patterns each found fast by its first literal)
# JSON handed to a function: hydrate({"..."}), bootstrapModule('grid', [{"..."}]) (a JavaScript object
# literal, {a: 1}, is not JSON and is not read).
_CALL_JSON = re.compile(r"[(,]\s*(?=\{\s*\"|\[\s*[{\"\[])")
_JS_URL = re.compile(r"""//[^\s"'<>\\)]{6,400}""")  # (the scheme before it is read apart: a faster search)
# The code right before a URL is a `case ...:` label of a switch, in the same statement.
_CASE_BRANCH = re.compile(r"""\bcase\s+[^:;{}]{1,80}:[^;{}]{0,200}$""")
_ASSIGNED_NAME = re.compile(r"([\w$.\[\]'\"]{1,80})\s*$")  # (searched in the code right before "=")
_HTML_IN_JS = re.compile(r"(?:<|&lt;|\\u003c|\\x3c)\s*(?:iframe|blockquote|amp-)", re.I)
_MAX_BLOBS = 12


def inspect_script(el, scan) -> None:
    attrs = el.attrs
    post = attrs.get("data-telegram-post")
    if post:
        scan.found(el, post_ref("https://t.me/" + post.strip().lstrip("/")))
        return
    stype = (attrs.get("type") or "").strip().lower()
    if attrs.get("src") and ((_PLAIN.issuperset(attrs) and not stype.startswith("didomi/"))
                             or not consent.tool_of(el)):
        return  # a loader script; its (empty) body is nothing to us
    text = el.node.text(deep=False) or ""  # (its own text: an SVG script may nest others)
    if len(text) < 12 or text.isspace():
        return
    if len(text) > MAX_SCRIPT:
        scan.problem(f"inline script of {len(text)} characters not read")
        return
    if el.origin is None and "self.__next_f" in text[:64]:
        pushed = flight.chunk(text)
        if pushed is not None:
            scan.flight_chunk(el, pushed)  # (read with the others once the walk has ended)
            return
    ident = attrs.get("id") or ""
    source = f"script#{ident}" if ident else (f"script[type={stype}]" if stype else "inline script")
    if stype in JSON_TYPES or ident in STATE_IDS:
        if stype == "application/ld+json" and el.origin is None:
            scan.meta.feed_json_ld(text)
        if state.mentions_post(text):
            state.scan_json_text(scan, el, text, source=ident or source)
        return
    if stype not in JS_TYPES and consent.script_payload(el, scan, stype, text):
        return
    if state.mentions_post(text) or any(literal in text for literal in JS_EXTRA_LITERALS):
        _javascript(el, scan, text, source)
    if "widgets.create" in text or ".Player(" in text:
        _embed_api_calls(el, scan, text, source)


# Embed APIs a page's code hands a post id to (an id anywhere else in code is not data).
_EMBED_CALLS = (
    ("x", re.compile(r"""twttr\.widgets\.create(?:Tweet|Video)\(\s*["'](\d{5,25})["']""")),
    ("youtube", re.compile(r"""\bYT\.Player\((?:[^;]{0,300}?)\bvideoId\s*:\s*["']([\w-]{11})["']""")),
    ("vimeo", re.compile(r"""\bVimeo\.Player\((?:[^;]{0,300}?)\bid\s*:\s*["']?(\d{4,12})\b""")),
)


def _embed_api_calls(el, scan, text: str, source: str) -> None:
    """A post id passed to a platform's own embed API: twttr.widgets.createTweet("id", ...),
    new YT.Player(el, {videoId: "id"}), new Vimeo.Player(el, {id: 123})."""
    sub = 1000  # (after any find of the same script by URL)
    for platform, pattern in _EMBED_CALLS:
        for m in pattern.finditer(text):
            sub += 1
            scan.found(el, ref_from_id(platform, m.group(1)), blocked_by="inline-script",
                       recovered_from=f"{source} ({platform} embed API)", html=None, sub=sub)


def _javascript(el, scan, text: str, source: str) -> None:
    read_any = False  # whether data naming a post was read (then the code around it is not)
    # Data a script sets or hands to a function is read as page state, under its rules; a
    # player URL in code outside such data is read below only when no data names a post.
    patterns = [_ASSIGN, _CALL_JSON] + ([_JSON_PARSE] if "JSON.parse" in text else [])
    ahead = [pattern.search(text) for pattern in patterns]  # each pattern's next match
    pos = 0  # where the next data can start: after the last one read (an "= {" inside is in its strings)
    for _ in range(_MAX_BLOBS * 4):
        for k, pattern in enumerate(patterns):
            if ahead[k] is not None and ahead[k].start() < pos:
                ahead[k] = pattern.search(text, pos)
        m = min(filter(None, ahead), key=_start, default=None)
        if m is None:
            break
        pos = m.end()
        blob, raw = _decode_at(text, m.end())
        if blob is None or not isinstance(blob, (dict, list)):
            continue
        pos = m.end() + len(raw)
        if len(raw) < 0.9 * len(text) and not state.mentions_post(raw):
            continue  # one of several objects in the script, not the one naming a post
        read_any = True
        name = _assigned_name(text, m.start())
        if name and state.site_key(name.rsplit(".", 1)[-1].lower()):
            continue  # the site's configuration (window.site.remoteConfig = {...})
        state.walk(scan, el, blob, source=name or source)
    if read_any:
        return
    # No state object: an embed built by a call or an HTML string in the code itself.
    plain = unescape_js(text)
    tool = "embed-privacy" if "_oembed_" in text else None
    if _HTML_IN_JS.search(text) or _HTML_IN_JS.search(plain):
        markup = html.unescape(plain) if "&lt;" in plain else plain
        scan.payload(el, markup, blocked_by=tool or "inline-script", recovered_from=source)
        return
    for sub, ref in enumerate(player_refs(plain, scan, source, code=True)):
        scan.found(el, ref, blocked_by=tool or "inline-script", recovered_from=source, html=None, sub=sub)


def player_refs(text: str, scan, source: str, *, code: bool = False):
    """The posts of the player and embed URLs written in a text. In code, a URL that is one
    branch of a switch (a URL per language or site section) is a choice the code makes,
    not an embed of this page."""
    for m in _JS_URL.finditer(text):
        url = m.group(0)
        start = m.start()
        if start >= 6 and text.startswith("https:", start - 6):
            url, start = "https:" + url, start - 6
        elif start >= 5 and text.startswith("http:", start - 5):
            url, start = "http:" + url, start - 5
        if not is_player_url(url):
            continue
        if code and _CASE_BRANCH.search(text, max(0, start - 300), start):
            continue
        try:
            ref = post_ref(url)
        except UnsafeUrl:
            scan.problem(f"script URL in {source} ignored")
            continue
        if ref:
            yield ref


def _start(match) -> int:
    return match.start()


def _decode_at(text: str, pos: int):
    """(The JSON value at pos, its text): an object or array, or a JSON.parse() string."""
    decoder = json.JSONDecoder()
    try:
        if text[pos] in "\"'`":
            quote = text[pos]
            if quote in "'`":  # a single-quoted string or a template: re-quoted for the JSON decoder
                end = pos + 1
                while end < len(text) and text[end] != quote:
                    end += 2 if text[end] == "\\" else 1
                body = text[pos + 1:end]
                if quote == "`" and "${" in body:
                    return None, ""  # a template that fills values in is not data
                literal = '"' + body.replace('"', '\\"').replace("\\" + quote, quote) + '"'
                inner = json.loads(literal, strict=False)  # (a template may hold line breaks)
            else:
                inner, _ = decoder.raw_decode(text, pos)
            if isinstance(inner, str) and len(inner) < state.MAX_JSON:
                return jsonvalue.loads(inner), inner
            return None, ""
        value, end = jsonvalue.value_and_end(text, pos)
        return value, text[pos:end]
    except (ValueError, IndexError, RecursionError):
        return None, ""


def _assigned_name(text: str, pos: int) -> str | None:
    m = _ASSIGNED_NAME.search(text[max(0, pos - 80):pos])
    return m.group(1).strip("[]'\"") if m else None
