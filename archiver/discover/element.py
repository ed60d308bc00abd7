"""One element as the detectors see it."""
from __future__ import annotations

import re
import string

# HTML folds case and splits on whitespace the ASCII way (a Kelvin sign is not a "k", a
# no-break space does not separate classes).
HTML_SPACE = " \t\n\r\f"
_HTML_SPACES = re.compile(r"[ \t\n\r\f]+")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def ascii_lower(text: str) -> str:
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def class_and_id(attrs: dict) -> str:
    """An element's class and id, lower-cased, in one string (what words on a box are searched in)."""
    return ascii_lower((attrs.get("class") or "") + " " + (attrs.get("id") or ""))


def ancestors(node, levels: int, *, itself: bool = False):
    """The node's parent, its parent's parent..., at most `levels` of them (after the node
    itself, if asked)."""
    if itself:
        yield node
    parent = node.parent
    while parent is not None and levels > 0:
        yield parent
        parent, levels = parent.parent, levels - 1


class Element:
    """One element as the detectors see it: tag, attributes, document order."""

    __slots__ = ("node", "tag", "attrs", "order", "origin", "_classes")

    def __init__(self, node, tag, attrs, order, origin):
        self.node, self.tag, self.attrs, self.order, self.origin = node, tag, attrs, order, origin
        self._classes = None

    @property
    def classes(self) -> str:
        """The class attribute, lower-cased (token tests use ' x ' in f' {classes} ')."""
        if self._classes is None:
            cls = self.attrs.get("class")
            self._classes = _HTML_SPACES.sub(" ", ascii_lower(cls)).strip(" ") if cls else ""
        return self._classes

    def has_class(self, *names) -> bool:
        padded = f" {self.classes} "
        return any(f" {n} " in padded for n in names)
