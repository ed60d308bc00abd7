"""What a page says about itself: title, canonical URL, site name, language, date.

No extra pass over the document: the driver feeds the <html>, <title>, <meta>, <link> and
<time> elements of its one walk to a MetaCollector before the detectors run (the page's
own URL tells other articles' state apart), and the detectors feed JSON-LD scripts."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Optional

from ..models import PageMeta
from ..timeparse import parse_display_date
from . import jsonvalue
from .element import HTML_SPACE, ascii_lower
from .text import collapse
from .urls import url_path

_DATE_KEYS = ("article:published_time", "og:article:published_time", "datepublished", "publishdate",
              "pubdate", "date", "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date",
              "parsely-pub-date", "article.published", "publish-date", "date.release")
# The only <meta> names result() reads; the rest are not kept.
META_NAMES = frozenset(("og:title", "twitter:title", "og:url", "og:type", "og:site_name", "application-name", "og:locale",
                        "content-language") + _DATE_KEYS)
_LD_TYPES_WITH_DATE = re.compile(r"Article|Posting|Report|WebPage|VideoObject|Blog", re.I)
MAX_LD = 2_000_000


def _ld_type(names: str) -> re.Pattern:
    """A JSON-LD "@type" (alone or in a list, with or without schema.org's prefix) matching names."""
    return re.compile(r'"@type"\s*:\s*(?:\[[^\]]{0,200})?"(?:https?://schema\.org/)?(?:%s)"' % names)


_ARTICLE_LD = _ld_type(r"\w*(?:Article|Posting)")
# Written content other than articles, as a JSON-LD main item (a product's reviews are nested in it).
CONTENT_TYPES = frozenset({"Review", "Recipe", "HowTo"})
# A page about one product, as its JSON-LD's main item (not a news site's paywall, whose isPartOf
# says CreativeWork and Product) or its og:type says.
PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "IndividualProduct", "ProductModel"})
PRODUCT_OG_TYPES = ("product", "og:product")
_DISCUSSION = _ld_type("DiscussionForumPosting|QAPage")
_ZONE_WITHOUT_COLON = re.compile(r"([+-]\d{2})(\d{2})$")  # "+0200" -> "+02:00", as fromisoformat wants


def _types(item: dict) -> set:
    """A JSON-LD item's "@type" names, without schema.org's prefix."""
    types = item.get("@type")
    names = types if isinstance(types, list) else [types]
    return {name.rsplit("/", 1)[-1] for name in names if isinstance(name, str)}


def normalise_date(value: Optional[str], lang: Optional[str] = None) -> Optional[str]:
    """ISO 8601; converted to UTC (with Z) when the value carries a zone. A date written for
    readers, in any language ("23 mai 2023"), is read too, the page's language first; what
    cannot be read is kept as written."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    text = _ZONE_WITHOUT_COLON.sub(r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return parse_display_date(value, [lang] if lang else ()) or value[:64] or None
    if parsed.tzinfo is None:
        return parsed.isoformat()
    return parsed.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class MetaCollector:
    def __init__(self):
        self.meta: dict[str, str] = {}
        self.title: Optional[str] = None
        self.canonical: Optional[str] = None
        self.lang: Optional[str] = None
        self.ld: list[dict] = []
        self._ld_texts: list[str] = []
        self._ld_parsed = False
        self.time: Optional[str] = None

    def feed(self, tag: str, attrs: dict, node) -> None:
        if tag == "meta":
            name = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or ""
            name = ascii_lower(name.strip(HTML_SPACE))
            content = attrs.get("content")
            if name in META_NAMES and content and name not in self.meta:
                self.meta[name] = content.strip()
        elif tag == "link":
            if self.canonical is None and "canonical" in (attrs.get("rel") or "").lower().split() and attrs.get("href"):
                self.canonical = attrs["href"].strip()
        elif tag == "title":
            if self.title is None:
                self.title = node.text(deep=False)
        elif tag == "html":
            if self.lang is None and attrs.get("lang"):
                self.lang = attrs["lang"]
        elif tag == "time":
            if self.time is None and attrs.get("datetime"):
                self.time = attrs["datetime"]

    def page_url(self) -> Optional[str]:
        """The page's own URL as it states it: <link rel=canonical>, else og:url."""
        return self.canonical or self.meta.get("og:url")

    def without_article(self) -> Optional[str]:
        """Why the page has no article to embed posts, or None. It does not say it is an article
        or other written content (og:type, JSON-LD), and it is its site's home page (it states
        the site's root as its URL) or a product's page (its og:type or its JSON-LD's main item
        says product)."""
        og_type = self.meta.get("og:type", "").lower()
        if og_type.startswith("article") or self._ld_says(_ARTICLE_LD):
            return None
        main_types = set().union(*map(_types, self._json_ld()))
        if not CONTENT_TYPES.isdisjoint(main_types):
            return None
        if self._root_url():
            return "its site's home page (it states the site's root as its URL)"
        if og_type.startswith(PRODUCT_OG_TYPES) or not PRODUCT_TYPES.isdisjoint(main_types):
            return "a product's page (its og:type or JSON-LD says so)"
        return None

    def _root_url(self) -> bool:
        return url_path((self.page_url() or "").strip()) == "/"  # (a query names a page too: /?p=2895)

    def discussion(self) -> bool:
        """Whether the page says (in JSON-LD) that it is a forum thread or a question and its
        answers: its readers' posts are then its content."""
        return self._ld_says(_DISCUSSION)

    def _ld_says(self, pattern: re.Pattern) -> bool:
        return any(pattern.search(text) for text in self._ld_texts)

    def feed_json_ld(self, text: str) -> None:
        """Kept as text: parsed only if the <meta> tags leave the site or the date unknown."""
        if len(text) <= MAX_LD:
            self._ld_texts.append(text)

    def _json_ld(self) -> list[dict]:
        """The JSON-LD items of the page (and of their @graph), parsed once (the texts are kept
        for _ld_says)."""
        if not self._ld_parsed:
            self._ld_parsed = True
            for text in self._ld_texts:
                if len(self.ld) > 50:
                    break
                try:
                    data = jsonvalue.loads(text)
                except (ValueError, RecursionError):
                    continue
                for item in data if isinstance(data, list) else [data]:
                    if isinstance(item, dict):
                        self.ld.append(item)
                        graph = item.get("@graph")
                        if isinstance(graph, list):
                            self.ld.extend(sub for sub in graph if isinstance(sub, dict))
        return self.ld

    def result(self) -> PageMeta:
        meta = self.meta
        title = meta.get("og:title") or meta.get("twitter:title") or self.title
        canonical = self.page_url()
        site = meta.get("og:site_name") or meta.get("application-name")
        published = next((meta[k] for k in _DATE_KEYS if meta.get(k)), None)
        for item in self._json_ld() if not (site and published) else ():
            types = item.get("@type")
            types = " ".join(map(str, types)) if isinstance(types, list) else str(types or "")
            publisher = item.get("publisher")
            if not site and isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
                site = publisher["name"]
            if not published and _LD_TYPES_WITH_DATE.search(types) and isinstance(item.get("datePublished"), str):
                published = item["datePublished"]
        published = published or self.time
        lang = self.lang or meta.get("og:locale") or meta.get("content-language")
        return PageMeta(
            title=collapse(title) or None,
            canonical_url=(canonical or "").strip() or None,
            site_name=collapse(site) or None,
            lang=(lang or "").strip().replace("_", "-") or None,
            published_at=normalise_date(published, (lang or "").strip().replace("_", "-") or None),
        )
