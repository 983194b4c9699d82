"""The ``news`` spider: articles of any site, from its feeds, sitemaps, listing pages or URLs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from boltwise import config, contentcoding, discovery, listings
from boltwise.cputime import off_reactor
from boltwise.items import Page
from boltwise.spiders.frontier import Frontier, Want, child_key, request_key
from boltwise.spiders.sharedfrontier import SharedFrontier, shared_crawl, shares_frontier
from boltwise.store import store_for
from boltwise.textcodec import UndecodableError, decode, is_html
from boltwise.urls import on_domains, site_of

logger = logging.getLogger(__name__)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class NewsSpider(Spider):
    """Crawl articles of any news site.

    Arguments (each comma-separated, at least one needed):
    ``site`` — a site's home page: its robots.txt sitemaps (or the usual WordPress sitemap paths),
    its listing pages with the sections they link to (BOLTWISE_LISTING_DEPTH hops), and the feeds
    those announce; ``feed`` — RSS, Atom or JSON feeds;
    ``sitemap`` — sitemaps or sitemap indexes;
    ``url`` — pages: an article becomes an item, a listing page is followed.

    What the spider asks for, and what became of every request, the frontier keeps
    (:mod:`boltwise.spiders.frontier`).
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
        for start in starts:
            if discovery.absolute_url(start, start) is None:
                raise ValueError(f"not a usable http(s) URL: {start!r}")
        # what the user aimed the crawl at: the egress policy allows the ports these name
        self.start_urls = starts
        # staying on the given sites: their hosts and subdomains, www or not
        self.allowed_domains = sorted({d for d in map(site_of, starts) if d})
        self.feeds_found: set[str] = set()  # announced by listing pages: counted and logged once
        # section links followed, and those past BOLTWISE_LISTING_DEPTH (each listing of a site
        # links to the same sections: what is too deep from one is near from another)
        self.sections: set[str] = {urljoin(site, urlsplit(site).path or "/") for site in self.sites}
        self.too_deep: set[str] = set()

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if shares_frontier(settings, cls.name):
            # each URL is leased once per run: Scrapy's duplicate filter could only drop a URL
            # taken over from a process that died, without a word to the frontier
            settings.set("DUPEFILTER_CLASS", "scrapy.dupefilters.BaseDupeFilter", priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_links = config.getint(spider.settings, "BOLTWISE_DISCOVERY_MAX_LINKS")
        spider.max_size = spider.settings.getint("DOWNLOAD_MAXSIZE")
        spider.listing_depth = config.getint(spider.settings, "BOLTWISE_LISTING_DEPTH")
        if spider.listing_depth < 0:
            raise ValueError(f"BOLTWISE_LISTING_DEPTH={spider.listing_depth}: a number of hops, 0 or more")
        if (depth_limit := spider.settings.getint("DEPTH_LIMIT")) and not shares_frontier(
            spider.settings, spider.name
        ):
            logger.warning(
                "DEPTH_LIMIT=%d counts every hop, robots.txt → sitemap index → sitemap → article is 3, and "
                "drops what is deeper without a word; BOLTWISE_LISTING_DEPTH bounds listing pages alone",
                depth_limit,
            )
        # a live crawl parses pages, sitemaps and feeds off the reactor thread, which keeps serving
        # the network meanwhile, on one thread of their own, so they finish in the order they
        # came. A replay has no network to serve, and parsing right away keeps every decision
        # in exactly the same order, run after run (the wait for a thread would let the
        # scheduler's order depend on the timing).
        live = not config.getlist(spider.settings, "BOLTWISE_REPLAY_DIR")
        spider.parser = ThreadPoolExecutor(1, thread_name_prefix="boltwise-discovery") if live else None
        return spider

    async def start(self) -> AsyncIterator[Request]:
        store = await store_for(self.crawler) if config.getbool(self.settings, "BOLTWISE_STORE_ENABLED") else None
        recrawl = store is not None and config.getbool(self.settings, "BOLTWISE_RECRAWL_ENABLED")
        if shared_crawl(self.crawler):
            self.frontier: Frontier = SharedFrontier(self, store, recrawl)
        else:
            self.frontier = Frontier(self, store, recrawl)
        async for request in self.frontier.start(self.start_wants()):
            yield request

    def start_wants(self) -> list[Want]:
        """What the arguments name, in their order: the first order keys of the crawl."""
        wants: list[tuple[str, str, dict[str, Any]]] = []
        for site in self.sites:
            wants += [("robots", urljoin(site, "/robots.txt"), {"site": site}), ("page", site, {"depth": 0})]
        wants += [("sitemap", url, {}) for url in self.sitemaps]
        wants += [("feed", url, {}) for url in self.feeds]
        wants += [("page", url, {"listed": True}) for url in self.urls]
        return [Want(kind, url, f"{i:08d}", start=True, **extra) for i, (kind, url, extra) in enumerate(wants)]

    async def parse_robots(self, response: Response, site: str) -> AsyncIterator[Request]:
        await self.frontier.begin(response)
        body = response.body if response.status == 200 else b""  # no robots.txt: no sitemaps named
        args = (body, _header(response, b"Content-Type"), response.url, self.max_links)
        listing = self._report(await self._parse(response, "robots", _robots, *args), response, "robots")
        if not listing.follow:
            listing = discovery.Listing(site)
            for path in discovery.WORDPRESS_SITEMAPS:
                listing.add(path, follow=True)
        async for request in self._follow(response, listing, "sitemap"):
            yield request
        await self.frontier.finished(response)

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Request]:
        await self.frontier.begin(response)
        args = (response.body, response.url, self.max_links, self.max_size)
        listing = self._report(await self._parse(response, "sitemap", _sitemap, *args), response, "sitemap")
        async for request in self._follow(response, listing, "sitemap"):
            yield request
        await self.frontier.finished(response)

    async def parse_feed(self, response: Response) -> AsyncIterator[Request]:
        await self.frontier.begin(response)
        args = (response.body, response.url, self.max_links)
        listing = self._report(await self._parse(response, "feed", discovery.parse_feed, *args), response, "feed")
        async for request in self._follow(response, listing, "feed"):
            yield request
        await self.frontier.finished(response)

    async def parse_page(
        self, response: Response, listed: bool, depth: int | None = None
    ) -> AsyncIterator[Page | Request]:
        """An article page becomes a Page item; a listing page is followed (with its sections,
        ``depth`` section links away from a ``site=`` home page, while under BOLTWISE_LISTING_DEPTH)."""
        stats, frontier = self.crawler.stats, self.frontier
        await frontier.begin(response)
        source = frontier.answered(response.request or Request(response.url))
        if response.status == 304:  # our conditional request: the stored version is current
            stats.inc_value("boltwise/recrawl/not_modified")
            await frontier.mark(source, "stored", "304 Not Modified")
            return
        content_type = _header(response, b"Content-Type")
        if not is_html(content_type, response.body):
            logger.warning("Not an HTML page, skipped: %s", response.url)
            stats.inc_value("boltwise/discovery/not_html")
            await frontier.mark(source, "dropped", "not an HTML page")
            return
        try:
            html, listing = await self._parse(
                response, "listing", _read_page, response.body, content_type, response.url, listed, self.max_links
            )
        except (UndecodableError, listings.UnparseablePage) as exc:
            logger.warning("Unparseable page, skipped: %s (%s)", response.url, exc)
            stats.inc_value("boltwise/discovery/unparseable")
            await frontier.mark(source, "dropped", "unparseable page")
            return
        if listing is None:  # an article
            stats.inc_value("boltwise/discovery/article")
            await frontier.fetched(source, _header(response, b"ETag"), _header(response, b"Last-Modified"))
            hints = response.meta.get("boltwise_hints")
            yield Page(source=source, html=html, url=response.url, fetched_at=_fetched_at(response), hints=hints)
            return
        self._report(listing, response, "listing")
        async for request in self._follow(response, listing, "listing", depth):
            yield request
        await frontier.mark(source, "listing")

    async def _follow(
        self, response: Response, listing: discovery.Listing, kind: str, depth: int | None = None
    ) -> AsyncIterator[Request]:
        """Requests for what ``listing`` names: pages to follow (a sitemap's sitemaps, a listing's
        pagination, at the listing's own ``depth``) first, then its articles, then its sections
        (a ``site=`` listing's, one hop deeper, up to BOLTWISE_LISTING_DEPTH), then the feeds a
        listing page announces, each keyed by its position there."""
        frontier, parent = self.frontier, request_key(response.request)
        follow = "page" if kind == "listing" else "sitemap"
        for i, entry in enumerate(listing.follow):
            if follow == "sitemap" and frontier.out_of_range(entry):  # a sitemap index's old sitemaps
                continue
            if request := await frontier.want(Want(follow, entry.url, child_key(parent, i), depth=depth)):
                yield request
        offset = len(listing.follow)
        for i, entry in enumerate(listing.pages, offset):
            if kind != "listing" and frontier.out_of_range(entry):
                continue
            lastmod = entry.lastmod if kind != "listing" else None
            key = child_key(parent, i)
            if request := await frontier.article(entry.url, lastmod, kind != "listing", key, entry.hints):
                yield request
        offset += len(listing.pages)
        if depth == 0:  # the home page, where its redirects led: its menu's "Start" is no section
            self.sections.add(response.url)
        if depth is not None:
            for i, entry in enumerate(listing.sections, offset):
                if request := await self._section(entry.url, child_key(parent, i), depth + 1):
                    yield request
        offset += len(listing.sections)
        for i, entry in enumerate(listing.feeds, offset):  # a listing page's <link rel=alternate>
            first = entry.url not in self.feeds_found  # most pages of a site announce the same feeds
            self.feeds_found.add(entry.url)
            if not on_domains(site_of(entry.url), self.allowed_domains):  # a feed service's host
                if first:  # Scrapy's offsite filter would drop it
                    self.crawler.stats.inc_value("boltwise/discovery/offsite")
                continue
            if first:
                self.crawler.stats.inc_value("boltwise/discovery/feed_found")
                logger.info("Feed found on %s: %s", response.url, entry.url)
            if request := await frontier.want(Want("feed", entry.url, child_key(parent, i))):
                yield request

    async def _section(self, url: str, key: str, depth: int) -> Request | None:
        """The request for a section a listing links to, unless it is deeper than the limit."""
        if depth > self.listing_depth:
            self.too_deep.add(url)  # counted as the crawl ends: most are linked nearer the top too
            return None
        if url not in self.sections:
            self.sections.add(url)
            self.crawler.stats.inc_value("boltwise/discovery/section")
        return await self.frontier.want(Want("page", url, key, depth=depth))

    def closed(self, reason: str) -> None:
        if too_deep := len(self.too_deep - self.sections):
            self.crawler.stats.set_value("boltwise/discovery/section_too_deep", too_deep)
        if self.parser is not None:
            self.parser.shutdown(wait=False)

    async def fetch_failed(self, failure: Failure) -> None:
        """The errback of every request (a spider method, so that requests can be serialised)."""
        await self.frontier.failed(failure)

    async def _parse(self, response: Response, kind: str, parse: Callable[..., Any], *args: Any) -> Any:
        """``parse(*args)`` off the reactor thread (a listing page or sitemap may be megabytes); a
        sitemap or feed that is not XML at all lists nothing."""
        try:
            result = await off_reactor(self.crawler.stats, "discover", self.parser, parse, *args)
        except discovery.MalformedDocument as exc:
            logger.error("Malformed %s, nothing salvaged: %s (%s)", kind, response.url, exc)
            self.crawler.stats.inc_value(f"boltwise/discovery/malformed_{kind}")
            return discovery.Listing(response.url)  # reported: nothing more to say of it
        return result

    def _report(self, listing: discovery.Listing, response: Response, kind: str) -> discovery.Listing:
        stats = self.crawler.stats
        stats.inc_value(f"boltwise/discovery/{kind}")
        if listing.malformed:
            found = len(listing.pages) + len(listing.follow) + len(listing.feeds)
            logger.warning("Malformed %s, %d entries salvaged: %s", kind, found, response.url)
            stats.inc_value(f"boltwise/discovery/malformed_{kind}")
        if listing.skipped:
            logger.warning("%d entries without a usable URL skipped in %s %s", listing.skipped, kind, response.url)
            stats.inc_value("boltwise/discovery/skipped", listing.skipped)
        if listing.cut:
            logger.warning(
                "%d links over BOLTWISE_DISCOVERY_MAX_LINKS=%d not followed in %s %s",
                listing.cut,
                listing.max_links,
                kind,
                response.url,
            )
            stats.inc_value("boltwise/discovery/cut", listing.cut)
        return listing


def _robots(body: bytes, content_type: str | None, url: str, max_links: int) -> discovery.Listing:
    try:
        text = decode(body, content_type=content_type, html=False)
    except UndecodableError as exc:
        raise discovery.MalformedDocument(f"does not decode ({exc})") from exc
    return discovery.robots_sitemaps(text, url, max_links)


def _sitemap(body: bytes, url: str, max_links: int, max_size: int) -> discovery.Listing:
    if body[:2] == b"\x1f\x8b":  # .xml.gz sitemaps, served without Content-Encoding
        try:
            body = contentcoding.decode(body, "gzip", max_size)
        except contentcoding.TooLarge as exc:
            raise discovery.MalformedDocument(f"more than DOWNLOAD_MAXSIZE={max_size} bytes gunzipped") from exc
        except contentcoding.Undecodable as exc:
            raise discovery.MalformedDocument(f"not valid gzip ({exc})") from exc
    return discovery.parse_sitemap(body, url, max_links)


def _read_page(
    body: bytes, content_type: str | None, url: str, listed: bool, max_links: int
) -> tuple[str, discovery.Listing | None]:
    """A page's text, and its links if it is a listing (None: an article).

    One decoding for crawls, replays and saved files: what lxml cannot decode (UTF-16, EUC,
    ISO-2022) and latin-1 bytes declared as UTF-8 come out right.
    """
    html = decode(body, content_type=content_type)
    return html, listings.read_listing(html, url, listed, max_links)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _fetched_at(response: Response) -> str:
    """When the page was served: its Date header (so replays are repeatable), else now."""
    date = response.headers.get(b"Date")
    if date:
        try:
            return parsedate_to_datetime(date.decode("latin-1")).astimezone(UTC).isoformat()
        except (TypeError, ValueError, OverflowError):  # no date, or one past what datetime holds
            pass
    return datetime.now(UTC).isoformat()
