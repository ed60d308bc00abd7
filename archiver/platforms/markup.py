"""Post text that platforms send as HTML (Mastodon content, Telegram widgets) as plain text."""
from __future__ import annotations

import re
from typing import Optional

from selectolax.lexbor import LexborHTMLParser as HTMLParser, LexborNode as Node

_BREAK = re.compile(r"<br\s*/?>", re.I)
_PARAGRAPH = re.compile(r"</p>\s*<p(?:\s[^>]*)?>", re.I)
_COUNT = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([KMB]?)\s*$", re.I)


def html_text(html: Optional[str]) -> Optional[str]:
    """Text of an HTML fragment: <br> as a line break, paragraphs separated by a blank line."""
    if not html or not html.strip():
        return None
    html = _PARAGRAPH.sub("\n\n", _BREAK.sub("\n", html))
    body = HTMLParser(html).body
    text = body.text(separator="", strip=False) if body else ""
    text = text.replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() or None


def node_text(node: Optional[Node]) -> Optional[str]:
    return html_text(node.html) if node is not None else None


def link_targets(node: Optional[Node], skip_classes: tuple = ()) -> list[str]:
    """The absolute http(s) URLs a fragment links to, in order, once each."""
    found = []
    if node is None:
        return found
    for a in node.css("a[href]"):
        classes = (a.attributes.get("class") or "").split()
        href = (a.attributes.get("href") or "").strip()
        if any(c in classes for c in skip_classes) or not href.lower().startswith(("http://", "https://")):
            continue
        if href not in found:
            found.append(href)
    return found


def parse_count(value: Optional[str]) -> Optional[int]:
    """'2.38M' -> 2380000, '84.2K' -> 84200, '953' -> 953; anything else -> None."""
    if not value:
        return None
    m = _COUNT.match(value)
    if not m:
        return None
    if not m.group(2):  # no suffix: separators are thousands separators
        return int(re.sub(r"[.,]", "", m.group(1)))
    number = float(m.group(1).replace(",", "."))
    scale = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}[m.group(2).lower()]
    return int(round(number * scale))
