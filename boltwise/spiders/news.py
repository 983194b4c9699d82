"""The ``news`` spider: articles of any site, from its feeds, sitemaps, listing pages or URLs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from lxml.etree import ParserError
from lxml.html import HTMLParser, document_fromstring
from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.gz import gunzip

from boltwise import config, discovery
from boltwise.cputime import charged
from boltwise.items import Page
from boltwise.metadata import read_metadata
from boltwise.store import TERMINAL, Store, store_for
from boltwise.urls import site_of

logger = logging.getLogger(__name__)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class NewsSpider(Spider):
    """Crawl articles of any news site.

    Arguments (each comma-separated, at least one needed):
    ``site`` — a site's home page: its robots.txt sitemaps (or the usual WordPress sitemap paths)
    and its listing pages; ``feed`` — RSS/Atom feeds; ``sitemap`` — sitemaps or sitemap indexes;
    ``url`` — pages: an article becomes an item, a listing page is followed.
    """

    name = "news"

    def __init__(
        self,
        *args: Any,
        site: str = "",
        feed: str = "",
        sitemap: str = "",
        url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sites, self.feeds = _split(site), _split(feed)
        self.sitemaps, self.urls = _split(sitemap), _split(url)
        starts = self.sites + self.feeds + self.sitemaps + self.urls
        if not starts:
            raise ValueError(f"the {self.name} spider needs -a site=, -a feed=, -a sitemap= or -a url=")
        # staying on the given sites: their hosts and subdomains, www or not
        self.allowed_domains = sorted({d for d in map(site_of, starts) if d})

    async def start(self) -> AsyncIterator[Request]:
        self.store: Store | None = None
        # article URLs requested in this crawl, with the newest lastmod listed for each
        self.requested: dict[str, str | None] = {}
        if config.getbool(self.settings, "BOLTWISE_STORE_ENABLED"):
            self.store = await store_for(self.crawler)
            # a crawl that was cut short: its unfinished article URLs first
            for url in await self.store.unfinished():
                if url.startswith(("http://", "https://")):
                    self.crawler.stats.inc_value("boltwise/ledger/resumed")
                    self.requested[url] = None
                    yield Request(url, self.parse_page, cb_kwargs={"listed": True})
        self.recrawl = self.store is not None and config.getbool(self.settings, "BOLTWISE_RECRAWL_ENABLED")
        for site in self.sites:
            yield Request(urljoin(site, "/robots.txt"), self.parse_robots, cb_kwargs={"site": site})
            yield Request(site, self.parse_page, cb_kwargs={"listed": False})
        for url in self.sitemaps:
            yield Request(url, self.parse_sitemap)
        for url in self.feeds:
            yield Request(url, self.parse_feed)
        for url in self.urls:
            yield Request(url, self.parse_page, cb_kwargs={"listed": True})

    def parse_robots(self, response: Response, site: str) -> Iterator[Request]:
        text = response.text if isinstance(response, TextResponse) else ""
        sitemaps = discovery.robots_sitemaps(text)
        if not sitemaps:
            sitemaps = [urljoin(site, path) for path in discovery.WORDPRESS_SITEMAPS]
        for url in sitemaps:
            yield Request(url, self.parse_sitemap)

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":  # .xml.gz sitemaps, served without Content-Encoding
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        listing = self._listing(discovery.parse_sitemap, body, response, "sitemap")
        for entry in listing.sitemaps:
            yield Request(entry.url, self.parse_sitemap)
        for entry in listing.pages:
            if request := await self._article_request(entry.url, entry.lastmod, listed=True):
                yield request

    async def parse_feed(self, response: Response) -> AsyncIterator[Request]:
        for entry in self._listing(discovery.parse_feed, response.body, response, "feed").pages:
            if request := await self._article_request(entry.url, entry.lastmod, listed=True):
                yield request

    async def parse_page(self, response: Response, listed: bool) -> AsyncIterator[Page | Request]:
        """An article page becomes a Page item; a listing page is followed."""
        stats = self.crawler.stats
        source = (response.meta.get("redirect_urls") or [response.url])[0]
        if response.status == 304:  # our conditional request: the stored version is current
            stats.inc_value("boltwise/recrawl/not_modified")
            if self.store is not None:
                await self.store.mark(source, "stored", "304 Not Modified")
            return
        if not isinstance(response, HtmlResponse):
            logger.warning("Not an HTML page, skipped: %s", response.url)
            stats.inc_value("boltwise/discovery/not_html")
            if self.store is not None:
                await self.store.mark(source, "dropped", "not an HTML page")
            return
        with charged(stats, "discover"):
            try:
                # a tree of our own, not response.selector: Scrapy keeps responses (and the tree
                # parsel would cache on them) alive until their items are through the pipelines
                tree = document_fromstring(response.body, parser=HTMLParser(encoding=response.encoding))
            except (ParserError, ValueError) as exc:
                tree = None
                logger.warning("Unparseable page, skipped: %s (%s)", response.url, exc)
                stats.inc_value("boltwise/discovery/unparseable")
        if tree is None:
            if self.store is not None:
                await self.store.mark(source, "dropped", "unparseable page")
            return
        is_article = read_metadata(tree).is_article
        # a page that says nothing about itself is an article when a feed or sitemap lists it
        if is_article or (is_article is None and listed):
            stats.inc_value("boltwise/discovery/article")
            if self.store is not None:
                await self.store.mark(source, "fetched")
                etag, last_modified = response.headers.get(b"ETag"), response.headers.get(b"Last-Modified")
                if etag or last_modified:
                    await self.store.validators(source, _text(etag), _text(last_modified))
            yield Page(source=source, html=response.text, url=response.url, fetched_at=_fetched_at(response))
            return
        stats.inc_value("boltwise/discovery/listing")
        if self.store is not None:
            await self.store.mark(source, "listing")
        next_pages, articles = discovery.listing_links(tree, response.url)
        for url in next_pages:
            yield Request(url, self.parse_page, cb_kwargs={"listed": False})
        for url in articles:
            if request := await self._article_request(url, None, listed=False):
                yield request

    async def _article_request(self, url: str, lastmod: str | None, listed: bool) -> Request | None:
        """A request for a possible article, unless the store says nothing changed since or this
        crawl requested it already."""
        if not self.recrawl:
            return Request(url, self.parse_page, cb_kwargs={"listed": listed})
        assert self.store is not None
        if url in self.requested:
            # listed again (feed, sitemap and listing pages overlap): its request is made already,
            # and its ledger state may be past "discovered" by now, so it is left alone
            if lastmod and _newer(lastmod, self.requested[url]):
                self.requested[url] = lastmod
                await self.store.announced(url, lastmod)
            return None
        known = await self.store.ledger(url)
        headers, meta = {}, {}
        if known is not None:
            state, known_lastmod, etag, last_modified = known
            if state in TERMINAL and not _newer(lastmod, known_lastmod):
                self.crawler.stats.inc_value("boltwise/recrawl/skipped_unchanged")
                return None
            if state in TERMINAL:  # announced as changed: ask conditionally where the server allows
                headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
                meta = {"handle_httpstatus_list": [304]} if headers else {}
                self.crawler.stats.inc_value("boltwise/recrawl/changed")
        if known is None or known[0] != "listing":  # a listing stays one: fetched again each crawl
            await self.store.discover(url, lastmod, known[0] if known else None)
        self.requested[url] = lastmod
        return Request(url, self.parse_page, cb_kwargs={"listed": listed}, headers=headers, meta=meta)

    def _listing(self, parse: Any, body: bytes, response: Response, kind: str) -> discovery.Listing:
        stats = self.crawler.stats
        try:
            listing = parse(body, response.url)
        except discovery.MalformedDocument as exc:
            logger.error("Malformed %s, nothing salvaged: %s (%s)", kind, response.url, exc)
            stats.inc_value(f"boltwise/discovery/malformed_{kind}")
            return discovery.Listing([], [], malformed=True)
        if listing.malformed:
            logger.warning(
                "Malformed %s, %d entries salvaged: %s",
                kind,
                len(listing.pages) + len(listing.sitemaps),
                response.url,
            )
            stats.inc_value(f"boltwise/discovery/malformed_{kind}")
        stats.inc_value(f"boltwise/discovery/{kind}")
        return listing


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None


def _moment(value: str) -> datetime:
    parsed = (
        datetime.fromisoformat(value)
        if len(value) > 10
        else datetime.combine(date.fromisoformat(value), datetime.min.time())
    )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _newer(lastmod: str | None, known: str | None) -> bool:
    """Whether a feed/sitemap ``lastmod`` announces a version newer than the one we hold."""
    if lastmod is None:
        return False  # nothing announced: what we hold stands
    if known is None:
        return True
    try:
        return _moment(lastmod) > _moment(known)
    except ValueError:
        return lastmod > known


def _fetched_at(response: Response) -> str:
    """When the page was served: its Date header (so replays are repeatable), else now."""
    date = response.headers.get(b"Date")
    if date:
        try:
            return parsedate_to_datetime(date.decode("latin-1")).astimezone(UTC).isoformat()
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC).isoformat()
