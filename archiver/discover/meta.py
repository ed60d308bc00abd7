"""What a page says about itself: title, canonical URL, site name, language, date."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Optional

from ..models import PageMeta
from .text import collapse

_DATE_KEYS = ("article:published_time", "og:article:published_time", "datepublished", "publishdate",
              "pubdate", "date", "dc.date.issued", "dc.date", "sailthru.date", "parsely-pub-date",
              "article.published", "publish-date", "dcterms.created")
_LD_TYPES_WITH_DATE = re.compile(r"Article|Posting|Report|WebPage|NewsArticle|VideoObject", re.I)


def _meta_map(tree) -> dict:
    found = {}
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        name = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").strip().lower()
        if name and name not in found:
            found[name] = (attrs.get("content") or "").strip()
    return found


def normalise_date(value: Optional[str]) -> Optional[str]:
    """ISO 8601; converted to UTC (with Z) when the value carries a zone."""
    if not value:
        return None
    value = value.strip()
    text = value.replace("Z", "+00:00") if value.endswith("Z") else value
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return value[:64] or None
    if parsed.tzinfo is None:
        return parsed.isoformat()
    return parsed.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _json_ld(tree, budget: int = 2_000_000):
    """Objects from JSON-LD blocks, flattened one level through @graph and lists."""
    for node in tree.css('script[type="application/ld+json"]'):
        raw = node.text(deep=True) or ""
        if len(raw) > budget:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if isinstance(item, dict):
                yield item
                for sub in item.get("@graph", []) if isinstance(item.get("@graph"), list) else []:
                    if isinstance(sub, dict):
                        yield sub


def page_meta(tree) -> PageMeta:
    meta = _meta_map(tree)
    ld = list(_json_ld(tree))
    title = meta.get("og:title") or meta.get("twitter:title")
    if not title:
        node = tree.css_first("title")
        title = node.text() if node else None
    canonical = None
    node = tree.css_first('link[rel="canonical"][href]')
    if node:
        canonical = node.attributes.get("href")
    canonical = canonical or meta.get("og:url")
    site = meta.get("og:site_name") or meta.get("application-name")
    published = next((meta[k] for k in _DATE_KEYS if meta.get(k)), None)
    for item in ld:
        types = item.get("@type")
        types = " ".join(types) if isinstance(types, list) else str(types or "")
        if not site and isinstance(item.get("publisher"), dict):
            site = item["publisher"].get("name")
        if not published and _LD_TYPES_WITH_DATE.search(types) and isinstance(item.get("datePublished"), str):
            published = item["datePublished"]
    if not published:
        node = tree.css_first("time[datetime]")
        published = node.attributes.get("datetime") if node else None
    html_node = tree.css_first("html")
    lang = html_node.attributes.get("lang") if html_node else None
    lang = lang or meta.get("og:locale") or meta.get("content-language")
    return PageMeta(
        title=collapse(title) or None,
        canonical_url=(canonical or "").strip() or None,
        site_name=collapse(site if isinstance(site, str) else None) or None,
        lang=(lang or "").strip().replace("_", "-") or None,
        published_at=normalise_date(published),
    )
