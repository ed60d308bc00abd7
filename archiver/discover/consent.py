"""Consent tools: which tool hid an element, and the containers whose text is the
original embed code (templates, textareas, commented style blocks).

One rule per tool, as data: the attribute or class a tool leaves on what it blocks.
Payloads found here go back through the same detectors (Scanner.payload)."""
from __future__ import annotations

import re

from .element import Element

# Attributes in which a consent tool parks the real src of a blocked iframe or script.
SRC_ATTRS = {
    "data-cmp-src": "consentmanager",
    "data-cookieblock-src": "cookiebot",
    "uc-src": "usercentrics",
    "data-uc-src": "usercentrics",
    "data-src-cmplz": "complianz",
    "data-cmplz-src": "complianz",
    "suppressedsrc": "iubenda",
    "data-suppressedsrc": "iubenda",
    "data-didomi-src": "didomi",
    "data-tarteaucitron-src": "tarteaucitron",
    "data-ot-src": "onetrust",
    "data-consent-src": "consent",
}
# Attributes that mark an element as blocked by a tool (without holding the URL).
MARK_ATTRS = {
    "data-cookieconsent": "cookiebot",
    "data-cookieblock": "cookiebot",
    "data-usercentrics": "usercentrics",
    "data-cmp-vendor": "consentmanager",
    "data-cmp-purpose": "consentmanager",
    "data-borlabs-cookie-content": "borlabs",
    "data-borlabs-cookie-script-blocker-id": "borlabs",
    "data-borlabs-script-blocker-id": "borlabs",
    "data-cmplz-category": "complianz",
    "data-category": "complianz",
    "data-didomi-purposes": "didomi",
    "data-didomi-vendor": "didomi",
}
# Attributes whose value is the blocked embed code itself (base64 or escaped HTML).
PAYLOAD_ATTRS = {
    "data-borlabs-cookie-content": "borlabs",
}
_CLASS_TOOLS = [
    (r"\b(?:youtube_player|twitterembed-canvas|twitter_embed|vimeo_embed|instagram_post|facebook_post|"
     r"dailymotion_player|tiktok_player|tac_\w+|tarteaucitron\w*)\b", "tarteaucitron"),
    (r"\bcmplazyload\b", "consentmanager"),
    (r"\boptanon-category-", "onetrust"),
    (r"\b_iub_cs_activate", "iubenda"),
    (r"\bcmplz-", "complianz"),
    (r"\b(?:_brlbs|brlbs-|borlabs)", "borlabs"),
    (r"\bembed-privacy", "embed-privacy"),
    (r"\bklaro\b", "klaro"),
    (r"\bdidomi", "didomi"),
    (r"\b(?:uc-embedding|uc-)", "usercentrics"),
    (r"\bcookiebot|\bcookieconsent-optin", "cookiebot"),
]
# One search for all of them: group k matched means tool k (the first listed wins a tie at one position,
# and the leftmost match wins overall, as the class names are read left to right).
_CLASS_TOOL = re.compile("|".join(f"({pattern})" for pattern, _ in _CLASS_TOOLS))
# Every match contains one of these; most class lists contain none (a cheap test first).
CLASS_TOOL_LITERALS = ("_player", "twitter", "_embed", "_post", "tac_", "tarteaucitron", "cmplazyload", "optanon",
                        "_iub_", "cmplz", "brlbs", "borlabs", "embed-privacy", "klaro", "didomi", "uc-", "cookie")
_SCRIPT_TYPES = {"didomi": "didomi", "text/plain": None, "text/template": None, "text/html": None,
                 "text/x-template": None}
_COMMENT = re.compile(r"<!--|-->")
_TEMPLATE_TAGS = re.compile(r"^<template[^>]*>|</template>$")
_BASE64_START = re.compile(r"^[A-Za-z0-9+/=\s]{16,}$")
_ANCESTOR_LEVELS = 6


def tool_of(el) -> str | None:
    """The consent tool that blocked this element, from its own attributes and class."""
    attrs = el.attrs
    for name in attrs:
        tool = SRC_ATTRS.get(name) or MARK_ATTRS.get(name)
        if tool:
            return tool
    if "data-name" in attrs and "data-src" in attrs:
        return "klaro"  # Klaro's contextual blocking: <iframe data-name="youtube" data-src=...>
    classes = el.classes
    if classes:
        m = _CLASS_TOOL.search(classes) if any(word in classes for word in CLASS_TOOL_LITERALS) else None
        if m:
            return _CLASS_TOOLS[m.lastindex - 1][1]
    stype = (attrs.get("type") or "").lower()
    if stype.startswith("didomi/"):
        return "didomi"
    return None


def tool_near(el) -> str | None:
    """The tool named by the element or one of its nearest ancestors (template payloads
    sit inside the tool's placeholder box)."""
    tool = tool_of(el)
    if tool or el.node is None:
        return tool
    parent = el.node.parent
    levels = _ANCESTOR_LEVELS
    while parent is not None and levels > 0 and parent.tag and parent.tag[0] != "-":
        tool = tool_of(Element(parent, parent.tag, parent.attributes, (), None))
        if tool:
            return tool
        parent = parent.parent
        levels -= 1
    return None


def inspect_container(el, scan) -> None:
    """<template>, <textarea>, <style type=text/template>: text that is markup, not shown."""
    tag = el.tag
    node = el.node
    if tag == "template":
        text = node.html or ""
        text = _TEMPLATE_TAGS.sub("", text)
        label = "template"
    elif tag == "style":
        if (el.attrs.get("type") or "").lower() in ("", "text/css"):
            return  # a stylesheet naming embed classes is not an embed
        text = _COMMENT.sub("", node.text(deep=False) or "")
        label = f"style[type={el.attrs.get('type')}]"
    else:
        text = node.text(deep=False) or ""
        label = tag
    if "<" not in text and tag != "template":
        if not el.attrs.get("data-borlabs-cookie-content"):
            return
    tool = tool_near(el)
    got = scan.payload(el, text, blocked_by=tool or label, recovered_from=label, allow_base64=True)
    if not got and tool:
        scan.placeholder(tool, f"{label} with no post in it", text)


def script_payload(el, scan, stype: str, text: str) -> bool:
    """A non-JavaScript script (didomi/html, text/template, text/plain...) holding embed code
    (text: the script's own text, not blank). Returns False when the script is JavaScript
    after all (a blocked loader)."""
    label = f"script[type={stype}]"
    head = text[:4000].lstrip()  # (a script may be megabytes long: only its start is looked at here)
    if head[:1] == "<" or "<iframe" in text or "<blockquote" in text or (
            head[:1] not in "{[(/" and _BASE64_START.match(head[:2000])):
        tool = tool_near(el)
        got = scan.payload(el, text, blocked_by=tool or label, recovered_from=label, allow_base64=True)
        if not got and tool:
            scan.placeholder(tool, f"{label} with no post in it", text)
        return True
    return False


# Texts consent tools put in the box that replaces an embed (tool, phrase), lower-case.
_PLACEHOLDER_TEXTS = (
    ("didomi", "access to this content has been blocked in order to respect your choice of consent"),
    ("didomi", "l'accès à ce contenu a été bloqué afin de respecter votre choix de consentement"),
    ("consent", "zustimmen und inhalt laden"),
    ("consent", "externer inhalt"),
    ("consent", "ich bin damit einverstanden, dass mir externe inhalte angezeigt werden"),
    ("consent", "you need to accept cookies to see this content"),
    ("consent", "click to load the content"),
)
MAX_PLACEHOLDER_TEXT = 3000


def placeholder_text_tool(node) -> str | None:
    """The tool whose placeholder text sits right next to an embed (same small parent box)."""
    if node is None:
        return None
    for side in ("prev", "next", "parent"):
        box = getattr(node, side)
        if box is None or not box.tag or box.tag == "-comment":
            continue
        text = box.text(deep=True) or ""
        if len(text) > MAX_PLACEHOLDER_TEXT:
            continue
        low = " ".join(text.lower().split())
        for tool, phrase in _PLACEHOLDER_TEXTS:
            if phrase in low:
                return tool
    return None
