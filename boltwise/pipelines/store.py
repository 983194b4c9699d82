"""The store stage: each article stored once, acknowledged once its row is committed."""

from __future__ import annotations

import logging
from datetime import datetime

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from boltwise import config
from boltwise.cputime import charged
from boltwise.items import Article, Extracted, Page
from boltwise.pipelines.dedup import DROPS
from boltwise.pipelines.limits import OverSiteCap
from boltwise.spiders.sharedfrontier import SharedFrontier, shared_crawl
from boltwise.store import Store, store_for

logger = logging.getLogger(__name__)


class StorePipeline:
    """Stores each article exactly once and acknowledges it only once its row is committed.

    Also keeps the crawl ledger's final states: ``stored``, ``duplicate`` (a copy, in either dedup
    mode) and ``dropped`` with the reason, for every item any stage drops.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.store: Store | None = None
        self.shared = False  # a shared crawl's: this stage hands its articles to the decider

    @classmethod
    def decider_stage(cls, crawler: Crawler) -> StorePipeline:
        if not config.getbool(crawler.settings, "BOLTWISE_STORE_ENABLED"):
            raise NotConfigured("BOLTWISE_STORE_ENABLED is off")
        return cls(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls.decider_stage(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    async def open_spider(self) -> None:
        self.shared = shared_crawl(self.crawler)
        await self.open_decider(await store_for(self.crawler))

    async def open_decider(self, store: Store) -> None:
        self.store = store

    async def close_spider(self) -> None:
        if (frontier := self.frontier) is not None:
            await frontier.stop()  # a shutdown: before the store closes (at spider_closed)
        if self.store is not None:
            # for the crawl report: every stage is through, so its stats are final (Scrapy adds
            # finish_reason and elapsed time later, once the spider has closed)
            stats = self.stats.get_stats()
            await self.store.record_run(self.crawler.spider.name, _iso(stats.get("start_time")), stats)
            await self.store.durable()

    @property
    def frontier(self) -> SharedFrontier | None:
        return self.crawler.spider.frontier if self.shared else None  # type: ignore[union-attr]

    async def process_item(self, item: Page | Article) -> Page | Article:
        if (frontier := self.frontier) is not None:
            # acknowledged once the decider has it: what becomes of it is the decider's decision
            document = None if isinstance(item, Page) else ItemAdapter(item).asdict()
            await frontier.handed_over(ItemAdapter(item)["source"], document)
            await frontier.rows.durable()
            # the decider cleans the handed-over copy; this process's feed gets no layout
            return item.article() if isinstance(item, Extracted) else item
        if isinstance(item, Page):
            return item  # extraction is off: raw pages are not articles
        assert self.store is not None
        try:
            await self.decide(item)
        finally:
            self.store.release(id(item))
        await self.store.durable()
        return item

    async def decide(self, item: Article) -> Article:
        assert self.store is not None
        adapter = ItemAdapter(item)
        with charged(self.stats, "store"):
            if adapter.get("duplicate_of"):
                await self._mark_copy(adapter["source"], adapter["duplicate_of"], _marked_kind(adapter))
                self.stats.inc_value("boltwise/store/duplicate")
            # without supersedes, which tells the feed what this item replaces: the stored article
            # is the same whichever copy came first
            elif await self.store.put_article({k: v for k, v in adapter.items() if k != "supersedes"}):
                await self.store.mark(adapter["source"], "stored")
                self.stats.inc_value("boltwise/store/stored")
                for earlier in adapter.get("supersedes") or ():
                    await self._supersede(earlier, adapter.get("url") or adapter["source"])
            else:
                self.stats.inc_value("boltwise/store/unchanged")
        return item

    async def _supersede(self, earlier: str, kept: str) -> None:
        """The article stored under ``earlier`` gives way to the more complete ``kept``: it is no
        longer stored, and it and its copies are copies of ``kept`` in the ledger."""
        assert self.store is not None
        if await self.store.by_key(earlier) is not None:
            return  # indexed anew meanwhile (another story at that URL): its article stays
        source = await self.store.remove_article(earlier)
        await self.store.redirect_copies(earlier, kept)
        if source is not None:
            await self.store.mark_copy(source, kept, "near")
            self.stats.inc_value("boltwise/store/superseded")
            logger.info("Stored %s in place of %s, a shorter copy of it", kept, earlier)

    async def item_dropped(self, item: object, exception: BaseException, **_: object) -> None:
        # ``item`` is what entered the pipelines (a Page for crawled pages), not a later stage's item
        source = ItemAdapter(item).get("source")
        if source and self.store is not None:
            await self.record_drop(source, exception)

    async def record_drop(self, source: str, exception: BaseException) -> None:
        """The ledger state of an item a stage dropped (in a shared crawl, its row is done too)."""
        if isinstance(exception, OverSiteCap):
            # says nothing of the page: its ledger row stays as it was (fetched), so a later crawl,
            # with room on the site again, resumes it
            if self.frontier is not None:
                await self.frontier.handed_over(source, None)
            return
        if isinstance(exception, tuple(DROPS.values())):
            # dedup drops come from where the store decides (one process, or a shared crawl's
            # decider): never with a frontier
            kind = next(kind for kind, drop in DROPS.items() if isinstance(exception, drop))
            await self._mark_copy(source, exception.duplicate_of, kind)  # type: ignore[attr-defined]
            return
        mark = self.frontier.mark if self.frontier is not None else self.store.mark  # type: ignore[union-attr]
        await mark(source, "dropped", f"{type(exception).__name__}: {exception}")

    async def _mark_copy(self, source: str, original: str, kind: str) -> None:
        """The ledger state of an item that copies ``original``: a copy is a ``duplicate`` (of what
        is kept of its story), but the very article stored under its URL, come again unchanged (a
        recrawl), stays ``stored``."""
        assert self.store is not None
        if original == source:
            await self.store.mark(source, "stored", "unchanged since it was stored")
        else:
            await self.store.mark_copy(source, original, kind)


def _marked_kind(adapter: ItemAdapter) -> str:
    """The dedup check a copy marked in mark mode matched: the same key is a copy by URL, the same
    text (similarity 1.0) under another key an exact copy, anything else a near copy."""
    if (adapter.get("url") or adapter["source"]) == adapter["duplicate_of"]:
        return "url"
    return "exact" if adapter.get("similarity") == 1.0 else "near"


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
