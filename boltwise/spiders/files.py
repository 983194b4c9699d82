"""The ``files`` spider: saved article files through the same pipelines as crawled pages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from boltwise import config, savedfiles
from boltwise.cputime import charged
from boltwise.items import Article, Page

logger = logging.getLogger(__name__)


class FilesSpider(Spider):
    """Ingest ``-a path=FILE_OR_DIR`` (directories recursively, in sorted order).

    ``.txt`` is already-extracted text and skips extraction; ``.html``/``.htm`` (and ``.gz``)
    are extracted; ``.warc``/``.warc.gz`` yield each HTML response record. Extraction drops the
    pages that are listings, by the decision crawled pages get (:func:`boltwise.listings.judge`),
    as pages the user named. ``-a domains=`` (comma-separated, subdomains included) and
    ``-a url_pattern=`` (a regular expression) keep only the WARC records whose URL they match,
    before their bodies are decoded.
    """

    name = "files"
    # it reads files and makes no requests: without download handlers the spider provably never
    # touches the network, and without downloader middlewares Scrapy starts 0.05 s sooner (their
    # imports: the cookies middleware alone pulls in tldextract and requests)
    custom_settings: ClassVar[dict[str, Any]] = {
        "DOWNLOAD_HANDLERS": {"http": None, "https": None},
        "DOWNLOADER_MIDDLEWARES_BASE": {},
        # the progress line in records read: Scrapy's counts downloads, of which there are none
        "EXTENSIONS": {"scrapy.extensions.logstats.LogStats": None, "boltwise.extensions.FilesProgress": 0},
    }

    def __init__(
        self, *args: Any, path: str = "", domains: str = "", url_pattern: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not path:
            raise ValueError("the files spider needs -a path=FILE_OR_DIR")
        self.path = Path(path)
        self.keep = savedfiles.RecordFilter.parse(domains, url_pattern)

    async def start(self) -> AsyncIterator[Page | Article]:
        stats = self.crawler.stats
        max_bytes = config.getint(self.settings, "BOLTWISE_FILES_MAX_BYTES")
        # Scrapy does not hold back items that start() yields: without this bound a large folder
        # would be read into memory far ahead of extraction
        pending = Pending(self.crawler, config.getint(self.settings, "BOLTWISE_FILES_MAX_PENDING"))
        for path in savedfiles.walk(self.path):
            if not savedfiles.is_supported(path):
                logger.info("Not a supported saved-article file, skipped: %s", path)
                stats.inc_value("boltwise/files/unsupported")
                continue
            stats.inc_value("boltwise/files/read")
            records = savedfiles.read(path, max_bytes, self.keep)
            while True:
                # one record at a time: a WARC file may hold more pages than fit in memory
                try:
                    with charged(stats, "read"):
                        result = next(records, None)
                except Exception:  # a case the readers do not know yet: this file, not the others
                    logger.exception("Cannot ingest %s: reading it failed", path)
                    stats.inc_value("boltwise/files/error/failed")
                    break
                if result is None:
                    break
                stats.inc_value("boltwise/files/records")
                if isinstance(result, savedfiles.SavedFileError):
                    logger.error("Cannot ingest %s: %s", path, result)
                    stats.inc_value(f"boltwise/files/error/{result.reason}")
                elif isinstance(result, savedfiles.Skipped):
                    stats.inc_value(f"boltwise/files/skipped/{result.reason}")
                else:
                    await pending.room()
                    yield result
        # Scrapy checks whether the spider is idle after each download, or else every 5 s; items
        # from start() involve no download, so returning only once they are all through the
        # pipelines lets the crawl close at once instead of up to 5 s later
        await pending.drained()


class Pending:
    """Counts items between start() and the end of the pipelines; waits while there are too many,
    or until there are none."""

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.freed = asyncio.Event()
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.done, signal=signal)

    def done(self, **_: object) -> None:
        self.count -= 1
        self.freed.set()

    async def room(self) -> None:
        await self._below(self.limit)
        self.count += 1

    async def drained(self) -> None:
        await self._below(1)
        # the pipelines' bookkeeping for the last item ends just after the signal that freed it
        await asyncio.sleep(0)

    async def _below(self, limit: int) -> None:
        while self.count >= limit:
            self.freed.clear()
            await self.freed.wait()
