"""The extraction stage: each :class:`Page` becomes an :class:`Article`, in worker processes."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from boltwise import config
from boltwise.clean.profiles import PROFILES
from boltwise.extract import BrokenPage, ExtractOptions, extract_article
from boltwise.items import Article, Page
from boltwise.ordering import InOrder
from boltwise.workers import JobTimeout, OutOfMemory, WorkerCrashed, WorkerPool

logger = logging.getLogger(__name__)


class NoArticleText(DropItem):
    """trafilatura found no main text on the page."""


class NotAnArticle(DropItem):
    """A saved page or WARC record that is a listing page (home, section, archive)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, log_level="DEBUG")  # a CC-NEWS file holds thousands: counted


class UnparseablePage(DropItem):
    """The page is not HTML that can be parsed."""


class ExtractionFailed(DropItem):
    """Extraction raised an unexpected error on this page, or its worker process died."""


class ExtractionTimeout(DropItem):
    """Extraction took longer than ``BOLTWISE_EXTRACT_TIMEOUT``."""


class ExtractionOutOfMemory(DropItem):
    """Extraction needed more memory than ``BOLTWISE_WORKER_MAX_MEMORY``."""


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
            fallback_share=config.getfloat(settings, "BOLTWISE_EXTRACT_FALLBACK_SHARE"),
            # site profiles drop their HTML furniture before extraction, as part of cleaning
            prune=tuple((p.domains, p.prune_xpath) for p in PROFILES if p.prune_xpath) if cleaning else (),
            layout=cleaning,  # the cleaning stage's generic rules and templates read it
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
        if extraction.listing:
            self.stats.inc_value("boltwise/extract/listing")
            raise NotAnArticle(f"a listing page, not an article: {item.source}")
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
