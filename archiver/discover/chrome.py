"""The article and the site's chrome: footers, navigation, related content and "more
videos" lists are not the article, and a player there is not one of its embeds.

Boilerplate detection in the style of trafilatura, kept small. The article's text is
where most of the page's paragraphs sit: the element whose <p> children hold the most text
(looked up once a find asks where it sits) is the text block, and everything above it
contains the article.
An element among the paragraphs of the text block, or inside an <article> or <main>, is the
article's. Else it is chrome when, on its way up to the first element that contains the
text block, it passes a box the page marks as chrome (<footer>, <nav>, or a class or id
saying footer, related, recommended, most read...); and a player is, when the box it sits
in there holds three or more players and little text: a list of videos (an article's own
videos sit between its paragraphs); or when a title just before it on that way says what a
site calls its own picks ("Recommended videos", "Video rekomendasi", "Weitere Videos").
Apart from the text block, an element in an item of a list (one of three or more <li> of
the same class) inside a sidebar is in a feed of the site's, not in the article; so is one in
a widget of a sidebar (that does not hold the text block) under a title that promotes the
site's own channel or following it ("Follow on YouTube", "From our YouTube channel",
"Suscríbete"), or one in a sidebar widget that holds three or more players. And readers'
comments are not the article, wherever they sit and however much text they hold: an element
inside a comment section or one comment (the boxes CMSs and comment services give them, or
schema.org Comment microdata) is not the article's; unless the page says it is a forum thread
or a question with its answers (schema.org DiscussionForumPosting, QAPage in its JSON-LD): its
posts are then its content, however its software marks them. A player in a dialog of the site's
is not the article's either: a site builder's popup template, or a modal placed after the footer
whose id nothing on the page names (no trigger opens it from the article).

Words on boxes above the text block do not count: a wrapper "with-footer" contains the
article itself. A sidebar is not ruled out as such: a video a site places beside one
article is often that article's; a feed of posts, updates or videos there, or the site's
promotion of its channel, is not.
"""
from __future__ import annotations

import re

from .element import ascii_lower, class_and_id

CHROME_TAGS = frozenset({"footer", "nav"})
CONTENT_TAGS = frozenset({"article", "main"})
# (in lower-cased class and id, not right after a letter)
CHROME_WORDS = ("footer", "related", "recommend", "most-read", "popular", "trending", "more-videos",
                "latest-videos", "video-list", "videolist")
_CHROME_WORDS = re.compile(r"(?<![a-z])(?:" + "|".join(map(re.escape, CHROME_WORDS)) + ")")
MIN_TEXT = 200        # characters of paragraphs in one element below which a page has no text block
MAX_LEVELS = 40       # ancestors looked at
LIST_PLAYERS = 3      # players in one box, with little text, that make a list of videos
LIST_TEXT = 200       # characters of text per player that such a box holds at most
_PLAYERS = "iframe, video, object, embed, lite-youtube"
FEED_ITEMS = 3        # same-tag, same-class siblings that make a list of items
MAX_DIALOG_IDS = 20   # dialog ids looked for in the page's markup, per page
MAX_SIBLINGS = 300    # siblings looked at to count them
TITLES_BEFORE = 3     # elements looked at before each box on the way up for its title
MAX_TITLE = 80        # characters of a title
# A box's title: a heading, or an element whose class or id says title, header or label.
_SIDEBAR = re.compile(r"(?<![a-z])(?:sidebar|side-bar|rail)")
_TITLE_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "header", "legend"})
_TITLE_WORDS = re.compile(r"title|head|label|caption")
_WIDGET = re.compile(r"(?<![a-z])widget")
_DIALOG_WORDS = re.compile(r"(?<![a-z])(?:modal|popup|lightbox)")  # (in lower-cased class and id)
# What sites call their own picks in a box's title, in the languages of the pages seen (in
# lower-cased text): recommended, related, more or latest videos, most watched, watch next.
PICKS_WORDS = ("recommend", "rekomendasi", "empfohlen", "empfehlung", "recomendad", "recommandé", "consigliat",
               "raccomandat", "polecan", "önerilen", "related", "terkait", "verwandt", "relacionad", "correlat",
               "more videos", "latest videos", "video lainnya", "video terbaru", "video terkini", "weitere videos",
               "neueste videos", "más videos", "mais vídeos", "plus de vidéos", "autres vidéos", "altri video",
               "watch next", "up next", "most watched", "most viewed", "meistgesehen", "más vistos", "mais vistos",
               "おすすめ", "関連", "推荐", "相关", "추천", "관련", "рекоменд", "похожие", "другие видео")
_PICKS = re.compile("|".join(map(re.escape, PICKS_WORDS)))
# What a sidebar widget's title says to promote the site's own channel or following it, in the
# languages of the pages seen and a few more (in lower-cased text).
PROMO_WORDS = ("follow us", "follow me", "follow on", "subscribe", "our channel", "our youtube", "my channel",
               "my youtube", "youtube channel", "síguenos", "suscríbete", "nuestro canal", "canal de youtube",
               "siga-nos", "inscreva-se", "nosso canal", "canal do youtube", "canal no youtube", "suivez-nous",
               "abonnez-vous", "notre chaîne", "chaîne youtube", "folge uns", "folgt uns", "folgen sie uns",
               "abonnieren", "abonniere", "unser kanal", "unseren kanal", "youtube-kanal", "youtube kanal",
               "seguici", "iscriviti", "il nostro canale", "canale youtube", "ikuti kami", "kanal youtube",
               "volg ons", "abonneer", "ons kanaal", "obserwuj", "subskrybuj", "nasz kanał", "kanał youtube",
               "bizi takip", "abone ol", "kanalımız", "подписывайтесь", "подпишитесь", "наш канал",
               "チャンネル登録", "フォロー", "关注我们", "订阅", "频道", "구독", "팔로우", "채널")
_PROMO = re.compile("|".join(map(re.escape, PROMO_WORDS)))
# Readers' comments: a class (one token of it) or id that CMSs and comment services give a
# comment section or one comment (WordPress, Drupal, Blogger, Disqus...), lower-cased; a
# class "comment" alone only on the list item or <article> of one comment.
COMMENT_CLASSES = frozenset({"comments", "comment-list", "commentlist", "comments-list", "comment-content",
                             "comment-body", "comment-text", "comments-area", "comments-section", "comment-section",
                             "comment-thread", "comments-thread", "comment-respond", "comments-container",
                             "comments-wrapper", "disqus_thread", "wpd-comment", "wpdiscuz"})
COMMENT_IDS = frozenset({"comments", "comment-list", "commentlist", "comments-list", "comments-area",
                         "comments-section", "comment-section", "disqus_thread", "respond", "wpdiscuz"})
_COMMENT_ITEMS = frozenset({"li", "article"})
_COMMENT_SCHEMA = re.compile(r"schema\.org/(?:comment|usercomments)\b")


class Layout:
    """One page's text block, found when first asked for (after the walk)."""

    def __init__(self, tree, text: str = ""):
        self.tree = tree  # (keeps the nodes asked about alive)
        self.text = text  # the page's markup, where a dialog's id is looked for
        self._chain = None
        self._block = None  # the text block's mem_id
        self.comments_are_content = False  # a forum thread's page: its posts are marked as comments
        self._dialog_ids: dict = {}  # dialog id -> whether the page names it elsewhere

    def text_chain(self) -> frozenset:
        """The mem_id of the text block and of each of its ancestors (empty: no text block)."""
        if self._chain is None:
            self._chain = self._find()
        return self._chain

    def _find(self) -> frozenset:
        # (the paragraphs and their text are read only now: most pages are never asked,
        # having no embed to place)
        counts: dict = {}  # parent's mem_id -> characters of its paragraphs, in document order
        parents: dict = {}
        for paragraph in self.tree.css("p"):
            parent = paragraph.parent
            if parent is not None:
                key = parent.mem_id
                counts[key] = counts.get(key, 0) + len(paragraph.text() or "")
                parents.setdefault(key, parent)
        if not counts:
            return frozenset()
        key = max(counts, key=counts.get)
        if counts[key] < MIN_TEXT:
            return frozenset()
        self._block = key
        chain = set()
        node = parents[key]
        while node is not None:
            chain.add(node.mem_id)
            node = node.parent
        return frozenset(chain)

    def in_chrome(self, node, *, player: bool = False) -> bool:
        """Whether an element of this page sits in the site's chrome (see the module's
        docstring); player: the element is a player, which a list of videos also rules out."""
        if self._beside_article(node) or self._in_closed_dialog(node):
            return True
        chain = self.text_chain()
        way = [node]  # the element and the boxes it sits in, up to the one under the text block's chain
        parent, levels = node.parent, MAX_LEVELS
        while parent is not None and levels > 0:
            tag = parent.tag
            if tag in ("body", "html"):
                return False  # (a page's layout classes say "sidebar-right" there)
            if parent.mem_id in chain:
                if parent.mem_id == self._block:
                    return False  # among the article's paragraphs
                break
            if tag in CONTENT_TAGS:
                return False
            if tag in CHROME_TAGS:
                return True
            if tag and tag[0] != "-":
                attrs = parent.attributes
                words = class_and_id(attrs)
                if words != " " and _CHROME_WORDS.search(words):
                    return True
            way.append(parent)
            parent, levels = parent.parent, levels - 1
        else:
            return False
        branch = way[-1]
        if player and chain and branch is not node:
            players = len(branch.css(_PLAYERS))
            if players >= LIST_PLAYERS and len(branch.text(deep=True, strip=True) or "") < LIST_TEXT * players:
                return True
        # (the branch's own siblings are the article's parts: only boxes inside it are asked)
        return any(_picks_title(box) for box in way[:-1])

    def _in_closed_dialog(self, node) -> bool:
        """Whether an element sits in a dialog (a modal or popup box) of the site's: a site
        builder's popup template (shown site-wide, by its own triggers), or a dialog placed
        after the site's footer whose id the page names nowhere else (no trigger's href,
        data-target or aria-controls, no script of the page opens it). A dialog an article
        opens sits with the article or is named by its trigger; one without an id is left to
        the other rules."""
        dialog = None
        parent, levels = node.parent, MAX_LEVELS
        while parent is not None and levels > 0 and parent.tag not in ("body", "html"):
            tag = parent.tag
            if tag and tag[0] != "-":
                attrs = parent.attributes
                if attrs.get("data-elementor-type") == "popup":
                    return True
                ident = (attrs.get("id") or "").strip()
                if ident and _dialog_box(attrs):
                    if self._named_elsewhere(ident):
                        return False  # (a dialog's boxes: any of them may be the one its trigger names)
                    dialog = parent
            parent, levels = parent.parent, levels - 1
        return dialog is not None and _after_footer(dialog)

    def _named_elsewhere(self, ident: str) -> bool:
        """Whether an id appears in the page's markup more than once, as a whole name. (Each id
        is looked for once, and at most MAX_DIALOG_IDS of them per page: past that, a page full
        of dialogs is taken to name them all.)"""
        named = self._dialog_ids.get(ident)
        if named is None:
            if len(self._dialog_ids) >= MAX_DIALOG_IDS:
                return True
            names = re.finditer(r"(?<![\w-])" + re.escape(ident) + r"(?![\w-])", self.text)
            named = self._dialog_ids[ident] = next(names, None) is not None and next(names, None) is not None
        return named

    def _beside_article(self, node) -> bool:
        """Whether an element sits in readers' comments (a comment section, or one comment),
        anywhere; or, below any <article> or <main>, in a sidebar (one that does not hold the
        text block, for its widgets) and there in an item of a feed or in a widget of the site's
        (see _side_widget): whatever text block the page seems to have (a short article beside a
        long stream)."""
        in_feed, side, way = False, True, [node]
        parent, levels = node.parent, MAX_LEVELS
        while parent is not None and levels > 0:
            tag = parent.tag
            if tag in ("body", "html"):
                return False
            if tag and tag[0] != "-":
                attrs = parent.attributes
                if not self.comments_are_content and _comment_box(tag, attrs):
                    return True
                if side and tag in CONTENT_TAGS:
                    side = False  # (comments are still looked for above)
                elif side:
                    if tag == "aside" or _SIDEBAR.search(class_and_id(attrs)):
                        if in_feed:
                            return True
                        if way is not None and parent.mem_id not in self.text_chain() and _side_widget(way, parent):
                            return True
                        way = None  # (only the nearest sidebar's widgets are asked)
                    if not in_feed and tag == "li":
                        in_feed = _feed_item(parent)
                    if way is not None:
                        way.append(parent)
            parent, levels = parent.parent, levels - 1
        return False


def _after_footer(box) -> bool:
    """Whether a box sits after the site's footer: its top-level box (a child of <body>)
    follows one that is or holds the page's footer."""
    top = box
    while top.parent is not None and top.parent.tag not in ("body", "html"):
        top = top.parent
    sibling, looked = top.prev, 0
    while sibling is not None and looked < MAX_SIBLINGS:
        tag = sibling.tag
        if tag == "footer" or (tag and tag[0] != "-" and tag not in ("script", "style", "noscript") and (
                sibling.attributes.get("role") == "contentinfo" or sibling.css_first("footer") is not None)):
            return True
        sibling, looked = sibling.prev, looked + 1
    return False


def _dialog_box(attrs: dict) -> bool:
    """Whether a box is a dialog: role=dialog, aria-modal, or a class or id saying modal, popup
    or lightbox."""
    if attrs.get("role") == "dialog" or attrs.get("aria-modal") == "true":
        return True
    words = class_and_id(attrs)
    return words != " " and _DIALOG_WORDS.search(words) is not None


def _side_widget(way: list, sidebar) -> bool:
    """Whether the boxes from an element up to (not including) the sidebar it sits in make a
    widget of the site's: one under a title that promotes the site's channel or following it,
    or one holding a feed of LIST_PLAYERS or more players. The widget is the nearest box (the
    sidebar too) whose class or id says widget, else the sidebar's child."""
    if any(_promo_title(box) for box in way):
        return True
    widget = way[-1]
    for box in way[1:] + [sidebar]:
        attrs = box.attributes
        words = (attrs.get("class") or "") + " " + (attrs.get("id") or "")
        if "idget" in words and _WIDGET.search(ascii_lower(words)):
            widget = box
            break
    return widget is not way[0] and len(widget.css(_PLAYERS)) >= LIST_PLAYERS


def _comment_box(tag: str, attrs: dict) -> bool:
    """Whether a box is a comment section or one comment (see COMMENT_CLASSES)."""
    ident = attrs.get("id")
    if ident and ascii_lower(ident) in COMMENT_IDS:
        return True
    cls = attrs.get("class")
    if cls and ("omment" in cls or "isqus" in cls):
        tokens = ascii_lower(cls).split()
        if not COMMENT_CLASSES.isdisjoint(tokens) or (tag in _COMMENT_ITEMS and "comment" in tokens):
            return True
    for name in ("itemtype", "itemprop"):  # schema.org Comment or UserComments; an article's comment property
        value = attrs.get(name)
        if value and "omment" in value:
            value = ascii_lower(value)
            if value == "comment" or _COMMENT_SCHEMA.search(value):
                return True
    return False


def _feed_item(box) -> bool:
    """One of FEED_ITEMS or more siblings of the same tag and class: an item of a feed."""
    tag, cls = box.tag, box.attributes.get("class")
    if box.parent is None:
        return False
    same, seen, sibling = 0, 0, box.parent.child
    while sibling is not None and seen < MAX_SIBLINGS:
        if sibling.tag == tag and sibling.attributes.get("class") == cls:
            same += 1
            if same >= FEED_ITEMS:
                return True
        sibling, seen = sibling.next, seen + 1
    return False


def _promo_title(box) -> bool:
    """Whether the nearest title among the elements just before this box promotes the site's
    channel or following it."""
    for text in _titles_before(box):
        return _PROMO.search(text) is not None
    return False


def _titles_before(box):
    """The lower-cased texts of the titles among the elements just before this box, nearest first."""
    sibling, looked = box.prev, 0
    while sibling is not None and looked < TITLES_BEFORE:
        tag = sibling.tag
        if tag and tag[0] != "-":
            looked += 1
            attrs = sibling.attributes
            if tag in _TITLE_TAGS or _TITLE_WORDS.search(class_and_id(attrs)):
                text = sibling.text(deep=True, strip=True) or ""
                if len(text) <= MAX_TITLE:
                    yield text.lower()
        sibling = sibling.prev


def _picks_title(box) -> bool:
    """Whether a title among the elements just before this box names the site's picks."""
    return any(_PICKS.search(text) for text in _titles_before(box))
