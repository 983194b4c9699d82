"""Item pipelines: thin Scrapy adapters over the pure stages in boltwise.*."""

from __future__ import annotations

import asyncio
import logging

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from boltwise import config
from boltwise.clean.cleaner import Cleaner
from boltwise.clean.language import detect_language
from boltwise.clean.learned import BoilerplateModel
from boltwise.clean.profiles import PROFILES
from boltwise.cputime import charged
from boltwise.dedup.index import DedupIndex
from boltwise.extract import BrokenPage, ExtractOptions, extract_article
from boltwise.items import Article, Page
from boltwise.ordering import InOrder
from boltwise.spiders.sharedfrontier import SharedFrontier, shared_crawl
from boltwise.store import Store, store_for
from boltwise.workers import JobTimeout, OutOfMemory, WorkerCrashed, WorkerPool

logger = logging.getLogger(__name__)


class NoArticleText(DropItem):
    """trafilatura found no main text on the page."""


class UnparseablePage(DropItem):
    """The page is not HTML that can be parsed."""


class ExtractionFailed(DropItem):
    """Extraction raised an unexpected error on this page, or its worker process died."""


class ExtractionTimeout(DropItem):
    """Extraction took longer than ``BOLTWISE_EXTRACT_TIMEOUT``."""


class ExtractionOutOfMemory(DropItem):
    """Extraction needed more memory than ``BOLTWISE_WORKER_MAX_MEMORY``."""


class DuplicateUrl(DropItem):
    """Same canonical URL as a stored article, and its text is not a newer revision."""


class DuplicateText(DropItem):
    """Same normalised text as a stored article under another URL."""


class NearDuplicate(DropItem):
    """Nearly the same text as a stored article, or a truncated or extended copy of it."""


_DROPS = {"url": DuplicateUrl, "exact": DuplicateText, "near": NearDuplicate}


class TooShort(DropItem):
    """Fewer words than ``BOLTWISE_MIN_WORDS`` after cleaning."""


class WrongLanguage(DropItem):
    """Not one of ``BOLTWISE_LANGUAGES``."""


class ExtractPipeline:
    """Turns each :class:`Page` into an :class:`Article` with trafilatura, in worker processes.

    Items leave in the order they arrived (also those that skip extraction, or are dropped), so
    later stages see the same sequence every run however the workers interleave.
    """

    def __init__(self, crawler: Crawler, options: ExtractOptions, pool: WorkerPool) -> None:
        self.stats = crawler.stats
        self.options = options
        self.pool = pool
        self.order = InOrder()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        settings = crawler.settings
        if not config.getbool(settings, "BOLTWISE_EXTRACT_ENABLED"):
            raise NotConfigured("BOLTWISE_EXTRACT_ENABLED is off")
        cleaning = config.getbool(settings, "BOLTWISE_CLEAN_ENABLED")
        options = ExtractOptions(
            favor=config.get(settings, "BOLTWISE_EXTRACT_FAVOR"),
            tables=config.getbool(settings, "BOLTWISE_EXTRACT_TABLES"),
            deduplicate=config.getbool(settings, "BOLTWISE_EXTRACT_DEDUPLICATE"),
            comments=config.getbool(settings, "BOLTWISE_EXTRACT_COMMENTS"),
            fast=config.getbool(settings, "BOLTWISE_EXTRACT_FAST"),
            # site profiles drop their HTML furniture before extraction, as part of cleaning
            prune=tuple((p.domains, p.prune_xpath) for p in PROFILES if p.prune_xpath) if cleaning else (),
            canonical_partners=_partners(config.getlist(settings, "BOLTWISE_CANONICAL_PARTNERS")),
        )
        pool = WorkerPool(
            config.getint(settings, "BOLTWISE_WORKERS"),
            config.getfloat(settings, "BOLTWISE_EXTRACT_TIMEOUT"),
            config.getint(settings, "BOLTWISE_WORKER_MAX_MEMORY") * 2**20,
        )
        pool.start()  # now: the workers boot while the rest of the crawler starts
        return cls(crawler, options, pool)

    def close_spider(self) -> None:
        self.pool.close()
        self.stats.set_value("boltwise/cpu/extract", round(self.pool.cpu_seconds, 3))
        for why, count in self.pool.replacements.items():
            if count:
                self.stats.set_value(f"boltwise/workers/replaced/{why}", count)

    async def process_item(self, item: Page | Article) -> Article:
        ticket = self.order.ticket()
        try:
            return await self._extract(item)
        finally:
            await self.order.wait(ticket)
            self.order.done(ticket)

    async def _extract(self, item: Page | Article) -> Article:
        if not isinstance(item, Page):
            return item
        try:
            extraction = await self.pool.run(extract_article, item, self.options)
        except BrokenPage as exc:
            self.stats.inc_value("boltwise/extract/unparseable")
            raise UnparseablePage(f"{item.source}: {exc}") from exc
        except JobTimeout as exc:
            self.stats.inc_value("boltwise/extract/timeout")
            raise ExtractionTimeout(f"{item.source}: {exc} (BOLTWISE_EXTRACT_TIMEOUT)") from exc
        except OutOfMemory as exc:
            self.stats.inc_value("boltwise/extract/out_of_memory")
            raise ExtractionOutOfMemory(f"{item.source}: {exc} (BOLTWISE_WORKER_MAX_MEMORY)") from exc
        except WorkerCrashed as exc:
            self.stats.inc_value("boltwise/extract/crashed")
            raise ExtractionFailed(f"{item.source}: {exc}") from exc
        except Exception as exc:
            logger.exception("Extraction failed: %s", item.source)
            self.stats.inc_value("boltwise/extract/failed")
            raise ExtractionFailed(f"{item.source}: {exc!r}") from exc
        for note in extraction.notes:
            self.stats.inc_value(f"boltwise/extract/{note}")
        article = extraction.article
        if article is None:
            self.stats.inc_value("boltwise/extract/no_text")
            raise NoArticleText(f"no article text: {item.source}")
        if article.declared_canonical:
            logger.debug(
                "Canonical URL on another site not trusted: %s declares %s", item.url, article.declared_canonical
            )
        self.stats.inc_value("boltwise/extract/ok")
        self.stats.inc_value("boltwise/extract/words", ItemAdapter(article)["word_count"])
        return article


def _partners(entries: list[str]) -> tuple[tuple[str, str], ...]:
    """``FETCHED=CANONICAL`` domain pairs (``*`` for any fetched domain) of BOLTWISE_CANONICAL_PARTNERS."""
    pairs = []
    for entry in entries:
        fetched, equals, canonical = entry.partition("=")
        if not equals or not fetched.strip() or not canonical.strip():
            raise ValueError(f"BOLTWISE_CANONICAL_PARTNERS entries are FETCHED=CANONICAL domains, not {entry!r}")
        pairs.append((fetched.strip().lower(), canonical.strip().lower()))
    return tuple(pairs)


class CleanPipeline:
    """Removes site boilerplate, mines metadata, normalises text and applies the quality gates."""

    def __init__(self, crawler: Crawler, cleaner: Cleaner, min_words: int, languages: frozenset[str]) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.cleaner = cleaner
        self.min_words = min_words
        self.languages = languages
        self.store: Store | None = None
        self.shared = False  # a shared crawl's decider cleans, in order (boltwise.decider)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        settings = crawler.settings
        if not config.getbool(settings, "BOLTWISE_CLEAN_ENABLED"):
            raise NotConfigured("BOLTWISE_CLEAN_ENABLED is off")
        model = None
        if config.getbool(settings, "BOLTWISE_CLEAN_LEARN_ENABLED"):
            model = BoilerplateModel(
                min_articles=config.getint(settings, "BOLTWISE_CLEAN_LEARN_MIN_ARTICLES"),
                min_support=config.getint(settings, "BOLTWISE_CLEAN_LEARN_MIN_SUPPORT"),
                max_share=config.getfloat(settings, "BOLTWISE_CLEAN_LEARN_MAX_SHARE"),
            )
        languages = frozenset(lang.lower() for lang in config.getlist(settings, "BOLTWISE_LANGUAGES"))
        return cls(crawler, Cleaner(model), config.getint(settings, "BOLTWISE_MIN_WORDS"), languages)

    @classmethod
    def decider_stage(cls, crawler: Crawler) -> CleanPipeline:
        return cls.from_crawler(crawler)

    async def open_spider(self) -> None:
        self.shared = shared_crawl(self.crawler)
        if not self.shared and self.cleaner.learned is not None:
            await self.open_decider(await store_for(self.crawler))

    async def open_decider(self, store: Store) -> None:
        if self.cleaner.learned is not None:
            self.store = store
            await store.load_boilerplate(self.cleaner.learned)

    async def save(self) -> None:
        if self.store is not None and self.cleaner.learned is not None:
            await self.store.save_boilerplate(self.cleaner.learned)

    async def close_spider(self) -> None:
        if not self.shared:
            await self.save()

    def process_item(self, item: Page | Article) -> Page | Article:
        if isinstance(item, Page) or self.shared:
            return item  # extraction is off (nothing to clean yet), or the decider cleans
        return self._decide(item)

    async def decide(self, item: Article) -> None:
        self._decide(item)

    def _decide(self, item: Article) -> Article:
        with charged(self.stats, "clean"):
            return self._clean(item)

    def _clean(self, item: Article) -> Article:
        adapter = ItemAdapter(item)
        result = self.cleaner.clean(adapter["text"], site=adapter.get("site"), title=adapter.get("title"))
        for rule, line in result.removed:
            self.stats.inc_value(f"boltwise/clean/removed/{rule}")
            logger.debug("Removed (%s) from %s: %s", rule, adapter["source"], line)
        for what in result.mined:
            self.stats.inc_value(f"boltwise/clean/mined/{what}")
        adapter.update(
            text=result.text,
            title=result.title,
            site=result.site,
            dateline=result.dateline,
            word_count=len(result.text.split()),
        )
        if not adapter.get("language"):
            adapter["language"] = detect_language(result.text)
        self.stats.inc_value("boltwise/clean/items")
        if adapter["word_count"] < self.min_words:
            self.stats.inc_value("boltwise/clean/dropped/too_short")
            raise TooShort(
                f"{adapter['word_count']} words after cleaning, fewer than BOLTWISE_MIN_WORDS="
                f"{self.min_words}: {adapter['source']}"
            )
        if self.languages and adapter["language"] and adapter["language"] not in self.languages:
            self.stats.inc_value("boltwise/clean/dropped/wrong_language")
            raise WrongLanguage(f"language {adapter['language']!r} not in BOLTWISE_LANGUAGES: {adapter['source']}")
        return item


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

    decider_stage = from_crawler

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

    async def decide(self, item: Article) -> None:
        with charged(self.stats, "dedup"):
            await self._decide(item)

    async def _decide(self, item: Article) -> None:
        assert self.index is not None
        adapter = ItemAdapter(item)
        key = adapter.get("url") or adapter["source"]
        decision = await self.index.check(key, adapter["text"], adapter.get("modified"))
        self.stats.inc_value(f"boltwise/dedup/{decision.kind}")
        adapter["revision"] = decision.revision
        if decision.kind == "revision" and not adapter.get("modified"):
            adapter["modified"] = adapter.get("fetched_at")  # when the change was seen
        if decision.is_copy:
            if self.mode == "drop":
                drop = _DROPS[decision.kind](
                    f"{adapter['source']} copies {decision.duplicate_of} (similarity {decision.similarity})",
                    log_level="INFO",
                )
                drop.duplicate_of = decision.duplicate_of
                raise drop
            adapter.update(duplicate_of=decision.duplicate_of, similarity=decision.similarity)


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

    @property
    def frontier(self) -> SharedFrontier | None:
        return self.crawler.spider.frontier if self.shared else None  # type: ignore[union-attr]

    async def process_item(self, item: Page | Article) -> Page | Article:
        if (frontier := self.frontier) is not None:
            # acknowledged once the decider has it: what becomes of it is the decider's decision
            document = None if isinstance(item, Page) else ItemAdapter(item).asdict()
            await frontier.handed_over(ItemAdapter(item)["source"], document)
            await frontier.rows.durable()
            return item
        if isinstance(item, Page):
            return item  # extraction is off: raw pages are not articles
        assert self.store is not None
        try:
            await self.decide(item)
        finally:
            self.store.release(id(item))
        await self.store.durable()
        return item

    async def decide(self, item: Article) -> None:
        assert self.store is not None
        adapter = ItemAdapter(item)
        with charged(self.stats, "store"):
            if adapter.get("duplicate_of"):
                await self.store.mark(adapter["source"], *_copy_state(adapter["source"], adapter["duplicate_of"]))
                self.stats.inc_value("boltwise/store/duplicate")
            elif await self.store.put_article(adapter.asdict()):
                await self.store.mark(adapter["source"], "stored")
                self.stats.inc_value("boltwise/store/stored")
            else:
                self.stats.inc_value("boltwise/store/unchanged")

    async def item_dropped(self, item: object, exception: BaseException, **_: object) -> None:
        # ``item`` is what entered the pipelines (a Page for crawled pages), not a later stage's item
        source = ItemAdapter(item).get("source")
        if source and self.store is not None:
            await self.record_drop(source, exception)

    async def record_drop(self, source: str, exception: BaseException) -> None:
        """The ledger state of an item a stage dropped (in a shared crawl, its row is done too)."""
        mark = self.frontier.mark if self.frontier is not None else self.store.mark  # type: ignore[union-attr]
        if isinstance(exception, tuple(_DROPS.values())):
            await mark(source, *_copy_state(source, getattr(exception, "duplicate_of", None)))
        else:
            await mark(source, "dropped", f"{type(exception).__name__}: {exception}")


def _copy_state(source: str, original: str | None) -> tuple[str, str]:
    """The ledger state of an item that copies ``original``: a copy is a ``duplicate``, but the very
    article stored under its URL, come again unchanged (a recrawl), stays ``stored``."""
    if original == source:
        return "stored", "unchanged since it was stored"
    return "duplicate", f"copy of {original}"
