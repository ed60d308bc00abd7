"""The driver: parse a document once, read what the page says about itself, hand its
elements to the detectors in document order, and feed any recovered payload (consent
template, escaped attribute, state JSON string) back through the same walk,
depth-bounded. Then one embed per post."""
from __future__ import annotations

import base64
import binascii
import re
import sys
from dataclasses import dataclass
from typing import Optional

from selectolax.lexbor import LexborHTMLParser

from ..models import Discovery, Embed, Limits, Placeholder, PostRef
from . import detectors, flight, state
from .chrome import Layout
from .element import Element
from .meta import MetaCollector
from .text import Fallback
from .urls import UnsafeUrl, post_ref

MAX_DOCUMENT = 30_000_000      # characters of HTML we agree to parse
MAX_DEPTH = 4                  # payload inside payload inside ...
MAX_PAYLOADS = 400             # recovered payloads parsed per page
MAX_PAYLOAD_CHARS = 8_000_000  # total characters of recovered payloads per page
MAX_ELEMENTS = 400_000         # elements inspected per page (all payloads together, as the walk meets them)
MAX_HTML = 20_000              # stored embed markup
# Elements whose finds are the article's wherever they sit: an embed blockquote carries the
# post's own text, state and metadata describe the page.
_NOT_LAID_OUT = frozenset({"blockquote", "script", "meta", "html", "head", "body"})

# Why an embed was found: the detector that called Scanner.found, in words (stored as embeds.found_by).
RULES = {
    "_blockquote": "a platform's embed blockquote",
    "_attributes": "a platform URL in an attribute",
    "_id_attribute": "a post id in a data attribute",
    "_player_link": "a link to a platform's player",
    "_srcdoc": "a link in an iframe's srcdoc",
    "_card": "a post card the site renders itself",
    "_link": "a link in the article's text",
    "_meta": "a microdata embedUrl",
    "inspect_script": "a post URL or id in a script",
    "_embed_api_calls": "a post id handed to a platform's embed API",
    "_javascript": "a post URL in a script's code",
    "_string": "a post URL in the page's state JSON",
    "_lazy_frame": "a player's iframe attributes kept in a data attribute",
    "_id_named_post": "a post id in an element's id",
    "_thumbnail_facade": "a video's thumbnail under a play button (a click-to-play facade)",
    "_service_card": "an embed service's card (Embedly, Iframely)",
}

_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s_-]{16,}$")
_MARKUP = re.compile(r"<\s*[a-zA-Z!]")


@dataclass(frozen=True)
class Origin:
    """Where a recovered payload came from; every embed found inside inherits it."""

    blocked_by: Optional[str]
    recovered_from: Optional[str]
    depth: int = 0


@dataclass
class Find:
    order: tuple
    ref: PostRef
    blocked_by: Optional[str]
    recovered_from: Optional[str]
    fallback: Optional[Fallback]
    html: Optional[str]
    relation: str
    depth: int
    laid_out: object = None  # the page element whose place decides whether it is the site's chrome
    player: bool = False
    found_by: Optional[str] = None  # which rule found it, in which element (see RULES)
    markup_of: object = None  # the page's element whose markup is the embed's, read if this find is kept

    def markup(self) -> Optional[str]:
        html = self.html
        if html is None and self.markup_of is not None:
            html = self.markup_of.html  # (an element of the page itself: its tree is alive until the end)
        return html[:MAX_HTML] if html and len(html) > MAX_HTML else html

    def rank(self):
        """Richer records win the dedupe: embedded, plainly visible, with fallback text, first."""
        return (self.relation == "embedded", self.blocked_by is None, self.recovered_from is None,
                bool(self.fallback and self.fallback.text), -self.depth)


class Scanner:
    def __init__(self, *, linked: bool, base_url: Optional[str], max_embeds: int = Limits.embeds_per_page):
        self.linked = linked
        self.max_embeds = max_embeds
        self.posts: set[str] = set()  # distinct posts found, at most max_embeds
        self.base_url = base_url
        self.canonical = base_url  # the page's own URL as it states it (state of other articles differs)
        self.finds: list[Find] = []
        self.placeholders: list[Placeholder] = []
        self.problems: list[str] = []
        self.payloads = 0
        self.payload_chars = 0
        self.elements = 0
        self._warned = set()
        self.meta = MetaCollector()
        self.layout: Optional[Layout] = None  # the page's text block and chrome, once parsed
        self.in_chrome = 0  # finds left out as the site's chrome
        self.without_article = 0  # finds left out because the page has no article (meta.without_article)
        self.why_no_article: Optional[str] = None
        self._flight: list[str] = []  # the page's React Server Components chunks (flight.py)
        self._flight_el: Optional[Element] = None
        self.own: Optional[Embed] = None  # the page's own post, once embeds() has run

    # -- what detectors call -------------------------------------------------
    def found(self, el: Element, ref: Optional[PostRef], *, recovered_from: Optional[str] = None,
              blocked_by: Optional[str] = None, fallback: Optional[Fallback] = None,
              html: Optional[str] = None, relation: str = "embedded", sub: int = 0) -> bool:
        if ref is None:
            return False
        kept = relation != "linked" or self.linked  # unasked-for links are dropped in embeds()
        if kept and ref.post_id not in self.posts:
            if len(self.posts) >= self.max_embeds:  # a page naming thousands of posts: keep the first ones
                self.problem(f"more than {self.max_embeds} posts in this page; only the first {self.max_embeds} "
                             "were kept (ARCHIVER_MAX_EMBEDS)")
                return False
            self.posts.add(ref.post_id)
        origin = el.origin
        if origin is not None and origin.blocked_by:
            blocked_by, recovered_from = origin.blocked_by, origin.recovered_from
        elif origin is not None and origin.recovered_from and not recovered_from:
            recovered_from = origin.recovered_from
        if origin is None and recovered_from is None and el.node is not None and detectors.inside_noscript(el.node):
            recovered_from = "noscript"  # a copy for readers without JavaScript; the live embed may be gone
        markup_of = None
        if html is None and el.node is not None and relation == "embedded":
            if origin is None:
                markup_of = el.node  # (serialized only if kept: a page repeating one post in nested boxes)
            else:
                try:
                    html = el.node.html
                except Exception:  # a node from a torn-down tree: keep the find, not the markup
                    html = None
        if html and len(html) > MAX_HTML:
            html = html[:MAX_HTML]
        laid_out = (el.node if origin is None and el.node is not None and relation == "embedded"
                    and el.tag not in _NOT_LAID_OUT else None)
        self.finds.append(Find(el.order + (sub,), ref, blocked_by, recovered_from, fallback, html, relation,
                               origin.depth if origin else 0, laid_out, el.tag in detectors.FRAMES,
                               _found_by(sys._getframe(1).f_code.co_name, el.tag, recovered_from), markup_of))
        return True

    def flight_chunk(self, el: Element, chunk: str) -> None:
        """A chunk of the page's flight data, pushed by the script el."""
        if self._flight_el is None:
            self._flight_el = el
        self._flight.append(chunk)

    def problem(self, message: str) -> None:
        if message not in self._warned and len(self.problems) < 50:
            self._warned.add(message)
            self.problems.append(message)

    def placeholder(self, blocked_by: str, detail: str, html: Optional[str] = None) -> None:
        if len(self.placeholders) < 200:
            self.placeholders.append(Placeholder(blocked_by, detail, (html or "")[:MAX_HTML] or None))

    def payload(self, el: Element, text: str, *, blocked_by: Optional[str], recovered_from: str,
                allow_base64: bool = False, sub: int = 0) -> int:
        """Parse recovered content (HTML, base64 of HTML, or JSON) with the same detectors.
        Returns how many embeds it yielded, so a consent rule can record an empty placeholder."""
        outer = el.origin
        depth = (outer.depth if outer else 0) + 1
        if outer is not None and outer.blocked_by:  # the outermost gate names the embed
            blocked_by, recovered_from = outer.blocked_by, outer.recovered_from
        if not text or not text.strip():
            return 0
        if depth > MAX_DEPTH:
            self.problem(f"payload nested deeper than {MAX_DEPTH} levels in {recovered_from}; not followed")
            return 0
        if self.payloads >= MAX_PAYLOADS or self.payload_chars + len(text) > MAX_PAYLOAD_CHARS:
            self.problem("too many recovered payloads in this page; the rest were skipped")
            return 0
        self.payloads += 1
        self.payload_chars += len(text)
        origin = Origin(blocked_by, recovered_from, depth)
        before = len(self.finds)
        stripped = text.strip()
        if allow_base64 and not _MARKUP.search(stripped[:200]) and _BASE64.match(stripped[:4096]):
            decoded = _b64decode(stripped)
            if decoded is None:
                self.problem(f"invalid base64 in {recovered_from}")
                return 0
            return self.payload(Element(None, el.tag, el.attrs, el.order, origin), decoded,
                                blocked_by=blocked_by, recovered_from=recovered_from, allow_base64=True, sub=sub)
        if stripped[:1] in "{[" and not _MARKUP.match(stripped):
            state.scan_json_text(self, Element(None, el.tag, el.attrs, el.order + (sub,), origin), stripped,
                                 source=recovered_from, embed_context=True)
        elif _MARKUP.search(stripped):
            self.scan_html(stripped, origin, el.order + (sub,))
        elif allow_base64:
            self.problem(f"invalid base64 in {recovered_from} (neither markup nor base64)")
        return len(self.finds) - before

    # -- the walk --------------------------------------------------------------
    def scan_html(self, text: str, origin: Optional[Origin], prefix: tuple) -> None:
        tree = LexborHTMLParser(text)
        self.scan_tree(tree, origin, prefix, text)

    def scan_tree(self, tree, origin: Optional[Origin], prefix: tuple, text: str = "") -> None:
        """Walk a parsed document (text: its markup, which the page's layout reads for ids)."""
        if origin is None:
            self.layout = Layout(tree, text)
        if origin is None and tree.head is not None:
            # The page itself: what its <head> says about it is read before its embeds (the
            # page's own URL tells other articles' state apart); the rest as the walk meets it.
            for node in tree.head.css("meta, link, title"):
                self.read_meta(node.tag, node.attributes, node)
        if tree.root is not None:
            detectors.inspect(tree.root.traverse(), prefix, origin, self, MAX_ELEMENTS)
        if origin is None and self._flight:
            flight.scan_stream(self, self._flight_el, "".join(self._flight))

    def read_meta(self, tag: str, attrs: dict, node) -> None:
        """An <html>, <meta>, <link>, <title> or <time> element of the page itself (one met
        twice changes nothing: the first value of each kind is kept)."""
        if tag in detectors.META_TAGS:
            self.meta.feed(tag, attrs, node)
            if tag in ("link", "meta"):
                self.canonical = self.meta.page_url() or self.base_url

    # -- the result ------------------------------------------------------------
    def own_post(self) -> Optional[Embed]:
        """The post whose own page this is: the one the page's URL (as it states it) names (asked
        once the walk has ended)."""
        try:
            ref = post_ref(self.canonical or "")
        except UnsafeUrl:
            return None
        if ref is None:
            return None
        return Embed(platform=ref.platform, url=ref.url, native_id=ref.native_id, relation="self",
                     found_by="the page's own URL")

    def embeds(self) -> list[Embed]:
        best: dict[str, Find] = {}
        own = self.own = self.own_post()
        if self.layout is not None:
            self.layout.comments_are_content = self.meta.discussion()
        self.why_no_article = self.meta.without_article()
        for find in self.finds:
            if own is not None and find.ref.post_id == own.post_id:
                continue  # the page's own post (a thread's, a video's page) is not an embed of itself
            if self.why_no_article and find.relation == "embedded":
                self.without_article += 1  # the site's own players and other articles' embeds: no article here
                continue
            kept = best.get(find.ref.post_id)
            if kept is not None and kept.rank() >= find.rank():
                continue  # (no better than the find kept: where it sits changes nothing)
            if find.laid_out is not None and self.layout is not None and self.layout.in_chrome(
                    find.laid_out, player=find.player):
                self.in_chrome += 1  # a footer's, related box's or "more videos" list's player: not the article's
                continue
            key = find.ref.post_id
            if find.relation == "linked" and not self.linked:
                continue
            kept = best.get(key)
            if kept is None or find.rank() > kept.rank():
                best[key] = find
        ordered = sorted(best.values(), key=lambda f: f.order)
        out = []
        for position, f in enumerate(ordered):
            fb = f.fallback or Fallback()
            out.append(Embed(platform=f.ref.platform, url=f.ref.url, native_id=f.ref.native_id, position=position,
                             blocked_by=f.blocked_by, recovered_from=f.recovered_from, fallback_text=fb.text,
                             fallback_author=fb.author, fallback_handle=fb.handle, fallback_date=fb.date,
                             html=f.markup(), relation=f.relation, found_by=f.found_by))
        return out


def _found_by(detector: str, tag: str, recovered_from: Optional[str]) -> str:
    """'a platform's embed blockquote, <blockquote>, recovered from script[type=didomi/html]'."""
    # The caller is named rather than passed by every detector: one table here stays in step with them.
    words = f"{RULES.get(detector, detector.strip('_').replace('_', ' '))}, <{tag}>"
    return f"{words}, recovered from {recovered_from}" if recovered_from else words


def _b64decode(text: str) -> Optional[str]:
    compact = "".join(text.split())
    compact += "=" * (-len(compact) % 4)
    try:
        raw = base64.b64decode(compact, altchars=b"-_" if ("-" in compact or "_" in compact) else None,
                               validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def discover_document(text: str, base_url: Optional[str] = None, *, linked: bool = False,
                      max_embeds: int = Limits.embeds_per_page) -> Discovery:
    """Every post the document embeds (and with linked=True, every post its text links to),
    at most max_embeds of them."""
    result = Discovery()
    if not isinstance(text, str):
        result.problems.append("document is not text")
        return result
    if len(text) > MAX_DOCUMENT:
        result.problems.append(f"document larger than {MAX_DOCUMENT} characters; the rest was not read")
        text = text[:MAX_DOCUMENT]
    tree = LexborHTMLParser(text)
    scanner = Scanner(linked=linked, base_url=base_url, max_embeds=max_embeds)
    scanner.scan_tree(tree, None, (), text)
    result.embeds = scanner.embeds()
    result.own_post = scanner.own
    result.meta = scanner.meta.result()
    result.placeholders = scanner.placeholders
    result.problems.extend(scanner.problems)
    if scanner.without_article:
        result.problems.append(f"the page is {scanner.why_no_article} and does not say it is an article: its "
                               f"{scanner.without_article} player(s) or post(s) are not taken as embeds of an article")
    if scanner.in_chrome:
        result.problems.append(f"{scanner.in_chrome} player(s) or placeholder(s) in the site's chrome (footer, "
                               "navigation, related or more-videos lists) not taken as embeds of the article")
    return result
