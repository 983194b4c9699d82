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
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from twisted.python.failure import Failure

from boltwise import outcomes
from boltwise.middlewares import RobotsTxtUnavailable
from boltwise.store import TERMINAL, Store
from boltwise.urls import on_domains, site_of

if TYPE_CHECKING:
    from boltwise.spiders.news import NewsSpider

logger = logging.getLogger(__name__)


class Frontier:
    def __init__(self, spider: NewsSpider, store: Store | None, recrawl: bool) -> None:
        self.spider = spider
        self.stats = spider.crawler.stats
        self.store = store
        self.recrawl = recrawl
        # page URLs requested in this crawl, with the newest lastmod listed for each
        self.requested: dict[str, str | None] = {}
        # article URLs with a "discovered" row whose request has not come back yet
        self.unanswered: set[str] = set()
        self._writing: set[asyncio.Task[None]] = set()  # rows of requests Scrapy dropped
        spider.crawler.signals.connect(self.idle, signal=signals.spider_idle)
        spider.crawler.signals.connect(self.dropped, signal=signals.request_dropped)

    def request(
        self,
        url: str,
        callback: Callable[..., Any],
        *,
        start: bool = False,
        meta: dict | None = None,
        **kwargs: Any,
    ) -> Request:
        """Any request of the spider: its failure, whatever it is, reaches :meth:`failed`."""
        return Request(
            url,
            callback,
            errback=self.spider.fetch_failed,  # a spider method: requests stay serialisable (JOBDIR)
            cb_kwargs=kwargs,
            meta={**(meta or {}), "boltwise_start": start},
        )

    def page(self, url: str, listed: bool, *, start: bool = False, meta: dict | None = None) -> Request | None:
        """A request for a page, an article or a listing, unless this crawl requested it already.

        Asked here rather than left to Scrapy's duplicate filter, which drops a request without a
        word to its errback: a page listed as an article after it was requested as a listing (a
        home page in a sitemap) would never hear of it.
        """
        if url in self.requested:
            return None
        try:
            request = self.request(url, self.spider.parse_page, listed=listed, start=start, meta=meta)
        except ValueError as exc:  # a URL Scrapy refuses (discovery lets through only what it accepts)
            logger.warning("Not a URL to request, skipped: %r (%s)", url, exc)
            self.stats.inc_value("boltwise/discovery/skipped")
            return None
        self.requested[url] = None
        return request

    async def article(self, url: str, lastmod: str | None, listed: bool) -> Request | None:
        """A request for a possible article, unless it is on another site, the store says nothing
        changed since or this crawl requested it already."""
        if not on_domains(site_of(url), self.spider.allowed_domains):
            # Scrapy's offsite filter would drop it as it is scheduled, without a word to its errback
            self.stats.inc_value("boltwise/discovery/offsite")
            return None
        if url in self.requested:
            # listed again (feed, sitemap and listing pages overlap): its request is made already,
            # and its ledger state may be past "discovered" by now, so it is left alone
            if self.store is not None and self.recrawl and lastmod and _newer(lastmod, self.requested[url]):
                self.requested[url] = lastmod
                await self.store.announced(url, lastmod)
            return None
        if not self.recrawl or self.store is None:
            return self.page(url, listed)
        known = await self.store.ledger(url)
        headers, meta = {}, {}
        if known is not None:
            state, known_lastmod, etag, last_modified = known
            if state in TERMINAL and not _newer(lastmod, known_lastmod):
                self.stats.inc_value("boltwise/recrawl/skipped_unchanged")
                return None
            if state in TERMINAL:  # announced as changed: ask conditionally where the server allows
                headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
                meta = {"handle_httpstatus_list": [304]} if headers else {}
                self.stats.inc_value("boltwise/recrawl/changed")
        request = self.page(url, listed, meta=meta)
        if request is None:  # not a URL Scrapy would request: no row that no request would close
            return None
        if known is None or known[0] != "listing":  # a listing stays one: fetched again each crawl
            await self.store.discover(url, lastmod, known[0] if known else None)
        self.requested[url] = lastmod
        self.unanswered.add(url)
        request.headers.update(headers)
        return request

    async def fetched(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """An article page came: ``fetched`` until its item is through, its validators kept."""
        if self.store is not None:
            await self.store.mark(url, "fetched")
            if etag or last_modified:
                await self.store.validators(url, etag, last_modified)

    async def resumed(self, url: str) -> Request | None:
        """A request for an article URL a crawl that was cut short left unfinished — on this
        crawl's sites only: a store may be shared by crawls of other sites, whose rows are theirs."""
        if not on_domains(site_of(url), self.spider.allowed_domains):
            return None
        request = self.page(url, listed=True)
        if request is None:  # a row no request can close (an older version let such URLs in)
            await self.mark(url, "dropped", "not a URL to request")
            return None
        self.stats.inc_value("boltwise/ledger/resumed")
        self.unanswered.add(url)
        return request

    def answered(self, request: Request) -> str:
        """The ledger key of a request that came back (its URL before redirects)."""
        source = _source(request)
        self.unanswered.discard(source)
        return source

    async def failed(self, failure: Failure) -> None:
        """Count, log and record why a request was not fetched."""
        request = failure.request  # type: ignore[attr-defined]
        outcome = outcomes.outcome(failure.value)
        self.stats.inc_value(outcome.stat)
        page = request.callback == self.spider.parse_page
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
            await self.mark(self.answered(request), outcome.state, outcome.reason)

    def dropped(self, request: Request) -> None:
        """Scrapy's duplicate filter refused a request: for an article, a redirect to a URL this
        crawl requested already."""
        if (source := _source(request)) in self.unanswered:
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


def _source(request: Request) -> str:
    """The URL the crawl asked for: the ledger's key for the page, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


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
