"""Finding article URLs: robots.txt, sitemaps (index, urlset, Google News), RSS/Atom feeds and
listing pages. Plain parsing functions; the spiders only turn their results into requests."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

from boltwise.metadata import iso_datetime

# the usual places of a WordPress site's sitemap when robots.txt names none
WORDPRESS_SITEMAPS = ("/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml")

_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
_RECOVER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, recover=True)


class MalformedDocument(ValueError):
    """A feed or sitemap that is not XML at all (nothing could be salvaged)."""


@dataclass(frozen=True)
class Entry:
    url: str
    lastmod: str | None = None


@dataclass(frozen=True)
class Listing:
    """What an XML discovery document lists; ``malformed`` if it had to be salvaged."""

    pages: list[Entry]
    sitemaps: list[Entry]
    malformed: bool = False


def robots_sitemaps(text: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt, in order."""
    urls = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            urls.append(value.strip())
    return urls


def parse_sitemap(body: bytes, base_url: str) -> Listing:
    root, malformed = _parse_xml(body)
    pages, sitemaps = [], []
    kind = etree.QName(root).localname
    for node in root:
        if not isinstance(node.tag, str):
            continue
        fields = {etree.QName(child).localname: (child.text or "").strip() for child in node}
        loc = fields.get("loc")
        if not loc:
            continue
        entry = Entry(urljoin(base_url, loc), iso_datetime(fields.get("lastmod")))
        (sitemaps if kind == "sitemapindex" else pages).append(entry)
    if kind not in ("sitemapindex", "urlset"):
        raise MalformedDocument(f"not a sitemap: root element <{kind}>")
    return Listing(pages, sitemaps, malformed)


def parse_feed(body: bytes, base_url: str) -> Listing:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed."""
    root, malformed = _parse_xml(body)
    kind = etree.QName(root).localname
    if kind not in ("rss", "RDF", "feed"):
        raise MalformedDocument(f"not a feed: root element <{kind}>")
    pages = []
    for node in root.iter("{*}item", "{*}entry"):
        fields = {etree.QName(c).localname: c for c in node if isinstance(c.tag, str)}
        link = _atom_link(node) if kind == "feed" else (fields["link"].text if "link" in fields else None)
        if not link or not link.strip():
            continue
        date = next((fields[k].text for k in ("updated", "pubDate", "date") if k in fields), None)
        pages.append(Entry(urljoin(base_url, link.strip()), _feed_date(date)))
    return Listing(pages, [], malformed)


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


# listing pages (home, category, tag archives): pagination and the articles they link to
NEXT_PAGE_XPATH = (
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
    " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
)
ARTICLE_LINK_XPATH = (
    "//article//a[contains(concat(' ', normalize-space(@rel), ' '), ' bookmark ')]/@href"
    " | //article//*[self::h1 or self::h2 or self::h3 or self::h4]//a/@href"
)


def listing_links(tree: etree._Element, base_url: str) -> tuple[list[str], list[str]]:
    """(next pages, article links) of a listing page, absolute, in page order, without repeats."""
    return _absolute(tree.xpath(NEXT_PAGE_XPATH), base_url), _absolute(tree.xpath(ARTICLE_LINK_XPATH), base_url)


def _absolute(hrefs: list[str], base_url: str) -> list[str]:
    seen: dict[str, None] = {}
    for href in hrefs:
        url = urljoin(base_url, href.strip())
        if url.startswith(("http://", "https://")):
            seen.setdefault(url.split("#")[0])
    return list(seen)
