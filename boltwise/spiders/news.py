"""The ``news`` spider: articles of any site, from its feeds, sitemaps, listing pages or URLs."""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from boltwise import config, discovery, outcomes
from boltwise.cputime import off_reactor
from boltwise.items import Page
from boltwise.middlewares import RobotsTxtUnavailable
from boltwise.store import TERMINAL, Store, store_for
from boltwise.textcodec import UndecodableError, decode, is_html
from boltwise.urls import on_domains, site_of

logger = logging.getLogger(__name__)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class NewsSpider(Spider):
    """Crawl articles of any news site.

    Arguments (each comma-separated, at least one needed):
    ``site`` — a site's home page: its robots.txt sitemaps (or the usual WordPress sitemap paths)
    and its listing pages; ``feed`` — RSS/Atom feeds; ``sitemap`` — sitemaps or sitemap indexes;
    ``url`` — pages: an article becomes an item, a listing page is followed.

    Every request ends in its callback or in :meth:`fetch_failed`, which records in the crawl
    ledger why an article URL was not fetched (:mod:`boltwise.outcomes`).
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
            if discovery.Listing(start).add(start) or not start.startswith(("http://", "https://")):
                raise ValueError(f"not an http(s) URL: {start!r}")
        # what the user aimed the crawl at: the egress policy allows the ports these name
        self.start_urls = starts
        # staying on the given sites: their hosts and subdomains, www or not
        self.allowed_domains = sorted({d for d in map(site_of, starts) if d})
        # article URLs requested in this crawl, with the newest lastmod listed for each
        self.requested: dict[str, str | None] = {}
        # those of them whose request has ended neither in parse_page nor in fetch_failed yet
        self.unanswered: set[str] = set()
        self._writing: set[asyncio.Task[None]] = set()  # ledger rows of requests Scrapy dropped

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_links = config.getint(spider.settings, "BOLTWISE_DISCOVERY_MAX_LINKS")
        spider.max_size = spider.settings.getint("DOWNLOAD_MAXSIZE")
        # a live crawl parses pages, sitemaps and feeds off the reactor thread, which keeps serving
        # the network meanwhile, on one thread of their own, so they finish in the order they
        # came. A replay has no network to serve, and parsing right away keeps every decision
        # in exactly the same order, run after run (the wait for a thread would let the
        # scheduler's order depend on the timing).
        live = not config.getlist(spider.settings, "BOLTWISE_REPLAY_DIR")
        spider.parser = ThreadPoolExecutor(1, thread_name_prefix="boltwise-discovery") if live else None
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        self.store: Store | None = None
        if config.getbool(self.settings, "BOLTWISE_STORE_ENABLED"):
            self.store = await store_for(self.crawler)
            # a crawl that was cut short: its unfinished article URLs first
            for url in await self.store.unfinished():
                if url.startswith(("http://", "https://")) and (request := self._page_request(url, listed=True)):
                    self.crawler.stats.inc_value("boltwise/ledger/resumed")
                    self.unanswered.add(url)
                    yield request
        self.recrawl = self.store is not None and config.getbool(self.settings, "BOLTWISE_RECRAWL_ENABLED")
        for site in self.sites:
            # any status: a site without robots.txt (404) still gets the usual sitemap paths tried
            robots = {"handle_httpstatus_all": True}
            yield self._request(
                urljoin(site, "/robots.txt"), self.parse_robots, site=site, start=True, meta=robots
            )
            if request := self._page_request(site, listed=False, start=True):
                yield request
        for url in self.sitemaps:
            yield self._request(url, self.parse_sitemap, start=True)
        for url in self.feeds:
            yield self._request(url, self.parse_feed, start=True)
        for url in self.urls:
            if request := self._page_request(url, listed=True, start=True):
                yield request

    def _page_request(
        self, url: str, listed: bool, *, start: bool = False, meta: dict | None = None
    ) -> Request | None:
        """A request for a page, an article or a listing, unless this crawl requested it already.

        Asked here rather than left to Scrapy's duplicate filter, which drops a request without a
        word to its errback: a page listed as an article after it was requested as a listing (a
        home page in a sitemap) would never hear of it.
        """
        if url in self.requested:
            return None
        self.requested[url] = None
        return self._request(url, self.parse_page, listed=listed, start=start, meta=meta)

    def _request(
        self,
        url: str,
        callback: Callable[..., Any],
        *,
        start: bool = False,
        meta: dict | None = None,
        **kwargs: Any,
    ) -> Request:
        return Request(
            url,
            callback,
            errback=self.fetch_failed,
            cb_kwargs=kwargs,
            meta={**(meta or {}), "boltwise_start": start},
        )

    async def parse_robots(self, response: Response, site: str) -> AsyncIterator[Request]:
        text = ""
        if response.status == 200:
            try:
                text = decode(response.body, content_type=_header(response, b"Content-Type"), html=False)
            except UndecodableError as exc:
                logger.warning("robots.txt does not decode, its sitemaps are not read: %s (%s)", response.url, exc)
        listing = self._report(discovery.robots_sitemaps(text, response.url, self.max_links), response, "robots")
        if not listing.follow:
            listing = discovery.Listing(site)
            for path in discovery.WORDPRESS_SITEMAPS:
                listing.add(path, follow=True)
        for entry in listing.follow:
            yield self._request(entry.url, self.parse_sitemap)

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Request]:
        listing = await self._parse(
            response, "sitemap", _sitemap, response.body, response.url, self.max_links, self.max_size
        )
        for entry in listing.follow:
            yield self._request(entry.url, self.parse_sitemap)
        for entry in listing.pages:
            if request := await self._article_request(entry.url, entry.lastmod, listed=True):
                yield request

    async def parse_feed(self, response: Response) -> AsyncIterator[Request]:
        listing = await self._parse(
            response, "feed", discovery.parse_feed, response.body, response.url, self.max_links
        )
        for entry in listing.pages:
            if request := await self._article_request(entry.url, entry.lastmod, listed=True):
                yield request

    async def parse_page(self, response: Response, listed: bool) -> AsyncIterator[Page | Request]:
        """An article page becomes a Page item; a listing page is followed."""
        stats = self.crawler.stats
        source = _source(response.request or Request(response.url))
        self.unanswered.discard(source)
        if response.status == 304:  # our conditional request: the stored version is current
            stats.inc_value("boltwise/recrawl/not_modified")
            await self._mark(source, "stored", "304 Not Modified")
            return
        content_type = _header(response, b"Content-Type")
        if not is_html(content_type, response.body):
            logger.warning("Not an HTML page, skipped: %s", response.url)
            stats.inc_value("boltwise/discovery/not_html")
            await self._mark(source, "dropped", "not an HTML page")
            return
        try:
            # one decoding for crawls, replays and saved files: what lxml cannot decode (UTF-16,
            # EUC, ISO-2022) and latin-1 bytes declared as UTF-8 come out right
            html = decode(response.body, content_type=content_type)
            listing = await self._parse(
                response, "listing", discovery.read_listing, html, response.url, listed, self.max_links
            )
        except (UndecodableError, discovery.UnparseablePage) as exc:
            logger.warning("Unparseable page, skipped: %s (%s)", response.url, exc)
            stats.inc_value("boltwise/discovery/unparseable")
            await self._mark(source, "dropped", "unparseable page")
            return
        if listing is None:
            stats.inc_value("boltwise/discovery/article")
            if self.store is not None:
                await self.store.mark(source, "fetched")
                etag, last_modified = _header(response, b"ETag"), _header(response, b"Last-Modified")
                if etag or last_modified:
                    await self.store.validators(source, etag, last_modified)
            yield Page(source=source, html=html, url=response.url, fetched_at=_fetched_at(response))
            return
        stats.inc_value("boltwise/discovery/listing")
        await self._mark(source, "listing")
        for entry in listing.follow:
            if request := self._page_request(entry.url, listed=False):
                yield request
        for entry in listing.pages:
            if request := await self._article_request(entry.url, None, listed=False):
                yield request

    def closed(self, reason: str) -> None:
        if self.parser is not None:
            self.parser.shutdown(wait=False)

    async def fetch_failed(self, failure: Failure) -> None:
        """The errback of every request: count, log and record why it was not fetched."""
        request = failure.request  # type: ignore[attr-defined]
        outcome = outcomes.outcome(failure.value)
        self.crawler.stats.inc_value(outcome.stat)
        page = request.callback == self.parse_page
        if isinstance(failure.value, RobotsTxtUnavailable):  # reported once, where it was fetched
            logger.debug("Not fetched (%s): %s", outcome.reason, request.url)
        elif outcome.kind == "robots" and (request.meta.get("boltwise_start") or not page):
            # a start URL, a sitemap or a feed: the crawl needs it to find anything
            logger.warning("robots.txt forbids %s, which this crawl needs (ROBOTSTXT_OBEY)", request.url)
        elif outcome.kind in ("robots", "offsite", "egress"):  # counted and, for egress, logged already
            logger.debug("Not fetched (%s): %s", outcome.reason, request.url)
        elif outcome.state == "dropped":
            logger.info("Not fetched (%s): %s", outcome.reason, request.url)
        else:
            logger.warning("Could not fetch %s (%s)", request.url, outcome.reason)
        if page:
            self.unanswered.discard(_source(request))
            await self._mark(_source(request), outcome.state, outcome.reason)

    def request_dropped(self, request: Request) -> None:
        """Scrapy's duplicate filter refused a request: for an article, a redirect to a URL this
        crawl requested already (its errback hears nothing of it)."""
        if (source := _source(request)) in self.unanswered:
            self._close_rows([source], "duplicate", "it redirects to a URL this crawl requested already")

    def idle(self) -> None:
        """When nothing is left to do, close the ledger rows of article requests that never came back.

        Scrapy drops some requests without a word to their errback: a redirect to another site, a
        request past DEPTH_LIMIT. Left "discovered", they would be requested again at every start.
        The crawl is held open until the rows are written.
        """
        if self.unanswered:
            reason = "dropped by Scrapy without a response (a redirect to another site, DEPTH_LIMIT)"
            self._close_rows(sorted(self.unanswered), "filtered", reason)
        if self._writing:
            raise DontCloseSpider

    def _close_rows(self, urls: list[str], kind: str, reason: str) -> None:
        self.unanswered.difference_update(urls)
        self.crawler.stats.inc_value(f"boltwise/fetch/dropped/{kind}", len(urls))
        logger.info("Not fetched (%s): %s", reason, ", ".join(urls[:10]) + (" …" if len(urls) > 10 else ""))
        if self.store is not None:
            task = asyncio.ensure_future(self._mark_dropped(urls, reason))
            self._writing.add(task)  # held until done: a task nobody holds may be collected
            task.add_done_callback(self._writing.discard)

    async def _mark_dropped(self, urls: list[str], reason: str) -> None:
        try:
            for url in urls:
                await self._mark(url, "dropped", reason)
        except Exception:  # the rows stay "discovered": the next crawl asks for them again
            logger.exception("Could not record %d dropped article URLs in the ledger", len(urls))

    async def _article_request(self, url: str, lastmod: str | None, listed: bool) -> Request | None:
        """A request for a possible article, unless it is on another site, the store says nothing
        changed since or this crawl requested it already."""
        if not on_domains(site_of(url), self.allowed_domains):
            # Scrapy's offsite filter would drop it as it is scheduled, without a word to its errback
            self.crawler.stats.inc_value("boltwise/discovery/offsite")
            return None
        if url in self.requested:
            # listed again (feed, sitemap and listing pages overlap): its request is made already,
            # and its ledger state may be past "discovered" by now, so it is left alone
            if self.store is not None and self.recrawl and lastmod and _newer(lastmod, self.requested[url]):
                self.requested[url] = lastmod
                await self.store.announced(url, lastmod)
            return None
        if not self.recrawl:
            return self._page_request(url, listed)
        assert self.store is not None
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
        request = self._page_request(url, listed, meta=meta)
        assert request is not None  # not requested yet: asked above
        self.requested[url] = lastmod
        self.unanswered.add(url)
        request.headers.update(headers)
        return request

    async def _parse(self, response: Response, kind: str, parse: Callable[..., Any], *args: Any) -> Any:
        """``parse(*args)`` off the reactor thread (a listing page or sitemap may be megabytes),
        reported per document; a sitemap or feed that is not XML at all lists nothing."""
        try:
            listing = await off_reactor(self.crawler.stats, "discover", self.parser, parse, *args)
        except discovery.MalformedDocument as exc:
            logger.error("Malformed %s, nothing salvaged: %s (%s)", kind, response.url, exc)
            self.crawler.stats.inc_value(f"boltwise/discovery/malformed_{kind}")
            return discovery.Listing(response.url, malformed=True)
        return listing if listing is None else self._report(listing, response, kind)

    def _report(self, listing: discovery.Listing, response: Response, kind: str) -> discovery.Listing:
        stats = self.crawler.stats
        if kind != "listing":
            stats.inc_value(f"boltwise/discovery/{kind}")
        if listing.malformed:
            found = len(listing.pages) + len(listing.follow)
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

    async def _mark(self, url: str, state: str, reason: str | None = None) -> None:
        if self.store is not None:
            await self.store.mark(url, state, reason)


def _sitemap(body: bytes, url: str, max_links: int, max_size: int) -> discovery.Listing:
    if body[:2] == b"\x1f\x8b":  # .xml.gz sitemaps, served without Content-Encoding
        try:
            body = gunzip(body, max_size=max_size)
        except ValueError as exc:  # Scrapy's own "larger than max_size"
            raise discovery.MalformedDocument(f"more than DOWNLOAD_MAXSIZE={max_size} bytes gunzipped") from exc
        except (OSError, EOFError, struct.error) as exc:
            raise discovery.MalformedDocument(f"not valid gzip ({exc})") from exc
    return discovery.parse_sitemap(body, url, max_links)


def _source(request: Request) -> str:
    """The URL the crawl asked for: the ledger's key for the page, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
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
