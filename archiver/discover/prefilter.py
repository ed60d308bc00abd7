"""Which elements of a parsed document discovery looks at.

Most elements of a news page (paragraphs, links, images, layout boxes) can never hold an
embed, and detectors.inspect() returns for them after a dictionary lookup. Building a
Python object and an attribute dict for each of them costs more than parsing the page,
so a C pass (_prefilter.c) walks lexbor's tree instead and hands over only the elements
inspect() would act on, with their attributes, their position and, for scripts and
other text containers, their text. The rules it applies come from the detectors' own
constants (configure() below), and a fallback walks every element in Python when the
extension is not built or fails its self-check.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Iterator, Optional

from selectolax import lexbor as _lexbor
from selectolax.lexbor import LexborHTMLParser

from . import consent, detectors, meta, scripts, state, urls

try:
    from . import _prefilter
except ImportError:  # built without a C compiler: every element goes through Python
    _prefilter = None

DISABLE_ENV = "ARCHIVER_PURE_PYTHON_DISCOVERY"
# Each candidate's path costs its depth (to build, and to follow); a page nested thousands
# deep with a candidate at every level would cost depth squared. Past this many steps in
# all, no more candidates are offered and the walk says it is incomplete.
MAX_PATH_STEPS = 1_000_000

# What the C pass looks for in a script's text, bit k for literal k.
SCRIPT_LITERALS = state.POST_LITERALS + scripts.JS_EXTRA_LITERALS


def _rules() -> dict:
    return {
        "frames": sorted(detectors.FRAMES),
        "containers": sorted(detectors.CONTAINERS),
        "meta_tags": sorted(detectors.META_TAGS),
        "card_tags": sorted(detectors.CARD_TAGS),
        "meta_names": sorted(meta.META_NAMES),
        "skip_attrs": sorted(detectors.SKIP_ATTRS),
        "named_id_attrs": sorted(detectors.NAMED_ID_ATTRS),
        "generic_id_attrs": sorted(detectors.GENERIC_ID_ATTRS),
        "payload_attrs": sorted(consent.PAYLOAD_ATTRS),
        "url_attrs": sorted(detectors.LAZY_ATTRS | set(consent.SRC_ATTRS)),
        "provider_attrs": sorted(detectors.PROVIDER_ATTRS),
        # (" yt-", "-yt ", "_yt" and "yt_" all hold "yt": a word stripped of them is still in every match)
        "platform_words": sorted({word.strip(" -_") for word, _ in detectors.PLATFORM_WORDS}),
        "player_literals": list(urls.PLAYER_LITERALS),
        "notice_words": list(consent.NOTICE_WORDS),
        "class_tool_literals": list(consent.CLASS_TOOL_LITERALS),
        "not_embed_words": list(detectors.NOT_EMBED_WORDS),
        "not_embed_words_alone": list(detectors.NOT_EMBED_WORDS_ALONE),
        "blockquote_classes": list(detectors.BLOCKQUOTE_EMBEDS),
        "tool_attrs": sorted(set(consent.SRC_ATTRS) | set(consent.MARK_ATTRS) | {"data-name"}),
        "script_plain_attrs": sorted(detectors.SCRIPT_PLAIN_ATTRS),
        "json_types": sorted(scripts.JSON_TYPES),
        "js_types": sorted(scripts.JS_TYPES),
        "state_ids": sorted(scripts.STATE_IDS),
        "hints": list(detectors.HINT_LITERALS),
        "card_words": list(detectors.CARD_WORDS),
        "script_needles": list(SCRIPT_LITERALS),
        "script_follows": list(state.POST_FOLLOWS) + [()] * len(scripts.JS_EXTRA_LITERALS),
        "slash_forms": list(state.SLASH_FORMS),
        "json_needles": list(state.RAW_JSON_LITERALS),
        "json_keys": list(state.RAW_JSON_KEYS),
        "hosts": list(state.HOSTISH_LITERALS),
        "widget_words": list(detectors.WIDGET_WORDS),
        "noscript_levels": detectors.NOSCRIPT_LEVELS,
        "widget_levels": detectors.WIDGET_LEVELS,
    }


_LOOKED = 1 << 63  # set in the mask when the C pass searched the script's text


@lru_cache(maxsize=1024)  # (pages repeat the same few masks)
def _literals(mask: int) -> Optional[frozenset]:
    """The SCRIPT_LITERALS a script's text contains, or None when the C pass did not look."""
    if not mask & _LOOKED:
        return None
    return frozenset(literal for bit, literal in enumerate(SCRIPT_LITERALS) if mask >> bit & 1)


class Locator:
    """Finds the selectolax node at a path of child indexes (as the C pass reports them).
    It keeps the chain of nodes it reached last: the next path shares a prefix with it
    (candidates come in document order), so a lookup starts where the two part, from the
    last node reached at that depth when it lies to the left. O(depth + siblings passed)."""

    def __init__(self, root):
        self.root = root
        self._indexes: list[int] = []  # the last path resolved
        self._nodes: list = []         # the node at each of its depths

    def resolve(self, path: tuple):
        indexes, nodes = self._indexes, self._nodes
        shared = 0
        limit = min(len(indexes), len(path))
        while shared < limit and indexes[shared] == path[shared]:
            shared += 1
        if shared == len(path):
            return nodes[shared - 1] if shared else self.root
        index = path[shared]
        if shared < len(indexes) and indexes[shared] < index:
            at, child = indexes[shared], nodes[shared]  # a sibling to the left: walk on from it
        else:
            at, child = 0, (nodes[shared - 1] if shared else self.root).child
        del indexes[shared:], nodes[shared:]
        for depth in range(shared, len(path)):
            index = path[depth]
            if depth > shared:
                at, child = 0, nodes[-1].child
            while at < index and child is not None:
                child = child.next
                at += 1
            if child is None:
                del indexes[:], nodes[:]
                raise LookupError(f"no node at {path}")
            indexes.append(index)
            nodes.append(child)
        return nodes[-1]


class LazyNode:
    """Stands for a candidate's selectolax node; looked up only when a detector needs more
    than the tag, attributes and text the C pass already gave."""

    __slots__ = ("_locator", "_path", "_text", "_node", "script_literals", "_address", "_ancestry")

    def __init__(self, locator: Locator, path: tuple, text: Optional[str], literals: int, address: int):
        self._locator, self._path, self._text, self._node = locator, path, text, None
        # Which of SCRIPT_LITERALS a script's text contains (None: not looked for).
        self.script_literals = _literals(literals)
        self._address, self._ancestry = address, None  # (the locator keeps its tree alive)

    def notice_boxes(self, limit: int) -> int:
        """Bits 1, 2, 4: the previous sibling, next sibling, parent may show a consent
        tool's notice (text of at most limit characters, with a notice word): see
        consent.placeholder_text_tool, which asks this."""
        return _prefilter.notice_boxes(self._address, limit)

    def ancestry(self) -> int:
        """1: inside a <noscript>, 2: inside a feed or sidebar (see detectors.inside_noscript
        and _in_widget, which ask this)."""
        if self._ancestry is None:
            self._ancestry = _prefilter.ancestry(self._address)
        return self._ancestry

    def _resolve(self):
        if self._node is None:
            self._node = self._locator.resolve(self._path)
        return self._node

    def text(self, deep: bool = True, separator: str = "", strip: bool = False, skip_empty: bool = False) -> str:
        if self._text is not None and not deep and not separator and not strip and not skip_empty:
            return self._text  # the element's own text, as the C pass read it
        if deep and not strip and not skip_empty:
            return _prefilter.node_text(self._address, separator)
        return self._resolve().text(deep=deep, separator=separator, strip=strip, skip_empty=skip_empty)

    @property
    def html(self) -> str:
        return _prefilter.node_html(self._address)

    def links(self) -> list:
        """The href of each <a href> in this element, as [a.attributes.get("href") or ""
        for a in node.css("a[href]")] gives them (see detectors.hrefs, which asks this)."""
        return _prefilter.node_links(self._address)

    def __getattr__(self, name):
        return getattr(self._resolve(), name)


def _bind() -> bool:
    if _prefilter is None or os.environ.get(DISABLE_ENV):
        return False
    try:
        _prefilter.bind(_lexbor.__file__)
        _prefilter.configure(_rules())
    except (OSError, KeyError, TypeError, ValueError):
        return False
    return _self_check()


_SAMPLE = ("<!doctype html><html lang=en><head><title>T é</title><script type='application/json' id=s>"
           "{\"tweetId\": \"1\"}</script></head><body><!-- c --><p>x<b>y</b></p><template><i>t</i></template>"
           "<div data-x='1' data-empty><span>ü</span><iframe src='https://www.youtube.com/embed/abc'></iframe>"
           "<a href='/l'>l &amp; <b>m</b></a><a href>n</a></div>"
           "<svg><use xlink:href='#a'></use><a xlink:href='#b'>s</a></svg></body></html>")


def _self_check() -> bool:
    """The C pass reads lexbor's tree through selectolax's own exported functions and one
    struct layout; check it agrees with selectolax's API before trusting it."""
    tree = LexborHTMLParser(_SAMPLE)
    try:
        count, items, complete = _prefilter.walk(tree.root.mem_id, False, True, 10_000, MAX_PATH_STEPS, True)
    except Exception:
        return False
    nodes = tree.css("*")
    if not complete or count != len(nodes) or len(items) != len(nodes):
        return False
    locator = Locator(tree.root)
    for (index, tag, attrs, path, text, _, address), node in zip(items, nodes):
        if (tag != node.tag or attrs != node.attributes or text != node.text(deep=False)
                or locator.resolve(path).mem_id != node.mem_id or address != node.mem_id
                or _prefilter.node_html(address) != node.html
                or _prefilter.node_text(address, " ") != node.text(deep=True, separator=" ")
                or _prefilter.node_links(address) != detectors.hrefs(node)):
            return False
    return True


ENABLED = _bind()

# Whether a text holds one of detectors.HINT_LITERALS / state.HOSTISH_LITERALS (the C
# search, or the same test as a regular expression).
if ENABLED:
    names_hint, names_host = _prefilter.hints_in, _prefilter.hosts_in
else:
    names_hint = lambda text: detectors.HINT.search(text) is not None  # noqa: E731
    names_host = lambda text: state.HOSTISH.search(text) is not None  # noqa: E731


def walk(tree: LexborHTMLParser, *, linked: bool, top: bool, limit: int) -> tuple[int, Iterator, bool]:
    """(elements in the tree, iterator of (index, tag, attributes, node), complete) for the
    elements inspect() has to see; only the first `limit` elements are offered. complete is
    False when the C pass stopped offering candidates of a page nested too deeply."""
    root = tree.root
    if root is None:
        return 0, iter(()), True
    if ENABLED:
        count, items, complete = _prefilter.walk(root.mem_id, linked, top, max(0, limit), MAX_PATH_STEPS)
        locator = Locator(root)
        return count, ((index, tag, attrs, LazyNode(locator, path, text, literals, address))
                       for index, tag, attrs, path, text, literals, address in items), complete
    nodes = tree.css("*")  # elements only, in document order, root first
    shown = nodes[: max(0, limit)]
    return len(nodes), ((index, node.tag, node.attributes, node) for index, node in enumerate(shown)), True


def json_index(text: str, start: int, *, in_bytes: bool = False, prune_min: int = state.PRUNE_MIN,
               max_depth: int = state.MAX_PRUNE_DEPTH):
    """The index of the JSON object or array at `start` in `text` (a character offset, or a
    byte offset with in_bytes): (members, [(ordinal, begin, end, index)...]) for the members
    whose raw text holds what state.walk acts on, with their byte spans and, for those that
    are containers of more than prune_min bytes, their own index (down to max_depth levels
    below this one; else None). None when the C scanner is unavailable or cannot follow the
    text there."""
    if not ENABLED:
        return None
    try:
        return _prefilter.json_index(text, start, in_bytes, prune_min, max_depth + 1)
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form: walk it all instead
        return None


def json_value(text: str, start: int) -> Optional[bytes]:
    """The UTF-8 text of the JSON object or array at character `start`, to its closing
    bracket; None when the C pass is off or finds none there."""
    if not ENABLED:
        return None
    try:
        return _prefilter.json_value(text, start)
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form
        return None
