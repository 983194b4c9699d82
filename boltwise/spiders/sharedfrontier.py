"""The frontier of a crawl shared by many processes through its PostgreSQL store.

Each process runs the same ``scrapy crawl`` command. What a page lists goes into the run's
frontier table (:mod:`boltwise.store.shared`) instead of this process's scheduler; every process
leases small batches from it, smallest order keys first, and keeps Scrapy's scheduler fed from
its leases. A heartbeat renews them; a process that dies loses them when they expire, and another
(or the restarted one) takes them over. The crawl ends, in every process, once the run has
nothing pending, leased or left to decide.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from boltwise import config
from boltwise.decider import Decider
from boltwise.spiders.frontier import Frontier, Want, source_url
from boltwise.store.shared import Claimed, SharedRows

if TYPE_CHECKING:
    from boltwise.spiders.news import NewsSpider

logger = logging.getLogger(__name__)


def shared_crawl(crawler: Crawler) -> bool:
    """Whether this crawl shares its frontier through its store: a PostgreSQL store, the ``news``
    spider (or one built on it), and ``BOLTWISE_SHARED_ENABLED``."""
    from boltwise.spiders.news import NewsSpider

    spider = crawler.spider
    return isinstance(spider, NewsSpider) and shares_frontier(crawler.settings, spider.name)


def shares_frontier(settings: BaseSettings, spider_name: str) -> bool:
    """Whether a ``news`` spider with these settings shares its frontier (see :func:`shared_crawl`)."""
    return (
        config.getbool(settings, "BOLTWISE_SHARED_ENABLED")
        and config.getbool(settings, "BOLTWISE_STORE_ENABLED")
        and config.store_uri(settings, spider_name).startswith(("postgresql://", "postgres://"))
    )


class SharedFrontier(Frontier):
    def __init__(self, spider: NewsSpider, store: SharedRows, recrawl: bool) -> None:
        super().__init__(spider, store, recrawl)
        self.rows: SharedRows = store
        settings = spider.settings
        self.lease = config.getfloat(settings, "BOLTWISE_LEASE_SECONDS")
        self.batch = config.getint(settings, "BOLTWISE_CLAIM_BATCH")
        self.max_attempts = config.getint(settings, "BOLTWISE_MAX_ATTEMPTS")
        self.poll = config.getfloat(settings, "BOLTWISE_POLL_SECONDS")
        # how many leased rows this process keeps: enough to keep its downloader busy
        self.target = settings.getint("CONCURRENT_REQUESTS") + 2 * self.batch
        self.owner = store.session
        self.run = 0
        self.failures = 0  # the store's failed commits this frontier has made up for
        self.mine: dict[str, Claimed] = {}  # leased rows this process has not finished
        self.offered: list[tuple[str, str, str, dict]] = []  # rows to add, from the page being read
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Future[None]] = []  # the heartbeat and the decider
        self.stopped: asyncio.Future | None = None
        self.progress = asyncio.Event()  # a row of mine was finished, or new rows were offered
        self.decider = Decider(spider.crawler, config.store_uri(settings, spider.name))
        # a callback or a pipeline stage that raises leaves its row to whoever claims it next
        spider.crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        spider.crawler.signals.connect(self.item_error, signal=signals.item_error)

    async def start(self, wants: list[Want]) -> AsyncIterator[Request]:
        job = json.dumps([self.spider.name, sorted((want.kind, want.url) for want in wants)])
        self.run, new = await self.rows.join_run(job)
        logger.info("%s run %d of %s as %s", "Started" if new else "Joined", self.run, job, self.owner)
        self._offer(wants)
        await self._flush()
        await self.rows.durable()
        self.tasks = [
            asyncio.ensure_future(self._heartbeat()),
            asyncio.ensure_future(self.decider.run(self.run, self.poll)),
        ]
        try:
            async for request in self._claims():
                yield request
        finally:
            await self.stop()

    async def stop(self) -> None:
        """End the heartbeat and the decider (each between two statements: a statement cut off
        would break the connection), before the store closes; every caller waits for the end."""
        self.stopping.set()
        self.decider.stop()
        if self.stopped is None:
            self.stopped = asyncio.gather(*self.tasks)
        await asyncio.shield(self.stopped)

    async def _claims(self) -> AsyncIterator[Request]:
        """Requests from leases, as long as the run has work; then the run is finished."""
        while True:
            try:
                claimed = await self._claim()
                if not claimed and await self._finished():
                    return
                requests = [request for row in claimed if (request := await self._request(row))]
            except Exception as exc:  # a failed statement: its transaction ends soon, then again
                logger.warning("Could not take work from run %d (%r): trying again", self.run, exc)
                with contextlib.suppress(Exception):
                    await self.rows.durable()  # fails: the group's leases go back (give_back)
                self.mine.clear()  # what it leased in that group is pending again
                await asyncio.sleep(self.poll)
                continue
            for request in requests:
                yield request
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.progress.wait(), self.poll)

    async def _claim(self) -> list[Claimed]:
        if self.rows.failed_groups != self.failures:  # what became of some leases is lost
            await self.rows.give_back(self.run, self.owner, list(self.mine))
            self.failures = self.rows.failed_groups
        await self._flush()
        self.progress.clear()
        room = self.target - len(self.mine)
        return (
            await self.rows.lease_batch(self.run, self.owner, min(room, self.batch), self.lease)
            if room > 0
            else []
        )

    async def _finished(self) -> bool:
        """Whether the run is over: this process holds nothing, and the run has nothing pending,
        leased or waiting for the decider (then it is marked finished)."""
        if self.mine:
            return False
        await self.rows.durable()  # what this process wrote counts before it looks
        if any(await self.rows.open_work(self.run)):
            return False
        await self.rows.finish_run(self.run)
        await self.rows.durable()
        logger.info("Run %d is finished: nothing is pending, leased or left to decide", self.run)
        return True

    async def _request(self, row: Claimed) -> Request | None:
        self.stats.inc_value("boltwise/frontier/claimed")
        if row.reclaimed:
            self.stats.inc_value("boltwise/frontier/reclaimed")
            logger.info(
                "Took over %s (attempt %d): the process that had it stopped renewing its lease",
                row.url,
                row.attempts,
            )
        self.mine[row.url] = row
        if row.attempts > self.max_attempts:
            self.stats.inc_value("boltwise/frontier/gave_up")
            reason = f"it failed, or its process stopped, {row.attempts - 1} times (BOLTWISE_MAX_ATTEMPTS)"
            logger.error("Gave up on %s: %s", row.url, reason)
            await self.mark(row.url, "dropped", reason)
            return None
        args = row.args
        want = Want(row.kind, row.url, row.key, args.get("listed", False), args.get("start", False),
                    args.get("site"), args.get("hints"), args.get("depth"))  # fmt: skip
        request = self.request(want)
        if headers := row.args.get("headers"):
            request.headers.update(headers)
            request.meta["handle_httpstatus_list"] = [304]
        return request

    def _offer(self, wants: list[Want], **args: object) -> None:
        """Rows for the run's frontier, written together when the page that lists them is done
        (one statement, and other processes see them as soon as the page's own row is done)."""
        self.offered += [
            (
                want.url,
                want.kind,
                want.key,
                {
                    "listed": want.listed,
                    "start": want.start,
                    "site": want.site,
                    "hints": want.hints,
                    "depth": want.depth,
                    **args,
                },
            )
            for want in wants
        ]

    async def _flush(self) -> None:
        if self.offered:
            rows, self.offered = self.offered, []
            await self.rows.offer(self.run, rows)
            self.progress.set()

    async def want(self, want: Want) -> None:
        try:
            Request(want.url)
        except ValueError as exc:  # a URL Scrapy refuses (discovery lets through only what it accepts)
            logger.warning("Not a URL to request, skipped: %r (%s)", want.url, exc)
            self.stats.inc_value("boltwise/discovery/skipped")
            return
        self._offer([want])

    async def begin(self, response: Response) -> None:
        """A row taken over from a dead process is marked started, committed before its response
        is read: should this process die on it too, the next claim counts an attempt, and a page
        that kills every process that reads it is given up after BOLTWISE_MAX_ATTEMPTS."""
        row = self.mine.get(url := source_url(response.request))
        if row is not None and row.reclaimed:
            await self.rows.started(self.run, url)
            await self.rows.durable(now=True)

    async def discovered(
        self, want: Want, lastmod: str | None, state: str | None, headers: dict[str, str]
    ) -> None:
        # the run's row is the URL's "discovered" state; the ledger hears of it when it is fetched
        self._offer([want], lastmod=lastmod, headers=headers)

    async def fetched(self, url: str, etag: str | None, last_modified: str | None) -> None:
        row = self.mine.get(url)
        await self.rows.mark(url, "fetched", lastmod=row.args.get("lastmod") if row else None)
        if etag or last_modified:
            await self.rows.validators(url, etag, last_modified)

    async def finished(self, response: Response) -> None:
        await self._done(source_url(response.request))

    async def failed(self, failure: Failure) -> None:
        await super().failed(failure)
        request = failure.request  # type: ignore[attr-defined]
        if request.callback != self.spider.parse_page:  # a page's row ends with its ledger state
            await self._done(source_url(request))

    async def unasked(self, request: Request) -> None:
        await super().unasked(request)
        await self._done(source_url(request))  # the run's row ends; the ledger's stays as it was

    async def mark(self, url: str, state: str, reason: str | None = None) -> None:
        # the ledger hears what became of a URL only from the process whose lease it was, in the
        # same commit as the row's end
        if state == "fetched":
            await self.rows.mark(url, state, reason)
            return
        await self._done(url, ledger=(state, reason))

    async def handed_over(self, url: str, item: dict | None) -> None:
        """The item pipelines are through with a page: its article goes to the decider (None: a
        raw page, extraction off) and its row is done, in one transaction."""
        if item is None:
            await self._done(url)
        elif await self._done(url, item):
            self.decider.wake()

    async def _done(
        self, url: str, item: dict | None = None, ledger: tuple[str, str | None] | None = None
    ) -> bool:
        """End this process's lease of ``url`` (handing ``item`` over, or giving it the ledger
        state ``ledger``); False when the lease was lost meanwhile (it expired, and the row is
        another process's now)."""
        async with self._together():
            await self._flush()
            if item is None:
                owned = await self.rows.done(self.run, url, self.owner)
            else:
                owned = await self.rows.hand_over(self.run, url, self.owner, item)
            if owned and ledger is not None:
                await self.rows.mark(url, *ledger)
        if self.mine.pop(url, None) is not None:
            self.progress.set()
        if not owned:
            self.stats.inc_value("boltwise/frontier/lease_lost")
            logger.warning("Lost the lease of %s to another process: its result is the other's", url)
        return owned

    @contextlib.asynccontextmanager
    async def _together(self) -> AsyncIterator[None]:
        """Writes that commit together: a row's end with what it produced (its children, its
        candidate, its ledger state). The store's group commit waits until the block is over;
        a block waits while a commit is being prepared, as an item does (:meth:`Store.gate`):
        otherwise blocks that keep overlapping would hold the commit off for seconds, and what
        is done stays uncommitted (and its leases exposed to a kill) all that time. Not nested:
        the inner block would wait for a commit that waits for the outer one."""
        await self.rows.gate()
        token = object()
        self.rows.hold(id(token))
        try:
            yield
        finally:
            self.rows.release(id(token))

    async def spider_error(self, failure: Failure, response: Response | None) -> None:
        if response is not None:  # None: start() itself failed
            await self._abandon(source_url(response.request) if response.request else response.url)

    async def item_error(self, item: object, response: Response | None, failure: Failure) -> None:
        await self._abandon(ItemAdapter(item).get("source"))

    async def _abandon(self, url: str | None) -> None:
        """Give a row this process failed on back to the run (its attempts count the failure)."""
        if url is not None and self.mine.pop(url, None) is not None:
            self.progress.set()
            await self.rows.give_back(self.run, self.owner, list(self.mine))

    async def _heartbeat(self) -> None:
        beat = min(self.lease / 3, 5.0)
        while not self.stopping.is_set():
            try:
                await self.rows.renew(self.run, self.owner, self.lease)
                self._share_sites(max(1, await self.rows.crawlers(self.run, 3 * beat)))
            except Exception as exc:  # the next beat tries again; leases last three beats
                logger.warning("Could not renew this process's leases: %r", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), beat)

    def _share_sites(self, crawlers: int) -> None:
        """N processes of a run share each site's request budget: each gets 1/N of
        ``CONCURRENT_REQUESTS_PER_DOMAIN`` (at least one) and N times ``DOWNLOAD_DELAY``.
        AutoThrottle, when on, still sets each process's delays from the latencies it sees."""
        settings, downloader = self.spider.settings, self.spider.crawler.engine.downloader
        concurrency = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") // crawlers)
        delay = settings.getfloat("DOWNLOAD_DELAY") * crawlers
        downloader.domain_concurrency = concurrency  # for the sites' slots still to come
        for slot in downloader.slots.values():
            slot.concurrency = concurrency
            if not settings.getbool("AUTOTHROTTLE_ENABLED"):
                slot.delay = delay
        self.stats.max_value("boltwise/frontier/crawlers", crawlers)

    def idle(self) -> None:
        pass  # start() runs until the run is finished: the spider is idle only then

    def dropped(self, request: Request) -> None:
        pass  # a shared crawl has no duplicate filter: each URL is leased once per run
