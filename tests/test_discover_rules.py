"""Discovery rules that reason from the evidence an element gives, each on a small
hand-written document: a post id in a site's own placeholder, props that name a player,
an escaped click-to-play gate, a tracker blocker's replacement, page state that is the
site's configuration, code that chooses between URLs."""
from __future__ import annotations

import json
from urllib.parse import quote

from archiver.discover import discover_document

TWEET_ID = "1662000000000000042"
VIDEO_ID = "AbCdEfGhIjK"
PLAYER = f"https://www.youtube.com/embed/{VIDEO_ID}"


def found(html: str, **kwargs) -> list:
    return [(e.platform, e.native_id, e.blocked_by) for e in discover_document(html, None, **kwargs).embeds]


def ids(html: str) -> list:
    return [e.native_id for e in discover_document(html, None).embeds]


# -- a post id in the site's own placeholder ---------------------------------------------

def test_a_tweet_id_in_a_sites_widget_box_is_an_embed():
    # The site's embed box says "widget" (its CMS's name for a block), not "share".
    page = (f'<p>Text.</p><div class="widget widget--type-tweet"><figure class="widget__figure">'
            f'<div class="widget__tweet" data-tweet-id="{TWEET_ID}"></div></figure></div><p>More.</p>')
    assert found(page) == [("x", TWEET_ID, "js-placeholder")]


def test_a_tweet_id_on_a_button_is_not_an_embed():
    page = f'<button class="share-button" data-tweet-id="{TWEET_ID}">Share</button>'
    assert found(page) == []


def test_component_props_naming_a_tweet_by_id():
    props = json.dumps({"tweetId": TWEET_ID})
    page = f"<div data-react-class=\"Tweet\" data-react-props='{props}'></div>"
    assert found(page) == [("x", TWEET_ID, "state-json")]


def test_a_player_components_asset_id_is_the_video():
    props = json.dumps({"format": {"display": 0}, "id": "8d7382f7-b251-401a-bcf3-cefe7887b5f6",
                        "assetId": VIDEO_ID, "posterImage": [{"url": "https://img.example.org/p.jpg"}]})
    page = f"<site-island name=\"YoutubeBlockComponent\" props='{props}'></site-island>"
    assert found(page) == [("youtube", VIDEO_ID, "state-json")]


def test_generic_ids_without_a_platform_or_of_loose_shape_are_not_posts():
    props = json.dumps({"assetId": VIDEO_ID})
    assert found(f"<div data-component=\"Gallery\" data-props='{props}'></div>") == []
    # An Instagram shortcode has no shape of its own: a hash under a generic key is not one.
    config = json.dumps({"id": "05278a39fbb3104d7555413a04de8dc6", "assetId": "Cy6H6RGR4aK"})
    assert found(f"<div class=\"instagram-box\" data-config='{config}'></div>") == []


# -- escaped click-to-play gates -----------------------------------------------------------

def test_a_click_handler_that_writes_a_percent_encoded_player():
    iframe = quote(f'<iframe width="800" height="450" src="{PLAYER}?feature=oembed" allowfullscreen></iframe>')
    page = (f'<div class="video-container play-button" style="background-image:url(/thumb.jpg)" '
            f'onclick="if (this.dataset.ready) {{ this.innerHTML = decodeURIComponent(\'{iframe}\'); }}"></div>')
    assert found(page) == [("youtube", VIDEO_ID, "click-to-play")]


def test_a_click_handler_naming_a_url_in_its_code_is_not_an_embed():
    page = f"<div class=\"box\" onclick=\"window.open('{PLAYER}', 'video')\">Watch</div>"
    assert found(page) == []


def test_a_link_that_carries_its_escaped_player():
    page = (f'<p><a data-player="&lt;iframe src=&quot;//www.youtube.com/embed/{VIDEO_ID}?rel=0&quot; '
            f'allowfullscreen&gt;&lt;/iframe&gt;" href="https://www.youtube.com/watch?v={VIDEO_ID}" '
            'class="video-overlay">Watch</a></p>')
    assert found(page) == [("youtube", VIDEO_ID, "escaped-attribute")]


def test_a_link_with_a_post_url_in_a_data_attribute_is_not_an_embed():
    page = (f'<p><a href="/story" data-url="https://twitter.com/someone/status/{TWEET_ID}">Story</a></p>')
    assert found(page) == []


def test_a_tracker_blockers_replacement_names_the_widget_it_replaced():
    video = "https://www.facebook.com/example.page/videos/1476400000000000/"
    plugin = f"https://www.facebook.com/plugins/video.php?href={quote(video, safe='')}&amp;show_text=0"
    srcdoc = (f'<html><body><div>Privacy Badger has replaced <a href="{plugin}" target="_blank">this Facebook '
              'Video widget</a></div><a href="javascript:void(0)"></a></body></html>')
    page = f'<iframe srcdoc="{srcdoc.replace(chr(34), "&quot;").replace("<", "&lt;")}"></iframe>'
    assert found(page) == [("facebook", "1476400000000000", "privacy-badger")]


# -- page state that is not the article ------------------------------------------------------

def test_player_urls_in_the_sites_configuration_are_not_embeds():
    config = json.dumps({"budgets": {"canShowWidget": True, "_iframeUrl": PLAYER}})
    page = f"<script>window.site = {{}};\nwindow.site.remoteConfig = {config};</script>"
    assert found(page) == []
    state = json.dumps({"settings": {"promoVideo": {"type": "youtube-embed", "url": PLAYER}},
                        "article": {"body": [{"type": "embed", "url": "https://www.youtube.com/embed/ArticleVid1"}]}})
    page = f'<script id="__NEXT_DATA__" type="application/json">{state}</script>'
    assert ids(page) == ["ArticleVid1"]


def test_nuxt_payload_naming_the_embed_type_by_reference():
    # Nuxt's devalue format: an object's values are indexes into the top array.
    payload = json.dumps([{"data": 1}, {"type": 2, "url": 3}, "youtube-embed", PLAYER])
    page = f'<script type="application/json" id="__NUXT_DATA__">{payload}</script>'
    assert found(page) == [("youtube", VIDEO_ID, "state-json")]


# -- code that is not data ---------------------------------------------------------------------

def test_urls_chosen_by_a_switch_are_not_embeds():
    page = ("<script>switch (lang) {\n"
            f'  case "fr": $("#promo").attr("src", "{PLAYER}"); break;\n'
            '  case "de": $("#promo").attr("src", "https://www.youtube.com/embed/GermanVid01"); break;\n'
            "}</script>")
    assert found(page) == []


def test_a_player_url_passed_to_a_call_is_an_embed():
    page = f'<div class="external-content-placeholder"></div><script>renderExternalContent("{PLAYER}?fs=1")</script>'
    assert found(page) == [("youtube", VIDEO_ID, "inline-script")]


# -- the article and the site's chrome ------------------------------------------------------

PROSE = "<p>" + "The river rose through the night and the village woke to water in the streets. " * 4 + "</p>"
ARTICLE_VIDEO = "https://www.youtube.com/embed/ArticleVid1"


def page_with(chrome: str, *, article_extra: str = "", wrapper: str = "page") -> str:
    return (f'<html><body><div class="{wrapper}"><div class="story"><h1>Flood</h1>{PROSE}'
            f'<figure><iframe src="{ARTICLE_VIDEO}"></iframe></figure>{PROSE}{article_extra}{PROSE}</div>'
            f"{chrome}</div></body></html>")


def test_a_player_in_the_sites_footer_is_not_the_articles():
    footer = (f'<div class="footer"><ul class="footer-widgets"><li class="widget widget_text"><div class="textwidget">'
              f'<iframe src="{PLAYER}"></iframe></div></li></ul></div>')
    result = discover_document(page_with(footer), None)
    assert [e.native_id for e in result.embeds] == ["ArticleVid1"]
    assert any("chrome" in problem for problem in result.problems)


def test_a_list_of_videos_beside_the_article_is_not_the_articles():
    videos = "".join(f'<div class="col"><iframe src="https://www.youtube.com/embed/ListVideo{k:02d}"></iframe>'
                     f"<h4>Clip {k}</h4></div>" for k in range(4))
    assert ids(page_with(f'<div class="media-strip"><h3>Watch</h3>{videos}</div>')) == ["ArticleVid1"]


def test_the_articles_own_videos_side_by_side_are_embeds():
    three = "<p>" + "".join(f'<iframe src="https://www.youtube.com/embed/OwnVideo{k:03d}"></iframe>'
                            for k in range(3)) + "</p>"
    assert ids(page_with("", article_extra=three)) == ["ArticleVid1", "OwnVideo000", "OwnVideo001", "OwnVideo002"]


def test_a_placeholder_in_related_content_is_not_the_articles():
    related = f'<section class="related-stories"><div class="yt-lazy" data-youtube-id="{VIDEO_ID}"></div></section>'
    assert ids(page_with(related)) == ["ArticleVid1"]


def test_words_on_boxes_that_hold_the_article_do_not_make_it_chrome():
    # A layout wrapper "with-footer" contains the article itself; a sidebar is not ruled out.
    sidebar = f'<div class="sidebar"><iframe src="{PLAYER}"></iframe></div>'
    assert ids(page_with(sidebar, wrapper="page with-footer")) == ["ArticleVid1", VIDEO_ID]


def test_a_player_under_a_title_naming_the_sites_picks_is_not_the_articles():
    # After the article, a box titled "Video rekomendasi" (recommended videos) in no chrome-named class.
    for title in ("Video rekomendasi", "Recommended for you", "Weitere Videos"):
        picks = (f'<div class="video-yt"><div class="sectionHeader"><div class="sectionTitle">{title}</div>'
                 f'<a href="/video/">More</a></div><div class="video-yt-player"><iframe src="{PLAYER}"></iframe>'
                 "</div></div>")
        assert ids(page_with(picks)) == ["ArticleVid1"], title


def test_a_title_that_names_no_picks_leaves_a_player_beside_the_article():
    box = (f'<div class="video-yt"><div class="sectionHeader"><h3 class="sectionTitle">The flood in pictures</h3>'
           f'</div><div class="video-yt-player"><iframe src="{PLAYER}"></iframe></div></div>')
    assert ids(page_with(box)) == ["ArticleVid1", VIDEO_ID]
    # The article's own text may say "related": only a title before the player counts.
    article = f'<p>A related video:</p><div><iframe src="{PLAYER}"></iframe></div>'
    assert ids(page_with("", article_extra=article)) == ["ArticleVid1", VIDEO_ID]


def test_a_feed_of_updates_in_a_sidebar_is_not_the_articles_whatever_its_text():
    # The sidebar's stream holds more text than the short article beside it.
    update = ("<p>" + "An update from the club about the next meeting and its guests. " * 6 + "</p>")
    items = "".join(f'<li class="activity-item"><div class="inner">{update}'
                    f'<p><iframe src="https://www.youtube.com/embed/FeedVideo{k:02d}"></iframe></p></div></li>'
                    for k in range(3))
    page = (f'<html><body><div class="content"><div class="post"><p>Who is the best?</p>'
            f'<iframe src="{ARTICLE_VIDEO}"></iframe></div>'
            f'<div class="widget-area sidebar"><aside class="widget"><ul class="stream">{items}</ul></aside></div>'
            "</div></body></html>")
    assert ids(page) == ["ArticleVid1"]
    # One video in a sidebar's widget is often the article's own (see above); a list in the article is the article's.
    listicle = f'<html><body><article><ul class="steps">{items}</ul></article></body></html>'
    assert ids(listicle) == ["FeedVideo00", "FeedVideo01", "FeedVideo02"]


def test_a_sidebar_widget_promoting_the_sites_channel_is_not_the_articles():
    for title in ("Follow on YouTube", "From our Youtube Channel", "Suscríbete a nuestro canal"):
        widget = (f'<aside class="sidebar"><div class="widget"><h3 class="widget-title">{title}</h3>'
                  f'<div class="textwidget"><p><iframe src="{PLAYER}"></iframe></p></div></div></aside>')
        assert ids(page_with(widget)) == ["ArticleVid1"], title
    # A sidebar widget's video under another title may be the article's; and in the article,
    # words about the site's channel before its videos leave them the article's.
    for title in ("The flood in pictures", "Latest Video"):
        widget = (f'<aside class="sidebar"><div class="widget"><h3 class="widget-title">{title}</h3>'
                  f'<div class="textwidget"><iframe src="{PLAYER}"></iframe></div></div></aside>')
        assert ids(page_with(widget)) == ["ArticleVid1", VIDEO_ID], title
    article = f'<h3>Watch more on our YouTube channel</h3><div><iframe src="{PLAYER}"></iframe></div>'
    assert ids(page_with("", article_extra=article)) == ["ArticleVid1", VIDEO_ID]


def test_a_sidebar_widget_holding_three_videos_is_not_the_articles():
    # Each video has its caption: the widget holds too much text to be a bare list of videos.
    caption = "<p>" + "A trip along the coast in the first light, with the crew and the boats. " * 4 + "</p>"
    videos = "".join(f'<p><iframe src="https://www.youtube.com/embed/SideVideo{k:02d}"></iframe></p>{caption}'
                     for k in range(3))
    sidebar = (f'<div class="col side-bar"><div class="widget widget_text"><h4>Trips</h4>'
               f'<div class="textwidget">{videos}</div></div></div>')
    assert ids(page_with(sidebar)) == ["ArticleVid1"]
    # Two widgets of one video each in a sidebar are not a feed.
    two = "".join(f'<div class="widget widget_text"><div class="textwidget"><p><iframe '
                  f'src="https://www.youtube.com/embed/SideVideo{k:02d}"></iframe></p>{caption}</div></div>'
                  for k in range(2))
    assert ids(page_with(f'<div class="col side-bar">{two}</div>')) == ["ArticleVid1", "SideVideo00", "SideVideo01"]


def test_a_video_in_readers_comments_is_not_the_articles():
    # A long comment outweighs the article's text: comments are left out wherever the text block is.
    long = "<p>" + "I watched this again last night and it holds up better than I remembered. " * 8 + "</p>"
    wordpress = (f'<div id="comments" class="comments-wrapper"><h3>2 Comments</h3><ol class="commentlist">'
                 f'<li class="comment even depth-1"><article class="comment"><div class="comment-content">{long}'
                 f'<p><iframe src="https://www.youtube.com/embed/CommentVid1"></iframe></p></div></article></li>'
                 "</ol></div>")
    assert ids(page_with(wordpress)) == ["ArticleVid1"]
    microdata = (f'<section class="talk"><div itemscope itemtype="https://schema.org/Comment"><p>Reply</p>'
                 f'<div class="body"><iframe src="https://www.youtube.com/embed/CommentVid2"></iframe></div></div>'
                 "</section>")
    assert ids(page_with(microdata)) == ["ArticleVid1"]
    # Words near "comment" on the article's own boxes do not make it a comment section.
    article = f'<div class="commentary-box has-comments"><iframe src="{PLAYER}"></iframe></div>'
    assert ids(page_with("", article_extra=article)) == ["ArticleVid1", VIDEO_ID]


def test_a_gallery_slide_linking_a_post_is_not_an_embed():
    post = "https://www.instagram.com/p/GalleryPo01/"
    slide = f'<div class="gallery__slide instagram-credit"><img src="/photo.jpg"><a href="{post}">@someone</a></div>'
    assert ids(f'<div class="photo-gallery">{slide}</div>') == []
    assert ids(slide) == []
    card = f'<div class="instagram-card"><p>A post</p><a href="{post}">@someone</a></div>'
    assert ids(card) == ["GalleryPo01"]


def test_percent_encoded_embed_markup_in_page_state():
    markup = quote(f'<blockquote class="twitter-tweet"><p>Words</p><a href="https://twitter.com/someone/status/'
                   f'{TWEET_ID}">May 1, 2020</a></blockquote>', safe="")
    state = json.dumps({"article": {"inlines": [{"type": "social", "socialData": [{"description": markup}]}]}})
    page = f"<script>window.__STATE__ = {state};</script>"
    assert found(page) == [("x", TWEET_ID, "state-json")]


def test_other_articles_preloaded_in_state_are_skipped_whatever_their_path_says():
    # Another article named by "uri", whose path happens to name a platform.
    other = {"title": "Facebook's headset shipments delayed", "type": "blog",
             "uri": "https://news.example.org/sites/someone/2020/02/19/facebooks-headset-delayed/",
             "embedData": [{"type": "embedly", "data": {"url": f"https://twitter.com/a/status/{TWEET_ID}"}}]}
    state = json.dumps({"topStories": [other]})
    page = ('<html><head><link rel="canonical" href="https://news.example.org/sites/me/2020/01/29/this-story/">'
            f"</head><body><script>window.site = {state};</script></body></html>")
    assert found(page) == []


def test_ids_in_a_feed_or_a_buttons_props_are_not_embeds():
    feed = f'<ul><li class="feed-item" data-tweet-id="{TWEET_ID}">A post</li></ul>'
    assert found(feed) == []
    props = json.dumps({"postId": "1234567890123"})
    assert found(f"<div class=\"twitter-follow-button\" data-config='{props}'></div>") == []


def test_attributes_named_for_a_platforms_post_id():
    page = (f'<div class="embed-box" data-twitter-status-id="{TWEET_ID}"></div>'
            f'<div class="media" data-yt-video-id="{VIDEO_ID}"></div>'
            '<div class="follow" data-twitter-user-id="12345678"></div>'
            '<div class="channel" data-youtube-channel-id="UCabcdefghij"></div>')
    assert found(page) == [("x", TWEET_ID, "js-placeholder"), ("youtube", VIDEO_ID, "js-placeholder")]


def test_a_link_to_a_player_url_stands_in_for_the_player():
    video = "https://www.facebook.com/example.page/videos/1476400000000000/"
    plugin = f"https://www.facebook.com/plugins/video.php?href={quote(video, safe='')}"
    page = (f'<div class="replaced-widget"><p>This video was blocked.</p><a href="{plugin}">Facebook video</a></div>'
            f'<p>See <a href="https://www.youtube.com/watch?v={VIDEO_ID}">the interview</a>.</p>')
    assert found(page) == [("facebook", "1476400000000000", "player-link")]


def test_nuxt_payload_holding_the_embed_object_by_reference():
    # The article's block refers to its embed object by index; the object's URL key alone
    # ("src") says nothing without the block's type.
    payload = json.dumps([{"data": 1}, {"blocks": 2}, [3], {"type": 4, "content": 5}, "social-embed",
                          {"src": 6}, PLAYER])
    page = f'<script type="application/json" id="__NUXT_DATA__">{payload}</script>'
    assert found(page) == [("youtube", VIDEO_ID, "state-json")]


def test_any_data_id_attribute_of_an_element_naming_its_platform():
    # The element says which platform (class or provider); the value has a post id's shape.
    page = (f'<div class="embed embed--twitter" data-entity-id="{TWEET_ID}"></div>'
            f'<div data-provider="youtube" data-media-ref-id="{VIDEO_ID}"></div>'
            '<div class="embed embed--twitter" data-entity-id="48213"></div>'  # a site's own id
            '<div class="embed--youtube" data-item-id="12345678901"></div>'  # digits only: no video id
            f'<div class="story" data-entity-id="{TWEET_ID}"></div>'  # no platform named
            f'<div class="tweet-embed" data-author-id="{TWEET_ID}"></div>')  # an account, not a post
    assert found(page) == [("x", TWEET_ID, "js-placeholder"), ("youtube", VIDEO_ID, "js-placeholder")]


def test_a_post_id_handed_to_a_platforms_embed_api():
    page = ('<div id="t1"></div><div id="v1"></div><script>'
            f'twttr.widgets.createTweet("{TWEET_ID}", document.getElementById("t1"), {{theme: "light"}});'
            f'var player = new YT.Player("v1", {{height: "390", videoId: "{VIDEO_ID}", events: {{}}}});'
            "</script>")
    assert found(page) == [("x", TWEET_ID, "inline-script"), ("youtube", VIDEO_ID, "inline-script")]


def test_an_id_in_code_that_is_not_handed_to_an_embed_api_is_not_an_embed():
    page = (f'<script>var ids = {{fr: "{TWEET_ID}"}}; function show(id) {{ gallery.add(id); }}'
            f'show("{VIDEO_ID}");</script>')
    assert found(page) == []


def test_a_two_click_gate_keeping_the_video_id_on_its_button():
    page = f'<div class="video-consent"><button class="yt-load" data-video-id="{VIDEO_ID}">Load video</button></div>'
    assert found(page) == [("youtube", VIDEO_ID, "js-placeholder")]


# -- content that a page's software keeps in its own shapes ---------------------------------

def flight_script(chunk: str) -> str:
    """A Next.js App Router script pushing one chunk of flight data (JSON-escaped, with '<'
    escaped as Next.js does)."""
    return "<script>self.__next_f.push([1," + json.dumps(chunk).replace("<", "\\u003c") + "])</script>"


def test_a_cms_embed_block_in_react_server_components_flight_data():
    # A WordPress embed block as a headless front end receives it: only in the flight data.
    block = {"__typename": "ContentBlock", "name": "core/embed",
             "attributes": [{"name": "url", "value": f"https://twitter.com/someone/status/{TWEET_ID}?s=20"},
                            {"name": "providerNameSlug", "value": "twitter"}]}
    paragraph = {"__typename": "ContentBlock", "name": "core/paragraph", "innerHTML": "<p>Words.</p>"}
    row = json.dumps(["$", "$L5", None, {"blocks": [paragraph, block]}])
    # The row runs across two chunks, as Next.js flushes them.
    page = ("<script>(self.__next_f=self.__next_f||[]).push([0])</script><p>Words.</p>"
            + flight_script('0:["$","html",null,{}]\n4:' + row[:40]) + flight_script(row[40:] + "\n"))
    assert found(page) == [("x", TWEET_ID, "state-json")]


def test_markup_in_a_flight_text_row_is_read_by_its_byte_length():
    markup = f'<p>Café ☕</p><iframe src="{PLAYER}"></iframe>'
    size = format(len(markup.encode("utf-8")), "x")
    page = flight_script(f'1:["$","div",null,{{}}]\n2:T{size},{markup}3:["$","p",null,{{}}]\n')
    assert found(page) == [("youtube", VIDEO_ID, "state-json")]
    # A row holding nothing that names a post, and a chunk that is not a string, change nothing.
    assert found(flight_script('1:["$","a",null,{"href":"https://www.youtube.com/@channel"}]\n')
                 + "<script>self.__next_f.push([1, 42])</script>") == []


def test_a_forum_media_embed_kept_as_iframe_attributes():
    # s9e's media embeds (XenForo, phpBB): the iframe is built from a JSON list of its attributes.
    youtube = json.dumps(["allowfullscreen", "", "src", f"https://www.youtube.com/embed/{VIDEO_ID}?start=9"])
    tweet = json.dumps(["data-s9e-mediaembed", "twitter", "src",
                        f"https://s9e.github.io/iframe/2/twitter.min.html#{TWEET_ID}#theme=auto"])
    page = (f"<p>Look:</p><span data-s9e-mediaembed=\"youtube\" data-s9e-mediaembed-iframe='{youtube}'></span>"
            f"<span data-s9e-mediaembed=\"twitter\" data-s9e-mediaembed-iframe='{tweet}'></span>")
    assert found(page) == [("youtube", VIDEO_ID, "data-src"), ("x", TWEET_ID, "data-src")]
    # Once the reader's browser has built it, the same tweet is a plain iframe.
    live = f'<iframe data-s9e-mediaembed="twitter" src="https://s9e.github.io/iframe/2/twitter.min.html#{TWEET_ID}">'
    assert ids(live + "</iframe>") == [TWEET_ID]
    # A list that is not name/value pairs, or that has no src, is read as page state, not as a player.
    watch = f"https://www.youtube.com/watch?v={VIDEO_ID}"
    assert ids(f"<div data-list='{json.dumps(['src'])}'></div><div data-list='{json.dumps(['a', watch])}'></div>") == []
    assert ids(f"<div data-list='{json.dumps(['a', PLAYER])}'></div>") == [VIDEO_ID]  # (a player URL, though)


def test_a_video_id_in_the_id_of_a_box_named_for_its_platform():
    # Substack's video block before its script builds the player.
    assert found(f'<div id="youtube2-{VIDEO_ID}" class="youtube-wrap"><div class="youtube-inner"></div></div>') \
        == [("youtube", VIDEO_ID, "js-placeholder")]
    # The id alone, or a box that names no platform, or an id that is no video's, is not enough.
    assert ids(f'<div id="youtube2-{VIDEO_ID}" class="wrap"></div>') == []
    assert ids('<div id="youtube-player" class="youtube-wrap"></div>') == []
    assert ids(f'<div id="youtube-{VIDEO_ID}" class="youtube-subscribe-button"></div>') == []


def test_a_sites_own_id_on_a_post_filed_under_a_platform_is_not_a_tweet():
    # WordPress's post classes name the article's tags; data-id is the site's own post number.
    card = ('<article id="card-2143762" data-id="2143762" class="card post-2143762 post type-post '
            'tag-elon-musk-twitter tag-twitter"><h2>News</h2></article>')
    assert ids(card) == []
    # A tweet's id on a box whose class says tweet is still one.
    assert ids(f'<div class="embedded-tweet" data-id="{TWEET_ID}"></div>') == [TWEET_ID]


def test_the_sites_accounts_in_page_state_are_not_posts():
    accounts = {"facebookId": "ExampleNews", "twitterId": "ExampleNews", "instagramId": "examplenews",
                "youtubeId": "UCabcdefghijklmnopqrstuv"}
    page = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps({"site": {"social": accounts}})}</script>'
    assert ids(page) == []
    one = {"instagramId": "CxYzAbCdEfG", "youtubeId": VIDEO_ID}  # a block naming its posts
    assert ids(f'<script id="__NEXT_DATA__" type="application/json">{json.dumps({"block": one})}</script>') \
        == ["CxYzAbCdEfG", VIDEO_ID]


def test_a_forum_threads_posts_are_its_content():
    post = (f'<article class="message" itemscope itemtype="https://schema.org/Comment"><div class="bbWrapper">'
            f'Watch this<br><iframe src="{PLAYER}"></iframe></div></article>')
    page = f'<div class="p-body">{post}</div>'
    assert ids(page) == []  # readers' comments on an article
    thread = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "WebPage", '
              '"mainEntity": {"@type": "DiscussionForumPosting", "headline": "Squad"}}</script>')
    assert ids(thread + page) == [VIDEO_ID]


def test_articles_listed_in_page_state_are_not_the_pages_embeds():
    def teaser(k):
        return {"title": f"Story {k}", "slug": f"a-story-about-the-election-number-{k}",
                "body": {"type": "embed", "url": f"https://twitter.com/someone/status/16620000000000001{k:02d}"}}
    listing = {"initialPosts": [{"fields": teaser(k), "sys": {"id": k}} for k in range(4)]}
    page = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(listing)}</script>'
    assert ids(page) == []  # a home page's posts, and no URL of the page's own to tell them apart
    # One article's own blocks are its embeds.
    own = {"post": teaser(1)}
    assert ids(f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(own)}</script>') \
        == ["1662000000000000101"]


def test_another_article_named_by_a_bare_slug_is_skipped():
    other = {"title": "Live updates", "uri": "/epstein-files-photos-released-live-updates-11243870",
             "blocks": [{"type": "embed", "url": f"https://twitter.com/someone/status/{TWEET_ID}"}]}
    head = '<link rel="canonical" href="https://news.example.org/movies/the-best-film-of-2025-11237228">'
    page = f'{head}<script id="__NEXT_DATA__" type="application/json">{json.dumps({"trending": [other]})}</script>'
    assert ids(page) == []


def test_a_flight_text_row_is_read_inside_the_object_that_refers_to_it():
    markup = f'<iframe src="{PLAYER}"></iframe>'
    size = format(len(markup.encode("utf-8")), "x")
    head = '<link rel="canonical" href="https://news.example.org/world/this-story">'
    other = json.dumps({"title": "Another story", "link": "https://news.example.org/world/another-story",
                        "content": "$9"})
    assert ids(head + flight_script(f"9:T{size},{markup}4:{other}\n")) == []
    own = json.dumps({"title": "This story", "link": "https://news.example.org/world/this-story", "content": "$9"})
    assert ids(head + flight_script(f"9:T{size},{markup}4:{own}\n")) == [VIDEO_ID]


def test_data_handed_to_a_function_is_read_as_page_state():
    # An outfit's media list handed to a hydration call: data without an embed's context.
    media = json.dumps({"context": {"media": [{"uri": "https://player.vimeo.com/video/1160467107"},
                                              {"uri": "https://img.example.net/outfit.jpg"}]}})
    assert ids(f"<script>window.__hydrationDataConsume({media});</script>") == []
    # The same call handing over an article's embed block.
    block = json.dumps({"blocks": [{"type": "embed", "url": f"https://twitter.com/a/status/{TWEET_ID}"}]})
    assert found(f"<script>app.hydrate('story', {block});</script>") == [("x", TWEET_ID, "state-json")]
    # A player URL given to a function as such is still the embed it renders.
    assert ids(f'<script>renderExternalContent("{PLAYER}?fs=1")</script>') == [VIDEO_ID]


def test_a_cms_shortcode_is_not_an_instagram_post():
    blocks = [{"shortcode": "pullquote", "type": "block-embed", "content": {"text": "Words"}},
              {"shortcode": "newsletter", "type": "block-embed"},
              {"shortcode": "CxYzAbCdEfG", "type": "instagram-embed"}]
    assert ids(f"<script>window.renderPost({json.dumps({'blocks': blocks})})</script>") == ["CxYzAbCdEfG"]


def test_a_sites_video_dialogs_after_its_footer_are_not_the_articles():
    def modal(ident, video):
        return (f'<div class="modal" id="{ident}" role="dialog"><div class="modal-dialog"><div class="modal-body">'
                f'<iframe src="https://www.youtube.com/embed/{video}"></iframe></div></div></div>')
    site_wide = f'<footer class="site-footer"><p>© Example</p></footer>{modal("video-day-at-work", "DialogVid01")}'
    assert ids(page_with("") + site_wide) == ["ArticleVid1"]
    # A trigger names the dialog: the article opens it.
    trigger = '<a href="#video-day-at-work" data-toggle="modal">Watch</a>'
    assert ids(page_with("", article_extra=trigger) + site_wide) == ["ArticleVid1", "DialogVid01"]
    # A dialog beside the article, before the footer, is the article's (its script may open it by id).
    assert ids(page_with("", article_extra=modal("video-modal", "DialogVid02"))) == ["ArticleVid1", "DialogVid02"]
    # So is a dialog without an id (a timed popup), wherever it sits.
    timed = ('<footer>Site</footer><div class="modal fade timed" role="dialog"><div class="modal-body">'
             '<iframe src="https://www.youtube.com/embed/DialogVid03"></iframe></div></div>')
    assert ids(page_with("") + timed) == ["ArticleVid1", "DialogVid03"]
    # A site builder's popup template is the site's wherever it sits.
    popup = ('<div data-elementor-type="popup" class="elementor elementor-23673 elementor-location-popup">'
             '<iframe src="https://player.vimeo.com/video/932260226"></iframe></div>')
    assert ids(page_with("", article_extra=popup)) == ["ArticleVid1"]


def test_json_parsed_from_a_template_literal_is_page_state():
    state = json.dumps({"article": {"title": "Cells", "body": [{"type": "html", "content": f'<iframe src="{PLAYER}"></iframe>'}]}})
    literal = state.replace("\\", "\\\\")  # (in a template, as in any JS string, a backslash is written twice)
    assert found(f"<script>window.__DATA__=JSON.parse(`{literal}`)</script>") == [("youtube", VIDEO_ID, "state-json")]
    # A template that fills values in is code, not data: only its player URL is read.
    assert ids(f'<script>render(JSON.parse(`{{"src": "${{base}}/embed"}}`), "{PLAYER}")</script>') == [VIDEO_ID]


def test_a_sites_home_page_has_no_article_to_embed_posts():
    player = f'<iframe src="{PLAYER}"></iframe>'
    home = '<link rel="canonical" href="https://www.example.com/"><meta property="og:type" content="website">'
    result = discover_document(f"<html><head>{home}</head><body>{player}</body></html>", None)
    assert result.embeds == [] and any("home page" in problem for problem in result.problems)
    # An article, a page named by its query, or one that says it is an article, keeps its embeds.
    for head in ('<link rel="canonical" href="https://www.example.com/2024/05/story">',
                 '<link rel="canonical" href="http://blog.example.de/?p=2895">',
                 '<link rel="canonical" href="https://www.example.com/"><meta property="og:type" content="article">',
                 '<link rel="canonical" href="https://www.example.com/"><script type="application/ld+json">'
                 '{"@type": "NewsArticle", "headline": "Story"}</script>'):
        assert ids(f"<html><head>{head}</head><body>{player}</body></html>") == [VIDEO_ID], head


def test_a_products_page_has_no_article_to_embed_posts():
    player = f'<iframe src="{PLAYER}"></iframe>'
    product = json.dumps({"@context": "https://schema.org", "@type": "Product", "name": "Driver kit",
                          "offers": {"@type": "Offer", "price": "29.99"}})
    url = '<link rel="canonical" href="https://shop.example.com/products/driver-kit">'
    for head in (f'{url}<script type="application/ld+json">{product}</script>',
                 f'{url}<meta property="og:type" content="product">',
                 f'{url}<script type="application/ld+json">{{"@graph": [{{"@type": "WebPage"}}, {product}]}}</script>'):
        result = discover_document(f"<html><head>{head}</head><body>{player}</body></html>", None)
        assert result.embeds == [] and any("product" in problem for problem in result.problems), head
    # A news site's paywall says Product of the publication an article is part of; a gift guide lists
    # products; a review names the product it reviews: each is written content and keeps its embeds.
    paywall = json.dumps({"@type": "NewsArticle", "headline": "Story",
                          "isPartOf": {"@type": ["CreativeWork", "Product"], "name": "The Daily"}})
    guide = json.dumps({"@type": "ItemList", "itemListElement": [{"@type": "Product", "name": "Mug"}]})
    review = json.dumps({"@type": "Review", "itemReviewed": {"@type": "Product", "name": "Phone"}})
    for ld in (paywall, guide, review):
        head = f'{url}<meta property="og:type" content="website"><script type="application/ld+json">{ld}</script>'
        assert ids(f"<html><head>{head}</head><body>{player}</body></html>") == [VIDEO_ID], ld
    head = f'{url}<meta property="og:type" content="article"><script type="application/ld+json">{product}</script>'
    assert ids(f"<html><head>{head}</head><body>{player}</body></html>") == [VIDEO_ID]


def test_a_post_url_in_a_standard_attributes_text_is_not_a_placeholder():
    url = "https://www.reddit.com/r/technology/comments/1rl4mew/fcc_chair/"
    assert ids(f'<div id="canonical-url-updater" value="{url}"></div>') == []
    assert ids(f'<div class="embed" data-url="{url}"></div>') == ["1rl4mew"]


# -- click-to-play facades and embed services' cards ----------------------------------------

THUMBNAIL = f"https://i.ytimg.com/vi/{VIDEO_ID}/hqdefault.jpg"


def test_a_lite_youtube_facade_whose_id_is_only_in_its_thumbnail_is_an_embed():
    # react-lite-youtube-embed: the thumbnail is the box's background, the script builds the player on click
    lite = (f'<article class="yt-lite" style="background-image:url({THUMBNAIL.replace("/vi/", "/vi_webp/")})">'
            '<button type="button" class="lty-playbtn" aria-label="Watch"></button></article>')
    assert found(lite) == [("youtube", VIDEO_ID, "click-to-play")]
    # WP YouTube Lyte: the thumbnail in a data-src, a play box inside
    lyte = (f'<div class="lyte-wrapper"><div class="lyMe" id="WYL_{VIDEO_ID}"><div id="lyte_{VIDEO_ID}" '
            f'data-src="{THUMBNAIL}" class="pL"><div class="play"></div></div></div></div>')
    assert found(lyte) == [("youtube", VIDEO_ID, "click-to-play")]
    # a theme's own: an <img> of the thumbnail beside a play button in a box that says it is an embedded video
    theme = (f'<div class="embedded-video youtube"><img src="{THUMBNAIL.replace("i.ytimg.com", "img.youtube.com")}">'
             '<button class="play-btn" aria-label="Play"></button></div>')
    assert found(theme) == [("youtube", VIDEO_ID, "click-to-play")]


def test_a_thumbnail_that_is_only_a_picture_is_not_an_embed():
    button = '<span class="play-icon"></span>'
    # in a link: a list of videos, or the video's page
    assert found(f'<a href="/videos/42"><div class="video-thumb"><img src="{THUMBNAIL}">{button}</div></a>') == []
    # no play button
    assert found(f'<div class="video-thumb"><img src="{THUMBNAIL}"></div>') == []
    # a box saying nothing of a player (a grid of pictures with play icons)
    assert found(f'<div class="relative w-full"><img src="{THUMBNAIL}">{button}</div>') == []
    # a box that opens a modal plays the video apart from the article, as a lightbox link does
    assert found(f'<div class="launch-youtube-modal"><img src="{THUMBNAIL}"><div class="play-btn"></div></div>') == []


def test_embetty_elements_name_their_post_in_their_own_attributes():
    assert found(f'<embetty-tweet status="{TWEET_ID}"></embetty-tweet>') == [("x", TWEET_ID, "js-placeholder")]
    assert found(f'<embetty-video type="youtube" video-id="{VIDEO_ID}"></embetty-video>') == [
        ("youtube", VIDEO_ID, "js-placeholder")]
    # a status that is not a post id's shape, on an element naming no platform, is nothing
    assert found('<div status="1662000000000000042">x</div><embetty-tweet status="active"></embetty-tweet>') == []


def test_embed_services_cards_are_embeds():
    post = "https://www.instagram.com/p/CxYz123AbC_/"
    embedly = f'<p>Text.</p><a class="embedly-card" href="{post}">Card</a>'
    assert found(embedly) == [("instagram", "CxYz123AbC_", "embedly")]
    iframely = (f'<div class="iframely-embed"><div class="iframely-responsive"><a href="{post}" '
                f'data-iframely-url="//cdn.iframe.ly/api/iframe?url={quote(post, safe="")}&key=k"></a></div></div>')
    assert found(iframely) == [("instagram", "CxYz123AbC_", "iframely")]
    # a plain link to the post is not (unless links are asked for)
    assert found(f'<p>See <a class="external" href="{post}">this</a>.</p>') == []


def test_a_players_provider_attribute_names_the_platform_of_its_id():
    # Plyr: the provider and the id in attributes of its own names
    plyr = f'<div id="player" data-plyr-provider="youtube" data-plyr-embed-id="{VIDEO_ID}"></div>'
    assert found(plyr) == [("youtube", VIDEO_ID, "js-placeholder")]
    assert found(f'<div data-plyr-provider="html5" data-plyr-embed-id="{VIDEO_ID}"></div>') == []


def test_amp_tiktok_names_its_video_in_data_src():
    video = "7123456789012345678"
    assert found(f'<amp-tiktok width="325" height="575" data-src="{video}"></amp-tiktok>') == [("tiktok", video, None)]
    url = f"https://www.tiktok.com/@someone/video/{video}"
    assert found(f'<amp-tiktok data-src="{url}"></amp-tiktok>') == [("tiktok", video, None)]


def test_a_posts_own_page_does_not_embed_itself():
    # A Reddit thread's page names its own post in its state; a video's page plays its own video.
    thread = "https://www.reddit.com/r/BuyItForLife/comments/1rjl74r/best_laptop/"
    state = json.dumps({"post": {"id": "t3_1rjl74r", "url": thread}})
    page = f"<html><body><shreddit-screenview-data data='{state}'></shreddit-screenview-data></body></html>"
    result = discover_document(page, thread)
    assert result.embeds == [] and (result.own_post.platform, result.own_post.native_id) == ("reddit", "1rjl74r")
    assert result.own_post.relation == "self"
    # Stated by the page itself; another video it embeds is still an embed.
    watch = f"https://www.youtube.com/watch?v={VIDEO_ID}"
    page = (f'<html><head><link rel="canonical" href="{watch}"></head><body><iframe src="{PLAYER}"></iframe>'
            '<iframe src="https://www.youtube.com/embed/OtherVideo1"></iframe></body></html>')
    result = discover_document(page, None)
    assert ids(page) == ["OtherVideo1"] and result.own_post.native_id == VIDEO_ID
    # Without a URL of its own, a page's posts are embeds as before.
    assert discover_document(f'<iframe src="{PLAYER}"></iframe>', None).own_post is None
