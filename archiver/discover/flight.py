"""React Server Components "flight" data, as Next.js App Router pages ship their content.

Such a page has no __NEXT_DATA__: its scripts push string chunks, `self.__next_f.push([1, "..."])`,
that joined make one stream of rows `<id>:<payload>\\n`. A payload is JSON (React element trees
`["$", "div", null, {props}]`, or the data a component renders: a CMS's content blocks), or a
text row `<id>:T<hex length>,<text>` of that many UTF-8 bytes, with no newline after it. Rows
run across chunks, so the chunks are kept as the walk meets them and read once it has ended.

JSON rows are walked with the page-state rules (state.py); a text row that holds markup is
parsed like any recovered payload.
"""
from __future__ import annotations

import json
import re

from . import jsonvalue, state

MAX_STREAM = 12_000_000  # characters of flight data read per page
_PUSH = re.compile(r"\s*self\.__next_f\.push\(\[\s*1\s*,\s*(?=\")")
_ROW = re.compile(r"([0-9a-fA-F]{1,8}):")
_TEXT_ROW = re.compile(r"T([0-9a-fA-F]{1,8}),")
_TAG = re.compile(r"[A-Z]{0,3}(?=[\[{])")  # (rows such as I[...] or HL[...] tag their JSON)
_REFERENCE = re.compile(r'"\$([0-9a-fA-F]{1,8})"')  # a JSON string naming another row
_DECODER = json.JSONDecoder()
SOURCE = "self.__next_f"


def chunk(text: str):
    """The string a `self.__next_f.push([1, "..."])` script pushes, or None for any other script."""
    m = _PUSH.match(text)
    if m is None:
        return None
    try:
        value, _ = _DECODER.raw_decode(text, m.end())
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def rows(stream: str):
    """(id, 'json' or 'text', text): the rows of a flight stream, in order."""
    pos, end = 0, len(stream)
    while pos < end:
        m = _ROW.match(stream, pos)
        if m is None:  # not a row's start: go on at the next line
            newline = stream.find("\n", pos)
            if newline < 0:
                return
            pos = newline + 1
            continue
        pos, ident = m.end(), m.group(1)
        text_row = _TEXT_ROW.match(stream, pos)
        if text_row is not None:
            start = text_row.end()
            size = int(text_row.group(1), 16)
            # the length counts UTF-8 bytes; a character is at least one of them
            text = stream[start:start + size].encode("utf-8", "surrogatepass")[:size].decode("utf-8", "ignore")
            yield ident, "text", text
            pos = start + len(text)
            continue
        newline = stream.find("\n", pos)
        line_end = end if newline < 0 else newline
        tag = _TAG.match(stream, pos, line_end)
        if tag is not None:
            yield ident, "json", stream[tag.end():line_end]
        pos = line_end + 1


def scan_stream(scan, el, stream: str) -> None:
    """Walk a page's flight stream (el: the first script that pushed to it). A text row is
    read where a JSON row refers to it ("$<id>"), inside the object that names it (which
    may be another article's), and alone only when no row refers to it."""
    if len(stream) > MAX_STREAM:
        scan.problem(f"flight data of {len(stream)} characters; only the first {MAX_STREAM} were read")
        stream = stream[:MAX_STREAM]
    if not state.mentions_post(stream):
        return
    found = list(rows(stream))
    texts = {ident: text for ident, kind, text in found if kind == "text"}
    referred = set()

    def inline(m):
        ident = m.group(1)
        text = texts.get(ident)
        if text is None or ident in referred:
            return m.group(0)  # (a text is read once, where it is first referred to)
        referred.add(ident)
        return json.dumps(text)

    for _ident, kind, text in found:
        if kind == "json":
            if texts:
                text = _REFERENCE.sub(inline, text)
            if not state.mentions_post(text):
                continue
            try:
                value = jsonvalue.loads(text)
            except (ValueError, RecursionError):
                continue  # a row this reading does not know (a module reference, an error)
            state.walk(scan, el, value, source=SOURCE)
    for sub, (ident, kind, text) in enumerate(found):
        if kind == "text" and ident not in referred and state.mentions_post(text):
            scan.payload(el, text, blocked_by="state-json", recovered_from=SOURCE, sub=sub)
