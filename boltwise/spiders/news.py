"""The ``news`` spider: articles of any site, from its feeds, sitemaps, listing pages or URLs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.gz import gunzip

from boltwise import discovery
from boltwise.items import Page
from boltwise.metadata import read_metadata
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

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":  # .xml.gz sitemaps, served without Content-Encoding
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        listing = self._listing(discovery.parse_sitemap, body, response, "sitemap")
        for entry in listing.sitemaps:
            yield Request(entry.url, self.parse_sitemap)
        yield from self._pages(listing.pages)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        yield from self._pages(self._listing(discovery.parse_feed, response.body, response, "feed").pages)

    def parse_page(self, response: Response, listed: bool) -> Iterator[Page | Request]:
        """An article page becomes a Page item; a listing page is followed."""
        stats = self.crawler.stats
        if not isinstance(response, HtmlResponse):
            logger.warning("Not an HTML page, skipped: %s", response.url)
            stats.inc_value("boltwise/discovery/not_html")
            return
        tree = response.selector.root
        is_article = read_metadata(tree).is_article
        # a page that says nothing about itself is an article when a feed or sitemap lists it
        if is_article or (is_article is None and listed):
            stats.inc_value("boltwise/discovery/article")
            redirects = response.meta.get("redirect_urls") or [response.url]
            yield Page(
                source=redirects[0],
                html=response.text,
                url=response.url,
                fetched_at=_fetched_at(response),
            )
            return
        stats.inc_value("boltwise/discovery/listing")
        next_pages, articles = discovery.listing_links(tree, response.url)
        for url in next_pages:
            yield Request(url, self.parse_page, cb_kwargs={"listed": False})
        for url in articles:
            yield Request(url, self.parse_page, cb_kwargs={"listed": False})

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

    def _pages(self, entries: list[discovery.Entry]) -> Iterator[Request]:
        for entry in entries:
            yield Request(entry.url, self.parse_page, cb_kwargs={"listed": True})


def _fetched_at(response: Response) -> str:
    """When the page was served: its Date header (so replays are repeatable), else now."""
    date = response.headers.get(b"Date")
    if date:
        try:
            return parsedate_to_datetime(date.decode("latin-1")).astimezone(UTC).isoformat()
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC).isoformat()
