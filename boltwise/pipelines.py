"""Item pipelines: thin Scrapy adapters over the pure stages in boltwise.*."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from boltwise import config
from boltwise.clean.cleaner import Cleaner
from boltwise.clean.language import detect_language
from boltwise.clean.learned import BoilerplateModel
from boltwise.clean.profiles import PROFILES
from boltwise.dedup.index import DedupIndex
from boltwise.extract import BrokenPage, ExtractOptions, extract_article
from boltwise.items import Article, Page
from boltwise.ordering import InOrder
from boltwise.store import Store, store_for
from boltwise.workers import WorkerPool

logger = logging.getLogger(__name__)


class NoArticleText(DropItem):
    """trafilatura found no main text on the page."""


class UnparseablePage(DropItem):
    """The page is not HTML that can be parsed."""


class ExtractionFailed(DropItem):
    """Extraction raised an unexpected error on this page."""


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
            # site profiles drop their HTML furniture before extraction, as part of cleaning
            prune=tuple((p.domains, p.prune_xpath) for p in PROFILES if p.prune_xpath) if cleaning else (),
        )
        return cls(crawler, options, WorkerPool(config.getint(settings, "BOLTWISE_WORKERS")))

    def open_spider(self) -> None:
        self.pool.start()

    def close_spider(self) -> None:
        self.pool.close()

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
            article = await self.pool.run(extract_article, item, self.options)
        except BrokenPage as exc:
            self.stats.inc_value("boltwise/extract/unparseable")
            raise UnparseablePage(f"{item.source}: {exc}") from exc
        except Exception as exc:
            logger.exception("Extraction failed: %s", item.source)
            self.stats.inc_value("boltwise/extract/failed")
            raise ExtractionFailed(f"{item.source}: {exc!r}") from exc
        if article is None:
            self.stats.inc_value("boltwise/extract/no_text")
            raise NoArticleText(f"no article text: {item.source}")
        self.stats.inc_value("boltwise/extract/ok")
        self.stats.inc_value("boltwise/extract/words", ItemAdapter(article)["word_count"])
        return article


class CleanPipeline:
    """Removes site boilerplate, mines metadata, normalises text and applies the quality gates."""

    def __init__(
        self,
        crawler: Crawler,
        cleaner: Cleaner,
        store: Store | None,
        min_words: int,
        languages: frozenset[str],
    ) -> None:
        self.stats = crawler.stats
        self.cleaner = cleaner
        self.store = store
        self.min_words = min_words
        self.languages = languages

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        settings = crawler.settings
        if not config.getbool(settings, "BOLTWISE_CLEAN_ENABLED"):
            raise NotConfigured("BOLTWISE_CLEAN_ENABLED is off")
        model, store = None, None
        if config.getbool(settings, "BOLTWISE_CLEAN_LEARN_ENABLED"):
            model = BoilerplateModel(
                min_articles=config.getint(settings, "BOLTWISE_CLEAN_LEARN_MIN_ARTICLES"),
                min_support=config.getint(settings, "BOLTWISE_CLEAN_LEARN_MIN_SUPPORT"),
                max_share=config.getfloat(settings, "BOLTWISE_CLEAN_LEARN_MAX_SHARE"),
            )
            store = store_for(crawler)
            store.load_boilerplate(model)
        languages = frozenset(lang.lower() for lang in config.getlist(settings, "BOLTWISE_LANGUAGES"))
        return cls(crawler, Cleaner(model), store, config.getint(settings, "BOLTWISE_MIN_WORDS"), languages)

    def close_spider(self) -> None:
        if self.store is not None and self.cleaner.learned is not None:
            self.store.save_boilerplate(self.cleaner.learned)

    def process_item(self, item: Page | Article) -> Page | Article:
        if isinstance(item, Page):
            return item  # extraction is off: nothing to clean yet
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
    """Each story once: drops (or, in mark mode, marks) copies; re-emits revisions."""

    def __init__(self, crawler: Crawler, index: DedupIndex, store: Store, mode: str) -> None:
        self.stats = crawler.stats
        self.index = index
        self.store = store
        self.mode = mode

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        settings = crawler.settings
        if not config.getbool(settings, "BOLTWISE_DEDUP_ENABLED"):
            raise NotConfigured("BOLTWISE_DEDUP_ENABLED is off")
        mode = config.get(settings, "BOLTWISE_DEDUP_MODE")
        if mode not in ("drop", "mark"):
            raise ValueError(f"BOLTWISE_DEDUP_MODE must be drop or mark, not {mode!r}")
        store = store_for(crawler)
        index = DedupIndex(
            store,
            threshold=config.getfloat(settings, "BOLTWISE_DEDUP_THRESHOLD"),
            containment=config.getfloat(settings, "BOLTWISE_DEDUP_CONTAINMENT"),
            min_words=config.getint(settings, "BOLTWISE_DEDUP_MIN_WORDS"),
        )
        return cls(crawler, index, store, mode)

    def process_item(self, item: Page | Article) -> Page | Article:
        if isinstance(item, Page):
            return item  # extraction is off: nothing to compare
        adapter = ItemAdapter(item)
        key = adapter.get("url") or adapter["source"]
        decision = self.index.check(key, adapter["text"], adapter.get("modified"))
        self.store.commit_due()
        self.stats.inc_value(f"boltwise/dedup/{decision.kind}")
        adapter["revision"] = decision.revision
        if decision.kind == "revision" and not adapter.get("modified"):
            adapter["modified"] = adapter.get("fetched_at")  # when the change was seen
        if decision.is_copy:
            if self.mode == "drop":
                raise _DROPS[decision.kind](
                    f"{adapter['source']} copies {decision.duplicate_of} (similarity {decision.similarity})",
                    log_level="INFO",
                )
            adapter.update(duplicate_of=decision.duplicate_of, similarity=decision.similarity)
        return item
