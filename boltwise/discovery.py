"""Finding article URLs: robots.txt, sitemaps (index, urlset, Google News, text) and feeds (RSS,
Atom, JSON Feed), and what they list (:class:`Listing`); listing pages are read by
:mod:`boltwise.listings`. Plain parsing functions; the spiders only turn their results into
requests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree
from w3lib.url import safe_url_string

from boltwise.hints import Hints, make_hints, split_keywords
from boltwise.metadata import iso_datetime
from boltwise.urls import is_section_url, listing_root, on_domains, site_of

# the usual places of a WordPress site's sitemap when robots.txt names none
WORDPRESS_SITEMAPS = ("/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml")

# the sitemap protocol's own limit per file; listing pages and feeds have far fewer
MAX_LINKS = 50_000
# browsers and Scrapy (URLLENGTH_LIMIT) stop at this length: longer URLs are not links to follow
MAX_URL_LENGTH = 2083

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
_RECOVER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, recover=True)


class MalformedDocument(ValueError):
    """A feed or sitemap that is not XML at all (nothing could be salvaged)."""


@dataclass(frozen=True)
class Entry:
    url: str
    lastmod: str | None = None
    hints: Hints | None = None  # what a sitemap or feed says of the page (boltwise.hints)


@dataclass
class Listing:
    """What a discovery document lists: candidate article ``pages``, documents of the same kind
    to ``follow`` (a sitemap index's sitemaps, a listing page's next pages), the ``feeds`` a
    listing page announces and the ``sections`` it links to (other listings of its site). Absolute
    http(s) URLs without fragment, each once, in document order."""

    base_url: str
    max_links: int = MAX_LINKS
    pages: list[Entry] = field(default_factory=list)
    follow: list[Entry] = field(default_factory=list)
    feeds: list[Entry] = field(default_factory=list)
    sections: list[Entry] = field(default_factory=list)
    malformed: bool = False  # not well-formed XML: what is listed was salvaged
    skipped: int = 0  # entries without a usable URL (unparseable, not http(s), too long)
    cut: int = 0  # entries over ``max_links`` (of pages, or of documents to follow), not listed
    _seen: set[str] = field(default_factory=set, repr=False)
    _sections: set[str] = field(default_factory=set, repr=False)

    def add(
        self,
        href: str | None,
        lastmod: str | None = None,
        *,
        follow: bool = False,
        feed: bool = False,
        hints: Hints | None = None,
    ) -> None:
        entries = self.feeds if feed else self.follow if follow else self.pages
        if len(entries) >= self.max_links:
            self.cut += 1  # counted, not even resolved: a hostile page may hold millions
            return
        url = absolute_url(self.base_url, href)
        if url is None:
            self.skipped += 1
        elif url not in self._seen:
            self._seen.add(url)
            entries.append(Entry(url, lastmod, hints))

    def add_section(self, href: str | None, *, navigation: bool) -> None:
        """A link to another listing of the page's own site: any link in its navigation, or one
        whose URL is a section's. A link to one of this listing's own numbered pages (WordPress
        puts them in a ``<nav>`` without ``rel=next``) is a page to ``follow``. Other links, and
        links to other sites, are left out unnamed. Sections have a set of their own: an article
        a menu links to may be linked as an article further down (see :meth:`drop_listed`)."""
        if len(self.sections) >= self.max_links:
            return  # navigation is not where a page lists its content: nothing is lost by the cut
        url = absolute_url(self.base_url, href)
        if url is None or url in self._seen or url in self._sections:
            return
        if not (navigation or is_section_url(url)) or not on_domains(site_of(url), [site_of(self.base_url) or ""]):
            return
        if listing_root(url) == listing_root(self.base_url):  # this listing, page N
            if url != self.base_url:
                self.add(url, follow=True)
            return
        self._sections.add(url)
        self.sections.append(Entry(url))

    def drop_listed(self) -> None:
        """Sections that the page also names as articles or next pages are those, not sections."""
        self.sections = [entry for entry in self.sections if entry.url not in self._seen]


def absolute_url(base_url: str, href: str | None) -> str | None:
    """``href`` made absolute against ``base_url``, without fragment; None unless it is a usable
    http(s) URL: a host, a port that is a number, at most MAX_URL_LENGTH characters once escaped
    as Scrapy escapes it."""
    if not href or not href.strip():
        return None
    try:
        url = safe_url_string(urljoin(base_url, href.strip()).split("#")[0])
        parts = urlsplit(url)  # urljoin lets some broken URLs through that urlsplit refuses
        parts.port  # noqa: B018 - raises for a port that is out of range or no number, as Request() would
    except ValueError:  # e.g. "http://[oops": one bad entry must not cost the others
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_LENGTH:
        return None
    return url


def robots_sitemaps(text: str, base_url: str, max_links: int = MAX_LINKS) -> Listing:
    """The ``Sitemap:`` URLs of a robots.txt, in order, as documents to ``follow``."""
    listing = Listing(base_url, max_links)
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap":
            listing.add(value, follow=True)
    return listing


def parse_sitemap(body: bytes, base_url: str, max_links: int = MAX_LINKS) -> Listing:
    """A sitemap index, urlset or Google News sitemap; or a text sitemap (one URL per line)."""
    if _text_sitemap_start(body):
        return _text_sitemap(body, base_url, max_links)
    root, malformed = _parse_xml(body)
    kind = etree.QName(root).localname
    if kind not in ("sitemapindex", "urlset"):
        raise MalformedDocument(f"not a sitemap: root element <{kind}>")
    listing = Listing(base_url, max_links, malformed=malformed)
    for node in root:
        if not isinstance(node.tag, str):
            continue
        fields = {etree.QName(child).localname: child for child in node if isinstance(child.tag, str)}
        loc, lastmod = (_text(fields.get(name)) for name in ("loc", "lastmod"))
        if kind == "sitemapindex":
            listing.add(loc, iso_datetime(lastmod), follow=True)
        else:
            listing.add(loc, iso_datetime(lastmod), hints=_news_hints(fields.get("news")))
    return listing


def _news_hints(news: etree._Element | None) -> Hints | None:
    """A Google News sitemap entry's ``<news:news>``: publication date, title, keywords and the
    publication's language."""
    if news is None:
        return None
    fields = {etree.QName(child).localname: child for child in news.iter() if isinstance(child.tag, str)}
    return make_hints(
        title=_text(fields.get("title")),
        published=iso_datetime(_text(fields.get("publication_date"))),
        tags=split_keywords(_text(fields.get("keywords"))),
        language=_text(fields.get("language")),
    )


def _text(element: etree._Element | None) -> str | None:
    return (element.text or "").strip() or None if element is not None else None


# a line of a text sitemap: one absolute http(s) URL, nothing else (no white space, no controls)
_URL_LINE = re.compile(rb"https?://[^\x00-\x20\x7f]+", re.IGNORECASE)
_FIRST_LINE = re.compile(rb"(?:\xef\xbb\xbf)?\s*([^\r\n]*)")  # after a byte order mark and blank lines
_JSON_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*\{")


def _text_sitemap_start(body: bytes) -> bool:
    """Whether ``body`` is a text sitemap: its first line that is not blank is a URL. Anything
    else (XML after a PHP warning, an error page) is left to the XML parser, which salvages or
    refuses it."""
    first = _FIRST_LINE.match(body)  # no copy of the body: sitemaps can be tens of megabytes
    return first is not None and _URL_LINE.fullmatch(first[1].strip()) is not None


def _text_sitemap(body: bytes, base_url: str, max_links: int) -> Listing:
    """The sitemap protocol's text format: UTF-8, one absolute URL per line and nothing else;
    other lines are skipped entries."""
    try:
        lines = body.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise MalformedDocument("a text sitemap that is not UTF-8") from exc
    listing = Listing(base_url, max_links)
    for line in filter(str.strip, lines):
        url = line.strip()
        listing.add(url if _URL_LINE.fullmatch(url.encode()) else None)
    return listing


def parse_feed(body: bytes, base_url: str, max_links: int = MAX_LINKS) -> Listing:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, or of a JSON Feed."""
    if _JSON_START.match(body):
        return _json_feed(body, base_url, max_links)
    root, malformed = _parse_xml(body)
    kind = etree.QName(root).localname
    if kind not in ("rss", "RDF", "feed"):
        raise MalformedDocument(f"not a feed: root element <{kind}>")
    listing = Listing(base_url, max_links, malformed=malformed)
    # the feed's language: RSS 2.0's <channel><language>, RSS 1.0's dc:language, Atom's xml:lang
    language = _text(root.find("{*}channel/{*}language")) or root.get(XML_LANG)
    for node in root.iter("{*}item", "{*}entry"):
        fields: dict[str, etree._Element] = {}
        categories = []
        for child in node:
            if isinstance(child.tag, str):
                name = etree.QName(child).localname
                fields.setdefault(name, child)  # the first of each, as feed readers take it
                if name in ("category", "subject"):  # Atom's term attribute; RSS's and dc:subject's text
                    categories.append(child.get("term") or child.text or "")
        link = _atom_link(node) if kind == "feed" else _text(fields.get("link"))
        dates = [_text(fields.get(k)) for k in ("updated", "pubDate", "published", "date")]
        hints = make_hints(
            title=_text(fields.get("title")),
            published=_feed_date(dates[1] or dates[2] or dates[3]),
            tags=categories,
            language=node.get(XML_LANG) or language,
        )
        listing.add(link, _feed_date(next(filter(None, dates), None)), hints=hints)
    return listing


def _json_feed(body: bytes, base_url: str, max_links: int) -> Listing:
    """JSON Feed 1.0/1.1 (jsonfeed.org): each item's ``url``, dated by its last modification or
    else its publication."""
    try:
        feed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise MalformedDocument(f"not JSON ({exc.__class__.__name__})") from exc
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise MalformedDocument("not a feed: JSON without a jsonfeed.org version")
    items = feed.get("items")
    if not isinstance(items, list):
        raise MalformedDocument("not a feed: JSON Feed without items")
    listing = Listing(base_url, max_links)
    for item in items:
        if not isinstance(item, dict):
            listing.skipped += 1
            continue
        url, title, published, tags, language = (
            item.get(key, feed.get(key) if key == "language" else None)
            for key in ("url", "title", "date_published", "tags", "language")
        )
        modified = item.get("date_modified")
        date = next((d for d in (modified, published) if isinstance(d, str) and d), None)
        hints = make_hints(
            title=title if isinstance(title, str) else None,
            published=_feed_date(published) if isinstance(published, str) else None,
            tags=[tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else None,
            language=language if isinstance(language, str) else None,
        )
        listing.add(url if isinstance(url, str) else None, _feed_date(date), hints=hints)
    return listing


def _atom_link(entry: etree._Element) -> str | None:
    for link in entry.iterfind("{*}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def _feed_date(value: str | None) -> str | None:
    if not value:
        return None
    iso = iso_datetime(value)
    if iso:
        return iso
    try:  # RFC 822, as RSS 2.0 dates are
        return parsedate_to_datetime(value.strip()).isoformat()
    except (TypeError, ValueError):
        return None


def _parse_xml(body: bytes) -> tuple[etree._Element, bool]:
    try:
        return etree.fromstring(body, parser=_STRICT), False
    except etree.XMLSyntaxError:
        pass
    try:
        root = etree.fromstring(body, parser=_RECOVER)
    except etree.XMLSyntaxError as exc:
        raise MalformedDocument(str(exc)) from exc
    if root is None:
        raise MalformedDocument("no XML element could be salvaged")
    return root, True
