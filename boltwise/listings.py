"""Listing pages: whether a page is an article or a listing (home, section, tag, archive), and
what a listing links to (next pages, articles, sections, feeds). Plain functions over HTML: the
news spider asks :func:`read_listing` of every page it fetches, extraction asks :func:`judge` of
every saved page and WARC record."""

from __future__ import annotations

import re

from lxml import etree

from boltwise.discovery import MAX_LINKS, Listing
from boltwise.metadata import PageMetadata, read_metadata
from boltwise.urls import is_section_url


class UnparseablePage(ValueError):
    """A page that holds no HTML lxml can parse (empty, or binary)."""


# listing pages (home, category, tag archives): pagination and the articles they link to
_HEADINGS = frozenset({"h1", "h2", "h3", "h4"})
# a page that declares only what says nothing of it (og:type website, Organization) is a listing
# from this many article links on: of the 20 de-news articles that do, none links to two (19 link
# to none). Pages that declare nothing at all are not judged so: 8 of the 49 de-news articles
# among them link to between 2 and 14 other articles from <article> headlines
MIN_LISTED_ARTICLES = 2
# what <link rel=alternate type=…> announces a feed: RSS, Atom, JSON Feed. Not application/json,
# which WordPress gives every page's REST API record
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json"})
# WordPress's comment feeds: their items are comments, each linking its article, dated by the
# comment, so every comment would make the article look changed on a recrawl
_COMMENT_FEED = re.compile(r"/comments/feed\b|[?&]feed=comments-", re.IGNORECASE)


def read_listing(html: str, base_url: str, listed: bool, max_links: int = MAX_LINKS) -> Listing | None:
    """The links of a listing page; None when the page is an article (see :func:`judge`). Raises
    :class:`UnparseablePage` for a page that holds no HTML at all."""
    # the text re-encoded, so lxml never needs to know the page's own charset (it knows fewer
    # than Python) and an XML declaration in the text does not trouble it
    try:
        tree = etree.fromstring(html.encode("utf-8"), etree.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise UnparseablePage(str(exc)) from exc
    if tree is None:
        raise UnparseablePage("no HTML element in it")
    return judge(tree, read_metadata(tree), base_url, listed, max_links)


def judge(
    tree: etree._Element, meta: PageMetadata, base_url: str, listed: bool, max_links: int = MAX_LINKS
) -> Listing | None:
    """The links of the page ``tree`` (with its ``meta``) if it is a listing; None for an article.

    The first that applies decides: a page whose JSON-LD or OpenGraph say it is an article is one;
    a page that says it is another kind of page (:meth:`~boltwise.metadata.PageMetadata.is_article`)
    or whose URL is a section's (:func:`~boltwise.urls.is_section_url`) is a listing; a page that
    declares only what says nothing of it (``og:type`` website, a WebSite or Organization) is a
    listing when it links to at least :data:`MIN_LISTED_ARTICLES` articles; any other page is an
    article when a feed, a sitemap or the user named it (``listed``), else a listing.
    """
    if meta.is_article:
        return None
    listing = listing_links(tree, base_url, max_links)
    if meta.is_article is False or is_section_url(base_url):
        return listing
    if meta.declared and len(listing.pages) >= MIN_LISTED_ARTICLES:
        return listing
    return None if listed else listing


def listing_links(tree: etree._Element, base_url: str, max_links: int = MAX_LINKS) -> Listing:
    """A listing page's next pages (``follow``: ``rel=next`` links), article links (``pages``:
    ``rel=bookmark`` links and headline links inside ``<article>`` elements) and ``sections``
    (same-site links inside ``<nav>`` or ``role=navigation`` elements, and links anywhere whose URL
    is a section's; none inside ``<footer>``, where sites put legal pages and tag clouds).

    One walk over the tree, keeping count of the open ``<article>``, headline, navigation and
    footer elements: linear in the page's size. (The XPath union this replaces made libxml2 merge node
    sets pairwise, 14 s for a listing of 20,000 links.)
    """
    listing = Listing(base_url, max_links)
    articles = headings = navigation = footers = 0  # open <article>s, headlines in one, menus, footers
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag == "nav" or element.get("role") == "navigation":
            navigation += 1 if event == "start" else -1
        elif tag == "footer" or element.get("role") == "contentinfo":
            footers += 1 if event == "start" else -1
        if tag == "article":
            articles += 1 if event == "start" else -1
        elif tag in _HEADINGS and articles:  # an <article> cannot close inside its own headline
            headings += 1 if event == "start" else -1
        elif event == "start" and tag in ("a", "link"):
            rel = (element.get("rel") or "").lower().split()
            if "next" in rel:
                listing.add(element.get("href"), follow=True)
            elif tag == "link" and "alternate" in rel and _type(element) in FEED_TYPES:
                href = element.get("href") or ""
                if not _COMMENT_FEED.search(href):
                    listing.add(href, feed=True)
            elif tag == "a" and articles and (headings or "bookmark" in rel):
                listing.add(element.get("href"))
            elif tag == "a" and not footers:  # a footer's links: legal pages, tag clouds
                listing.add_section(element.get("href"), navigation=navigation > 0)
    listing.drop_listed()
    return listing


def _type(element: etree._Element) -> str:
    """A link's media type, without parameters such as ``charset``."""
    return (element.get("type") or "").split(";")[0].strip().lower()
