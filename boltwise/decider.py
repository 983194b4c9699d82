"""The decider of a shared crawl: one process at a time cleans with learned boilerplate, applies
the quality gates, deduplicates and stores the articles every process hands over, in order.

Crawler processes fetch and extract; what depends on the articles before (learned boilerplate,
dedup) is decided here, one candidate at a time in order-key order (:mod:`boltwise.store.shared`),
so the result is the same however many processes fetched the pages and in whatever order. The
decider is whichever process holds the run's advisory lock; when it dies, PostgreSQL releases the
lock with its connection and another process takes over, starting from what was committed.

The decisions are the item pipelines' own (:meth:`decide` of the clean, dedup and store stages),
run on the decider's instances of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from boltwise import config
from boltwise.items import Article, article_from

if TYPE_CHECKING:
    from boltwise.pipelines import CleanPipeline, StorePipeline
    from boltwise.store.shared import SharedRows

logger = logging.getLogger(__name__)


class Decider:
    def __init__(self, crawler: Crawler, uri: str) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.uri = uri
        # its own connection and transaction: a batch commits, or is rolled back, alone, and
        # the leadership lock lives and dies with it
        self.store: SharedRows | None = None
        self.batch = config.getint(crawler.settings, "BOLTWISE_DECIDE_BATCH")
        self.stages: list[Any] = []  # the clean, dedup and store stages that are on
        self.cleaner: CleanPipeline | None = None
        self.recorder: StorePipeline | None = None
        self.session = 0  # the store's connection the leadership lock was taken on
        self.failures: dict[str, int] = {}  # failed decisions of one candidate each
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self, run: int, poll: float) -> None:
        """Decide the run's candidates whenever this process is the decider, until stopped."""
        from boltwise.store import open_store

        self.store = await open_store(self.uri)  # type: ignore[assignment]
        try:
            await self._run(run, poll)
        finally:
            await self.store.close()

    async def _run(self, run: int, poll: float) -> None:
        assert self.store is not None
        careful = 0  # candidates to decide one at a time after a batch failed
        size = self.batch
        while not self._stopping:
            if self.stages and self.store.connections != self.session:
                self.stages = []  # a new connection: the old one's leadership lock is gone
            try:
                batch = await self.store.decidable(run, size) if self.stages or await self._lead(run) else []
            except Exception as exc:  # a failed statement: its transaction ends soon, then again
                logger.warning("Could not look for candidates to decide (%r): trying again", exc)
                await self._settle()
                batch = []
            if not batch:
                await self._sleep(poll)
                continue
            started = time.monotonic()
            try:
                # a batch commits whole: its decisions, the candidates they remove and the learned
                # counts they changed, so a decider that takes over starts from a consistent state;
                # when any of it fails, the savepoint takes all of it back, and only it
                self.store.hold(id(batch))
                try:
                    async with self.store.savepoint():
                        await self.store.lock_decisions()
                        for url, item in batch:
                            await self._decide(run, url, item)
                        if self.cleaner is not None:
                            await self.cleaner.save()
                finally:
                    self.store.release(id(batch))
                await self.store.durable(now=True)
            except Exception as exc:
                # the candidates are still there, and what this process had learned since the
                # last commit is gone with the batch, so it starts again from the store; one at a
                # time until a commit succeeds, to tell a bad candidate from a bad moment
                logger.error("Could not decide %d candidates (%r): trying again", len(batch), exc)
                self.stats.inc_value("boltwise/decider/failed")
                await self._settle()
                self.stages, self.cleaner, self.recorder = [], None, None
                if size == 1:
                    try:
                        await self._give_up(run, batch[0][0], exc)
                    except Exception as again:  # the next round tries again
                        logger.error("Could not set %s aside (%r)", batch[0][0], again)
                size, careful = 1, max(careful, len(batch))
                continue
            careful -= len(batch)  # decided one at a time past the batch that failed, then all again
            size = 1 if careful > 0 else self.batch
            self.stats.inc_value("boltwise/decider/seconds", time.monotonic() - started)

    async def _settle(self) -> None:
        """Wait until the failed transaction is over (its commit fails and rolls it back)."""
        with contextlib.suppress(Exception):
            await self.store.durable()

    async def _give_up(self, run: int, url: str, exc: Exception) -> None:
        """A candidate whose decision failed on its own twice: left to the next crawl (its
        ledger row stays ``fetched``, which a crawl asks for again)."""
        self.failures[url] = self.failures.get(url, 0) + 1
        if self.failures[url] < 2:
            return
        logger.error("Gave up deciding %s: %r; the next crawl fetches it again", url, exc)
        self.stats.inc_value("boltwise/decider/gave_up")
        await self.store.decided(run, url)
        await self._settle()

    async def _lead(self, run: int) -> bool:
        if not await self.store.try_lead(run):
            return False
        from boltwise.pipelines import CleanPipeline, DedupPipeline, StorePipeline

        stages = []
        for stage in (CleanPipeline, DedupPipeline, StorePipeline):
            with contextlib.suppress(NotConfigured):  # a stage switched off decides nothing
                instance = stage.decider_stage(self.crawler)
                await instance.open_decider(self.store)  # from what is committed: learned counts
                stages.append(instance)
        self.stages = stages  # all of them, or (a statement failed) none, and it tries again
        self.session = self.store.connections
        self.cleaner = next((s for s in stages if isinstance(s, CleanPipeline)), None)
        self.recorder = next((s for s in stages if isinstance(s, StorePipeline)), None)
        self.stats.inc_value("boltwise/decider/elected")
        logger.info("This process is the decider of run %d", run)
        return True

    async def _decide(self, run: int, url: str, document: dict[str, Any]) -> None:
        item = article_from(document)
        try:
            for stage in self.stages:
                item = await stage.decide(item)  # cleaning hands on a new item (see CleanPipeline)
        except DropItem as drop:
            self._dropped(item, drop)
            if self.recorder is not None:
                await self.recorder.record_drop(url, drop)
        else:
            self.stats.inc_value("boltwise/decider/kept")
        await self.store.decided(run, url)
        self.stats.inc_value("boltwise/decider/decided")

    def _dropped(self, item: Article, drop: DropItem) -> None:
        reason = type(drop).__name__
        self.stats.inc_value("item_dropped_count")
        self.stats.inc_value(f"item_dropped_reasons_count/{reason}")
        logger.log(logging.INFO if drop.log_level == "INFO" else logging.WARNING, "Dropped: %s", drop)
        logger.debug("Dropped item: %s", ItemAdapter(item).get("source"))

    async def _sleep(self, poll: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), poll)
