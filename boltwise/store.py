"""The crawl-state store named by ``BOLTWISE_STORE_URI`` (embedded default: one SQLite file).

Holds what must outlive a crawl: the boilerplate each site's articles taught the cleaner and the
dedup index (fingerprints and LSH buckets, on disk rather than in memory). One store per crawler,
shared by the pipelines through :func:`store_for`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import weakref
from pathlib import Path

import numpy as np
from scrapy import signals
from scrapy.crawler import Crawler

from boltwise import config
from boltwise.clean.learned import BoilerplateModel, SiteLines
from boltwise.dedup.fingerprint import Fingerprint
from boltwise.dedup.index import Indexed

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
CREATE TABLE IF NOT EXISTS dedup_articles (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    exact INTEGER NOT NULL,
    signature BLOB NOT NULL,
    shingles INTEGER NOT NULL,
    words INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    modified TEXT
);
CREATE INDEX IF NOT EXISTS dedup_articles_exact ON dedup_articles (exact);
CREATE TABLE IF NOT EXISTS dedup_buckets (
    bucket INTEGER NOT NULL,
    article INTEGER NOT NULL REFERENCES dedup_articles (id),
    PRIMARY KEY (bucket, article)
) WITHOUT ROWID;
"""

_INDEXED = "SELECT id, key, exact, signature, shingles, words, revision, modified FROM dedup_articles"


class Store:
    """SQLite crawl state. Writes are grouped: :meth:`index` joins the open transaction, which
    :meth:`commit_due` commits once ``commit_every`` writes or ``commit_interval`` seconds have
    gathered and :meth:`close` commits at the end — one fsync per group instead of per article.
    Reads on the same connection see uncommitted writes, so decisions never lag behind."""

    def __init__(self, uri: str, commit_every: int = 500, commit_interval: float = 1.0) -> None:
        if not uri.startswith("sqlite:///"):
            raise ValueError(f"unsupported BOLTWISE_STORE_URI {uri!r}: use sqlite:///PATH")
        self.path = Path(uri.removeprefix("sqlite:///"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a committed row survives power loss
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.executescript(SCHEMA)
        self.commit_every = commit_every
        self.commit_interval = commit_interval
        self._pending = 0
        self._last_commit = time.monotonic()

    def load_boilerplate(self, model: BoilerplateModel) -> None:
        for site, articles in self.db.execute("SELECT site, articles FROM boilerplate_sites"):
            model.sites[site] = SiteLines(articles=articles)
        rows = self.db.execute("SELECT site, line_hash, articles FROM boilerplate_lines")
        for site, key, count in rows:
            model.sites[site].counts[key] = count

    def save_boilerplate(self, model: BoilerplateModel) -> None:
        self.commit()
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

    # --- dedup index (the DedupBackend protocol) ---------------------------------------------

    def by_key(self, key: str) -> Indexed | None:
        return _indexed(self.db.execute(f"{_INDEXED} WHERE key = ?", (key,)).fetchone())

    def by_exact(self, exact: int) -> Indexed | None:
        row = self.db.execute(f"{_INDEXED} WHERE exact = ? ORDER BY id LIMIT 1", (exact,)).fetchone()
        return _indexed(row)

    def by_buckets(self, buckets: list[int]) -> list[Indexed]:
        marks = ",".join("?" * len(buckets))
        rows = self.db.execute(
            f"{_INDEXED} WHERE id IN (SELECT article FROM dedup_buckets WHERE bucket IN ({marks})) ORDER BY id",
            buckets,
        )
        return [_indexed(row) for row in rows]

    def index(
        self, key: str, fp: Fingerprint, revision: int, modified: str | None, replaces: Indexed | None = None
    ) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN")
        row = self.db.execute(
            "INSERT INTO dedup_articles (key, exact, signature, shingles, words, revision, modified)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET exact = excluded.exact,"
            " signature = excluded.signature, shingles = excluded.shingles, words = excluded.words,"
            " revision = excluded.revision, modified = excluded.modified RETURNING id",
            (key, fp.exact, fp.signature.tobytes(), fp.shingles, fp.words, revision, modified),
        ).fetchone()
        if replaces is not None:  # a revision: its old buckets go, found by primary key
            old = Fingerprint(replaces.exact, replaces.signature, replaces.shingles, replaces.words)
            self.db.executemany(
                "DELETE FROM dedup_buckets WHERE bucket = ? AND article = ?", ((b, row[0]) for b in old.bands)
            )
        self.db.executemany("INSERT OR IGNORE INTO dedup_buckets VALUES (?, ?)", ((b, row[0]) for b in fp.bands))
        self._pending += 1

    def commit_due(self) -> None:
        """Commit the open group of writes if it is large or old enough."""
        if self._pending >= self.commit_every or (
            self._pending and time.monotonic() - self._last_commit >= self.commit_interval
        ):
            self.commit()

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.commit()
        self._pending = 0
        self._last_commit = time.monotonic()

    def close(self) -> None:
        self.commit()
        self.db.close()


def _indexed(row: tuple | None) -> Indexed | None:
    if row is None:
        return None
    id_, key, exact, signature, shingles, words, revision, modified = row
    return Indexed(id_, key, exact, np.frombuffer(signature, dtype=np.uint32), shingles, words, revision, modified)


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
