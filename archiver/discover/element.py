"""One element as the detectors see it."""
from __future__ import annotations


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
            self._classes = " ".join((self.attrs.get("class") or "").lower().split())
        return self._classes

    def has_class(self, *names) -> bool:
        padded = f" {self.classes} "
        return any(f" {n} " in padded for n in names)
