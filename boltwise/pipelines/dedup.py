"""The dedup stage: each story once."""

from __future__ import annotations

import asyncio

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from boltwise import config
from boltwise.cputime import charged
from boltwise.dedup.index import DedupIndex
from boltwise.items import Article, Page
from boltwise.spiders.sharedfrontier import shared_crawl
from boltwise.store import Store, store_for


class DuplicateUrl(DropItem):
    """Same canonical URL as a stored article, and its text is not a newer revision."""


class DuplicateText(DropItem):
    """Same normalised text as a stored article under another URL."""


class NearDuplicate(DropItem):
    """Nearly the same text as a stored article, or a truncated or extended copy of it."""


DROPS = {"url": DuplicateUrl, "exact": DuplicateText, "near": NearDuplicate}


class DedupPipeline:
    """Each story once: drops (or, in mark mode, marks) copies; re-emits revisions.

    Items are decided one at a time, in the order they arrive (a FIFO lock), so the first of two
    copies is always the original. Each item holds the store from its index entry until the store
    stage has written its article row, so no commit ever splits the two. In a shared crawl the
    decider makes these decisions, in order keys' order (:mod:`boltwise.decider`).
    """

    def __init__(self, crawler: Crawler, mode: str, thresholds: dict[str, float]) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.mode = mode
        self.thresholds = thresholds
        self.storing = config.getbool(crawler.settings, "BOLTWISE_STORE_ENABLED")
        self.lock = asyncio.Lock()
        self.store: Store | None = None
        self.index: DedupIndex | None = None
        self.shared = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        settings = crawler.settings
        if not config.getbool(settings, "BOLTWISE_DEDUP_ENABLED"):
            raise NotConfigured("BOLTWISE_DEDUP_ENABLED is off")
        mode = config.get(settings, "BOLTWISE_DEDUP_MODE")
        if mode not in ("drop", "mark"):
            raise ValueError(f"BOLTWISE_DEDUP_MODE must be drop or mark, not {mode!r}")
        thresholds = {
            "threshold": config.getfloat(settings, "BOLTWISE_DEDUP_THRESHOLD"),
            "containment": config.getfloat(settings, "BOLTWISE_DEDUP_CONTAINMENT"),
            "min_words": config.getint(settings, "BOLTWISE_DEDUP_MIN_WORDS"),
        }
        return cls(crawler, mode, thresholds)

    decider_stage = from_crawler  # the decider's own instance (boltwise.decider)

    async def open_spider(self) -> None:
        self.shared = shared_crawl(self.crawler)
        await self.open_decider(await store_for(self.crawler))

    async def open_decider(self, store: Store) -> None:
        self.store = store
        self.index = DedupIndex(store, **self.thresholds)  # type: ignore[arg-type]

    async def process_item(self, item: Page | Article) -> Page | Article:
        if isinstance(item, Page) or self.shared:
            return item  # extraction is off (nothing to compare), or the decider compares
        assert self.store is not None and self.index is not None
        async with self.lock:
            await self.store.gate()
            self.store.hold(id(item))
            try:
                await self.decide(item)
            except BaseException:
                self.store.release(id(item))  # dropped: no article row will follow
                raise
            if not self.storing:
                self.store.release(id(item))
            return item

    async def decide(self, item: Article) -> Article:
        with charged(self.stats, "dedup"):
            await self._decide(item)
        return item

    async def _decide(self, item: Article) -> None:
        assert self.index is not None
        adapter = ItemAdapter(item)
        key = adapter.get("url") or adapter["source"]
        decision = await self.index.check(key, adapter["text"], adapter.get("modified"))
        self.stats.inc_value(f"boltwise/dedup/{decision.kind}")
        adapter["revision"] = decision.revision
        if decision.supersedes:
            adapter["supersedes"] = list(decision.supersedes)
            self.stats.inc_value("boltwise/dedup/supersedes", len(decision.supersedes))
        if decision.kind == "revision" and not adapter.get("modified"):
            adapter["modified"] = adapter.get("fetched_at")  # when the change was seen
        if decision.is_copy:
            if self.mode == "drop":
                drop = DROPS[decision.kind](
                    f"{adapter['source']} copies {decision.duplicate_of} (similarity {decision.similarity})",
                    log_level="INFO",
                )
                drop.duplicate_of = decision.duplicate_of
                raise drop
            adapter.update(duplicate_of=decision.duplicate_of, similarity=decision.similarity)
