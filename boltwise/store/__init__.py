"""The crawl-state store named by ``BOLTWISE_STORE_URI``: articles, revisions, the crawl ledger,
the dedup index and learned boilerplate. SQLite (embedded default) or PostgreSQL.

One store per crawler, shared by the spider and the pipelines through :func:`store_for` and
closed (after a final commit) when the spider closes.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler

from boltwise import config
from boltwise.store.base import TERMINAL, Store

__all__ = ["TERMINAL", "Store", "open_store", "store_for"]

logger = logging.getLogger(__name__)


async def open_store(uri: str, **kwargs: float) -> Store:
    """Open (and create or migrate the schema of) the store at ``uri``."""
    if uri.startswith("sqlite:///"):
        from boltwise.store.sqlite import SQLiteStore

        store: Store = SQLiteStore(Path(uri.removeprefix("sqlite:///")), **kwargs)
    elif uri.startswith(("postgresql://", "postgres://")):
        from boltwise.store.postgres import PostgresStore

        store = PostgresStore(uri, **kwargs)
        await store.connect()
    else:
        raise ValueError(f"unsupported store URI {uri!r}: use sqlite:///PATH or postgresql://…")
    await store.setup()
    return store


_stores: weakref.WeakKeyDictionary[Crawler, asyncio.Future[Store]] = weakref.WeakKeyDictionary()


async def store_for(crawler: Crawler) -> Store:
    """The crawler's store, opened on first use and closed when the spider closes."""
    if crawler not in _stores:
        future: asyncio.Future[Store] = asyncio.get_running_loop().create_future()
        _stores[crawler] = future
        try:
            assert crawler.spider is not None
            store = await open_store(config.store_uri(crawler.settings, crawler.spider.name))
            store.claim()  # a crawl, not a command reading the store
        except Exception as exc:
            logger.error("Cannot open the crawl's store: %s", exc)  # before Scrapy's tracebacks
            future.set_exception(exc)
            raise
        future.set_result(store)
        logger.info("Crawl state in %s", store)

        async def close(**_: object) -> None:
            await store.close()

        crawler.signals.connect(close, signal=signals.spider_closed, weak=False)
    return await _stores[crawler]
