"""What a crawl asks for, once each, and what became of every request: the crawl ledger's side of
the ``news`` spider.

Ledger states of a page URL (:mod:`boltwise.store`): a feed, sitemap or listing makes it
``discovered`` (or, stored already and announced as changed, asked for again conditionally); its
response makes it ``fetched``, ``listing`` or ``dropped``, and the item pipelines end it ``stored``,
``duplicate`` or ``dropped``; a request that fails ends ``dropped`` or ``failed`` by
:mod:`boltwise.outcomes`. Scrapy drops some requests without a word to their errback; the frontier
closes their rows too, so that no URL stays ``discovered`` to be resumed at every start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from boltwise import outcomes
from boltwise.discovery import Entry
from boltwise.hints import Hints
from boltwise.limits import SiteCapReached, date_range, moment, site_quota
from boltwise.middlewares import RobotsTxtUnavailable
from boltwise.store import TERMINAL, Store
from boltwise.urls import on_domains, site_of

if TYPE_CHECKING:
    from boltwise.spiders.news import NewsSpider

logger = logging.getLogger(__name__)


def child_key(parent: str, position: int) -> str:
    """The order key of the ``position``-th entry its parent lists: keys sort like discovery order
    (text order, fixed-width parts), wherever and whenever each page is fetched."""
    return f"{parent}.{position:08d}"


def request_key(request: Request | None) -> str:
    return (request.meta.get("boltwise_key") if request is not None else None) or ""


@dataclass(frozen=True)
class Want:
    """Something the crawl wants fetched: a robots.txt, sitemap, feed or page, with its order key."""

    kind: str  # robots | sitemap | feed | page
    url: str
    key: str
    listed: bool = False  # a page a feed, sitemap or listing named (an article, most likely)
    start: bool = False  # named on the command line
    site: str | None = None  # robots.txt: the site whose sitemaps it names
    hints: Hints | None = None  # a page: what the sitemap or feed listing it says of it
    # a listing page of a site= crawl: how many section links away from the home page it is (its
    # next pages count as itself); None for every other page, whose section links are not followed
    depth: int | None = None


class Frontier:
    """One process's requests: Scrapy's scheduler holds them, this class what became of each."""

    def __init__(self, spider: NewsSpider, store: Store | None, recrawl: bool) -> None:
        self.spider = spider
        self.stats = spider.crawler.stats
        self.store = store
        self.recrawl = recrawl
        self.dates = date_range(spider.crawler)
        self.quota = site_quota(spider.crawler)
        # page URLs requested in this crawl, with the newest lastmod listed for each
        self.requested: dict[str, str | None] = {}
        # article URLs with a "discovered" row whose request has not come back yet
        self.unanswered: set[str] = set()
        self._writing: set[asyncio.Task[None]] = set()  # rows of requests Scrapy dropped
        spider.crawler.signals.connect(self.idle, signal=signals.spider_idle)
        spider.crawler.signals.connect(self.dropped, signal=signals.request_dropped)

    async def start(self, wants: list[Want]) -> AsyncIterator[Request]:
        """The start requests: what a crawl that was cut short left unfinished, then ``wants``."""
        if self.store is not None:
            for url, hints in await self.store.unfinished():
                if url.startswith(("http://", "https://")) and (request := await self.resumed(url, hints)):
                    yield request
        for want in wants:
            if request := await self.want(want):
                yield request

    def request(self, want: Want) -> Request:
        """The request for ``want``: its failure, whatever it is, reaches :meth:`failed`."""
        spider, kwargs, meta = self.spider, {}, {}
        if want.kind == "page":
            callback, kwargs = spider.parse_page, {"listed": want.listed, "depth": want.depth}
        elif want.kind == "robots":
            # any status: a site without robots.txt (404) still gets the usual sitemap paths tried
            callback, kwargs = spider.parse_robots, {"site": want.site}
            meta = {"handle_httpstatus_all": True}
        else:
            callback = spider.parse_sitemap if want.kind == "sitemap" else spider.parse_feed
        if want.hints:
            meta["boltwise_hints"] = want.hints
        return Request(
            want.url,
            callback,
            errback=spider.fetch_failed,  # a spider method: requests stay serialisable (JOBDIR)
            cb_kwargs=kwargs,
            meta={**meta, "boltwise_start": want.start, "boltwise_key": want.key},
        )

    async def want(self, want: Want) -> Request | None:
        """A request for a robots.txt, sitemap or feed; for a page, unless this crawl requested it
        already. Asked here rather than left to Scrapy's duplicate filter, which drops a request
        without a word to its errback: a page listed as an article after it was requested as a
        listing (a home page in a sitemap) would never hear of it."""
        if want.kind != "page":
            return self.request(want)
        if want.url in self.requested:
            return None
        try:
            request = self.request(want)
        except ValueError as exc:  # a URL Scrapy refuses (discovery lets through only what it accepts)
            logger.warning("Not a URL to request, skipped: %r (%s)", want.url, exc)
            self.stats.inc_value("boltwise/discovery/skipped")
            return None
        self.requested[want.url] = None
        return request

    async def article(
        self, url: str, lastmod: str | None, listed: bool, key: str = "", hints: Hints | None = None
    ) -> Request | None:
        """A request for a possible article, unless it is on another site, the store says nothing
        changed since or this crawl requested it already."""
        if not on_domains(site_of(url), self.spider.allowed_domains):
            # Scrapy's offsite filter would drop it as it is scheduled, without a word to its errback
            self.stats.inc_value("boltwise/discovery/offsite")
            return None
        if self.quota is not None and self.quota.full(site_of(url)):
            self.stats.inc_value("boltwise/limits/site_cap")
            return None
        want = Want("page", url, key, listed=listed, hints=hints)
        if url in self.requested:
            # listed again (feed, sitemap and listing pages overlap): its request is made already,
            # and its ledger state may be past "discovered" by now, so it is left alone
            if self.store is not None and self.recrawl and lastmod and _newer(lastmod, self.requested[url]):
                self.requested[url] = lastmod
                await self.store.announced(url, lastmod)
            return None
        if not self.recrawl or self.store is None:
            return await self.want(want)
        known = await self.store.ledger(url)
        headers = {}
        if known is not None:
            state, known_lastmod, etag, last_modified = known
            if state in TERMINAL and not _newer(lastmod, known_lastmod):
                self.stats.inc_value("boltwise/recrawl/skipped_unchanged")
                return None
            if state in TERMINAL:  # announced as changed: ask conditionally where the server allows
                headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
                self.stats.inc_value("boltwise/recrawl/changed")
        return await self.discovered(want, lastmod, known[0] if known else None, headers)

    async def discovered(
        self, want: Want, lastmod: str | None, state: str | None, headers: dict[str, str]
    ) -> Request | None:
        """The request for an article the ledger knows in ``state`` (None: not at all), asked for
        conditionally with ``headers``."""
        request = await self.want(want)
        if request is None:  # not a URL Scrapy would request: no row that no request would close
            return None
        assert self.store is not None
        if state != "listing":  # a listing stays one: fetched again each crawl
            await self.store.discover(want.url, lastmod, state, want.hints)
        self.requested[want.url] = lastmod
        self.unanswered.add(want.url)
        if headers:
            request.headers.update(headers)
            request.meta["handle_httpstatus_list"] = [304]
        return request

    async def finished(self, response: Response) -> None:
        """A robots.txt, sitemap or feed was read (Scrapy's scheduler forgets it by itself)."""

    async def fetched(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """An article page came: ``fetched`` until its item is through, its validators kept."""
        if self.store is not None:
            await self.store.mark(url, "fetched")
            if etag or last_modified:
                await self.store.validators(url, etag, last_modified)

    async def resumed(self, url: str, hints: Hints | None) -> Request | None:
        """A request for an article URL a crawl that was cut short left unfinished, with the hints
        it was listed with — on this crawl's sites only: a store may be shared by crawls of other
        sites, whose rows are theirs."""
        if not on_domains(site_of(url), self.spider.allowed_domains):
            return None
        request = await self.want(Want("page", url, "", listed=True, hints=hints))
        if request is None:  # a row no request can close (an older version let such URLs in)
            await self.mark(url, "dropped", "not a URL to request")
            return None
        self.stats.inc_value("boltwise/ledger/resumed")
        self.unanswered.add(url)
        return request

    async def begin(self, response: Response) -> None:
        """The crawl begins on ``response`` (a spider callback's first step)."""

    def answered(self, request: Request) -> str:
        """The ledger key of a request that came back (its URL before redirects)."""
        source = source_url(request)
        self.unanswered.discard(source)
        return source

    def out_of_range(self, entry: Entry) -> bool:
        """Whether a sitemap or feed entry (a page, or a sitemap an index lists) is known to be
        outside BOLTWISE_SINCE/BOLTWISE_UNTIL: counted, and not requested."""
        published = entry.hints.get("published") if entry.hints else None
        if self.dates is None or not self.dates.excludes_listed(published, entry.lastmod):
            return False
        self.stats.inc_value("boltwise/discovery/out_of_range")
        logger.debug("Out of BOLTWISE_SINCE/UNTIL, not requested: %s", entry.url)
        return True

    async def failed(self, failure: Failure) -> None:
        """Count, log and record why a request was not fetched."""
        request = failure.request  # type: ignore[attr-defined]
        if isinstance(failure.value, SiteCapReached):  # counted by the middleware
            logger.debug("Not fetched (%s): %s", failure.value, request.url)
            await self.unasked(request)
            return
        outcome = outcomes.outcome(failure.value)
        self.stats.inc_value(outcome.stat)
        page = request.callback == self.spider.parse_page
        if isinstance(failure.value, RobotsTxtUnavailable):  # reported once, where it was fetched
            logger.debug("Not fetched (%s): %s", outcome.reason, request.url)
        elif outcome.kind == "robots" and (
            request.meta.get("boltwise_start")
            or request.callback in (self.spider.parse_sitemap, self.spider.parse_robots)
        ):
            # a start URL or a sitemap: the crawl needs it to find anything (a feed that is no start
            # URL was announced by a listing page, whose links the crawl follows anyway)
            logger.warning("robots.txt forbids %s, which this crawl needs (ROBOTSTXT_OBEY)", request.url)
        elif outcome.kind in ("robots", "offsite", "egress"):  # counted and, for egress, logged already
            logger.debug("Not fetched (%s): %s", outcome.reason, request.url)
        elif outcome.state == "dropped":
            logger.info("Not fetched (%s): %s", outcome.reason, request.url)
        else:
            logger.warning("Could not fetch %s (%s)", request.url, outcome.reason)
        if page:
            await self.mark(self.answered(request), outcome.state, outcome.reason)

    async def unasked(self, request: Request) -> None:
        """A request that was never made (its site has its articles): a page's ledger row stays as
        it was, for the next crawl, which may want it."""
        self.answered(request)

    def dropped(self, request: Request) -> None:
        """Scrapy's duplicate filter refused a request: for an article, a redirect to a URL this
        crawl requested already."""
        if (source := source_url(request)) in self.unanswered:
            self._close([source], "duplicate", "it redirects to a URL this crawl requested already")

    def idle(self) -> None:
        """Nothing left to do: close the rows of article requests that never came back (a redirect
        to another site, a request past DEPTH_LIMIT), holding the crawl open until they are written."""
        if self.unanswered:
            reason = "dropped by Scrapy without a response (a redirect to another site, DEPTH_LIMIT)"
            self._close(sorted(self.unanswered), "filtered", reason)
        if self._writing:
            raise DontCloseSpider

    async def mark(self, url: str, state: str, reason: str | None = None) -> None:
        if self.store is not None:
            await self.store.mark(url, state, reason)

    def _close(self, urls: list[str], kind: str, reason: str) -> None:
        self.unanswered.difference_update(urls)
        self.stats.inc_value(f"boltwise/fetch/dropped/{kind}", len(urls))
        logger.info("Not fetched (%s): %s", reason, ", ".join(urls[:10]) + (" …" if len(urls) > 10 else ""))
        if self.store is not None:
            task = asyncio.ensure_future(self._mark_dropped(urls, reason))
            self._writing.add(task)  # held until done: a task nobody holds may be collected
            task.add_done_callback(self._writing.discard)

    async def _mark_dropped(self, urls: list[str], reason: str) -> None:
        try:
            for url in urls:
                await self.mark(url, "dropped", reason)
        except Exception:  # the rows stay "discovered": the next crawl asks for them again
            logger.exception("Could not record %d dropped article URLs in the ledger", len(urls))


def source_url(request: Request) -> str:
    """The URL the crawl asked for: the ledger's key for the page, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _newer(lastmod: str | None, known: str | None) -> bool:
    """Whether a feed/sitemap ``lastmod`` announces a version newer than the one we hold."""
    if lastmod is None:
        return False  # nothing announced: what we hold stands
    if known is None:
        return True
    try:
        return moment(lastmod) > moment(known)
    except ValueError:
        return lastmod > known
