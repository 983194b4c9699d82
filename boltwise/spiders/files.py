"""The ``files`` spider: saved article files through the same pipelines as crawled pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Spider

from boltwise import config, savedfiles
from boltwise.items import Article, Page

logger = logging.getLogger(__name__)


class FilesSpider(Spider):
    """Ingest ``-a path=FILE_OR_DIR`` (directories recursively, in sorted order).

    ``.txt`` is already-extracted text and skips extraction; ``.html``/``.htm`` (and ``.gz``)
    are extracted; ``.warc``/``.warc.gz`` yield each HTML response record.
    """

    name = "files"

    def __init__(self, *args: Any, path: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not path:
            raise ValueError("the files spider needs -a path=FILE_OR_DIR")
        self.path = Path(path)

    async def start(self) -> AsyncIterator[Page | Article]:
        stats = self.crawler.stats
        max_bytes = config.getint(self.settings, "BOLTWISE_FILES_MAX_BYTES")
        for path in savedfiles.walk(self.path):
            if not savedfiles.is_supported(path):
                logger.info("Not a supported saved-article file, skipped: %s", path)
                stats.inc_value("boltwise/files/unsupported")
                continue
            stats.inc_value("boltwise/files/read")
            for result in savedfiles.read(path, max_bytes):
                if isinstance(result, savedfiles.SavedFileError):
                    logger.error("Cannot ingest %s: %s", path, result)
                    stats.inc_value(f"boltwise/files/error/{result.reason}")
                else:
                    yield result
