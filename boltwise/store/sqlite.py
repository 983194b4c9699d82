"""The embedded store: one SQLite file (WAL, ``synchronous=FULL``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from boltwise.store.base import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    site TEXT,
    title TEXT,
    published TEXT,
    modified TEXT,
    revision INTEGER NOT NULL,
    item TEXT NOT NULL,
    stored_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_site ON articles (site);
CREATE TABLE IF NOT EXISTS article_revisions (
    url TEXT NOT NULL,
    revision INTEGER NOT NULL,
    item TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    PRIMARY KEY (url, revision)
);
CREATE TABLE IF NOT EXISTS ledger (
    url TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    reason TEXT,
    lastmod TEXT,
    etag TEXT,
    last_modified TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_state ON ledger (state);
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
    article INTEGER NOT NULL,
    PRIMARY KEY (bucket, article)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS boilerplate_sites (
    site TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS boilerplate_lines (
    site TEXT NOT NULL,
    line_hash INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, line_hash)
) WITHOUT ROWID
"""


class SQLiteStore(Store):
    schema = SCHEMA

    def __init__(self, path: Path, **kwargs: float) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # queries take microseconds: they run on the reactor thread rather than hop threads
        self.db = sqlite3.connect(path, isolation_level="DEFERRED")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a committed row survives power loss too
        self.db.execute("PRAGMA busy_timeout=10000")

    def __str__(self) -> str:
        return f"sqlite:///{self.path}"

    async def _execute(self, sql: str, params: tuple = ()) -> None:
        self.db.execute(sql, params)

    async def _executemany(self, sql: str, rows: Iterable[tuple]) -> None:
        self.db.executemany(sql, rows)

    async def _fetchone(self, sql: str, params: tuple = ()) -> tuple | None:
        return self.db.execute(sql, params).fetchone()

    async def _fetchall(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()

    async def _commit(self) -> None:
        self.db.commit()

    async def _disconnect(self) -> None:
        self.db.close()
