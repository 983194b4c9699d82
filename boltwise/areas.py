"""Where on a page a value sits: in the article, or only in the furniture around it.

trafilatura's heuristics read tags and authors from anywhere on a page: a sidebar's tag cloud
gives an article 45 tags, a comment's "stephangoeldi said on August 3" or a footer's theme credit
an author. A heuristic value is kept unless every place the page shows it is furniture: a
sidebar, widget, menu, footer, comment or share box (:data:`FURNITURE`). A value the page does
not show where it is looked for (a link's text for tags, an author or byline element's text for
authors) is kept: nothing says where it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain

from lxml.html import HtmlElement

from boltwise.fields import name_key

# class and id words of furniture, at either end of a class or id ("widget_tag_cloud", "commentlist",
# "author_share", "sidebar-second"; not "content-sidebar-wrap", which holds the article too)
_FURNITURE_WORDS = (
    "sidebar", "widget", "tagcloud", "tag-cloud", "comment", "respond", "share", "sharing", "social",
    "related", "menu", "nav",
)  # fmt: skip
# furniture only outside the article: a site's footer, menu and asides; an article's own footer
# (its tags, its byline) and aside (its meta data) are the article's
_OUTER_TAGS = ("aside", "nav", "footer")
_OUTER_WORDS = ("footer", "colophon")
# the article's own container, or its meta data's: the nearest one met going up decides, unless
# it is a comment's. Exact classes, and any class naming the article or meta data ("postmeta-sidebar",
# "widget_articel_info", "c-article-body__aside") that is no list of other articles
_ARTICLE_CLASSES = frozenset(
    {"hentry", "h-entry", "post", "type-post", "entry", "entry-content", "post-content", "post-body"}
)
_ARTICLE_WORDS = ("article", "articel", "meta")
_LIST_WORDS = ("related", "recent", "popular", "articles", "list", "teaser")
# where trafilatura looks for authors (its AUTHOR_XPATHS: rel, itemprop, author, byline and
# writer classes and ids, data-component bylines, <author>), in one pass over the body without its
# XPath regular expressions: those cost 8.4 ms a de-news page, this 1.5 ms
_BYLINE_WORDS = re.compile(r"uthor|yline|username|screenname|writer|posted-by|submitted-by|journalist")
# an element with a longer text is a container (a post with the author's class), no byline
_BYLINE_CHARS = 300


def _bylines(tree: HtmlElement) -> Iterator[HtmlElement]:
    body = tree.find("body")
    for element in body.iter() if body is not None else ():
        if not isinstance(element.tag, str):
            continue
        if (
            element.tag == "author"
            or element.get("rel") in ("author", "me")
            or "author" in (element.get("itemprop") or "")
            or "Byline" in (element.get("data-component") or "")
            or _BYLINE_WORDS.search(f"{element.get('class', '')} {element.get('id', '')}")
        ) and len(element.text_content()) <= _BYLINE_CHARS:
            yield element


def in_furniture(element: HtmlElement) -> bool:
    """Whether ``element`` sits in a sidebar, widget, menu, comment, share box or the site's
    footer, rather than in the article (the nearest article container going up)."""
    outer = False  # passed a footer, aside or menu: furniture, unless an article holds it
    for node in chain([element], element.iterancestors()):
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("body", "html"):
            return outer
        words = f"{node.get('class', '')} {node.get('id', '')}".lower().split()
        if tag in ("article", "main") or any(
            _is_article_class(word) for word in node.get("class", "").lower().split()
        ):
            # WordPress's <article class="comment-body">; not a post's "category-commentary"
            return any(word.startswith("comment") for word in words)
        if any(word.startswith(_FURNITURE_WORDS) or word.endswith(_FURNITURE_WORDS) for word in words):
            return True
        outer = outer or tag in _OUTER_TAGS or any(w in word for word in words for w in _OUTER_WORDS)
    return outer


def _is_article_class(word: str) -> bool:
    if word in _ARTICLE_CLASSES:
        return True
    return any(w in word for w in _ARTICLE_WORDS) and not any(w in word for w in _LIST_WORDS)


def _placed(elements: Iterable[HtmlElement]) -> dict[str, bool]:
    """Each element's text (as :func:`name_key` spells it): whether it is anywhere outside furniture."""
    places: dict[str, bool] = {}
    for element in elements:
        key = name_key(element.text_content())
        if key:
            places[key] = places.get(key, False) or not in_furniture(element)
    return places


def furniture_links(tree: HtmlElement, values: list[str]) -> set[str]:
    """The ``values`` the page shows as link texts only in its furniture (a tag cloud's tags)."""
    if not values:
        return set()
    wanted = {name_key(value) for value in values}
    places = _placed(a for a in tree.iter("a") if name_key(a.text_content()) in wanted)
    return {value for value in values if places.get(name_key(value)) is False}


def furniture_names(tree: HtmlElement, names: list[str]) -> set[str]:
    """The ``names`` that the page's author and byline elements (where trafilatura looks for
    authors) give only in its furniture (a commenter's, a theme's author)."""
    if not names:
        return set()
    texts = _placed(_bylines(tree))
    found = set()
    for name in names:
        key = name_key(name)
        places = [outside for text, outside in texts.items() if key and key in text]
        if places and not any(places):
            found.add(name)
    return found
