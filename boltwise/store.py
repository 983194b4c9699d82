"""The crawl-state store named by ``BOLTWISE_STORE_URI`` (embedded default: one SQLite file).

Holds what must outlive a crawl: the boilerplate each site's articles taught the cleaner.
One store per crawler, shared by the pipelines through :func:`store_for`.
"""

from __future__ import annotations

import logging
import sqlite3
import weakref
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler

from boltwise import config
from boltwise.clean.learned import BoilerplateModel, SiteLines

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS boilerplate_sites (
    site TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS boilerplate_lines (
    site TEXT NOT NULL,
    line_hash INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, line_hash)
) WITHOUT ROWID;
"""


class Store:
    def __init__(self, uri: str) -> None:
        if not uri.startswith("sqlite:///"):
            raise ValueError(f"unsupported BOLTWISE_STORE_URI {uri!r}: use sqlite:///PATH")
        self.path = Path(uri.removeprefix("sqlite:///"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a committed row survives power loss
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.executescript(SCHEMA)

    def load_boilerplate(self, model: BoilerplateModel) -> None:
        for site, articles in self.db.execute("SELECT site, articles FROM boilerplate_sites"):
            model.sites[site] = SiteLines(articles=articles)
        rows = self.db.execute("SELECT site, line_hash, articles FROM boilerplate_lines")
        for site, key, count in rows:
            model.sites[site].counts[key] = count

    def save_boilerplate(self, model: BoilerplateModel) -> None:
        with self.db:  # one transaction
            self.db.execute("BEGIN")
            for site in sorted(model.dirty):
                seen = model.sites[site]
                self.db.execute(
                    "INSERT INTO boilerplate_sites VALUES (?, ?) "
                    "ON CONFLICT(site) DO UPDATE SET articles = excluded.articles",
                    (site, seen.articles),
                )
                self.db.execute("DELETE FROM boilerplate_lines WHERE site = ?", (site,))
                self.db.executemany(
                    "INSERT INTO boilerplate_lines VALUES (?, ?, ?)",
                    ((site, key, count) for key, count in seen.counts.items()),
                )
        model.dirty.clear()

    def close(self) -> None:
        self.db.close()


_stores: weakref.WeakKeyDictionary[Crawler, Store] = weakref.WeakKeyDictionary()


def store_for(crawler: Crawler) -> Store:
    """The crawler's store, opened on first use and closed when the spider closes."""
    if crawler not in _stores:
        store = Store(config.get(crawler.settings, "BOLTWISE_STORE_URI"))
        _stores[crawler] = store
        logger.info("Crawl state in %s", store.path)
        # after the pipelines' own close_spider handlers, which may still write
        crawler.signals.connect(lambda: _close(crawler), signal=signals.engine_stopped, weak=False)
    return _stores[crawler]


def _close(crawler: Crawler) -> None:
    store = _stores.pop(crawler, None)
    if store is not None:
        store.close()
