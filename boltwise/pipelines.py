"""Item pipelines: thin Scrapy adapters over the pure stages in boltwise.*."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from boltwise import config
from boltwise.extract import BrokenPage, ExtractOptions, extract_article
from boltwise.items import Article, Page
from boltwise.workers import WorkerPool

logger = logging.getLogger(__name__)


class NoArticleText(DropItem):
    """trafilatura found no main text on the page."""


class UnparseablePage(DropItem):
    """The page is not HTML that can be parsed."""


class ExtractionFailed(DropItem):
    """Extraction raised an unexpected error on this page."""


class ExtractPipeline:
    """Turns each :class:`Page` into an :class:`Article` with trafilatura, in worker processes."""

    def __init__(self, crawler: Crawler, options: ExtractOptions, pool: WorkerPool) -> None:
        self.stats = crawler.stats
        self.options = options
        self.pool = pool

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        settings = crawler.settings
        if not config.getbool(settings, "BOLTWISE_EXTRACT_ENABLED"):
            raise NotConfigured("BOLTWISE_EXTRACT_ENABLED is off")
        options = ExtractOptions(
            favor=config.get(settings, "BOLTWISE_EXTRACT_FAVOR"),
            tables=config.getbool(settings, "BOLTWISE_EXTRACT_TABLES"),
            deduplicate=config.getbool(settings, "BOLTWISE_EXTRACT_DEDUPLICATE"),
        )
        return cls(crawler, options, WorkerPool(config.getint(settings, "BOLTWISE_WORKERS")))

    def open_spider(self) -> None:
        self.pool.start()

    def close_spider(self) -> None:
        self.pool.close()

    async def process_item(self, item: Page | Article) -> Article:
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
