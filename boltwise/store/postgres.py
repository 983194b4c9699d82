"""The production store: PostgreSQL through psycopg 3's async connection pool."""

from __future__ import annotations

import re
from collections.abc import Iterable

from psycopg_pool import AsyncConnectionPool

from boltwise.store.base import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    site TEXT,
    title TEXT,
    published TEXT,
    modified TEXT,
    revision INTEGER NOT NULL,
    item JSONB NOT NULL,
    stored_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_site ON articles (site);
CREATE TABLE IF NOT EXISTS article_revisions (
    url TEXT NOT NULL,
    revision INTEGER NOT NULL,
    item JSONB NOT NULL,
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
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    exact BIGINT NOT NULL,
    signature BYTEA NOT NULL,
    shingles INTEGER NOT NULL,
    words INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    modified TEXT
);
CREATE INDEX IF NOT EXISTS dedup_articles_exact ON dedup_articles (exact);
CREATE TABLE IF NOT EXISTS dedup_buckets (
    bucket BIGINT NOT NULL,
    article BIGINT NOT NULL,
    PRIMARY KEY (bucket, article)
);
CREATE TABLE IF NOT EXISTS boilerplate_sites (
    site TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS boilerplate_lines (
    site TEXT NOT NULL,
    line_hash BIGINT NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, line_hash)
)
"""

_MARK = re.compile(r"\?")


def _sql(statement: str) -> str:
    return _MARK.sub("%s", statement)  # one SQL text for both databases: ? becomes %s


class PostgresStore(Store):
    schema = SCHEMA

    def __init__(self, uri: str, **kwargs: float) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.uri = uri
        self.pool = AsyncConnectionPool(uri, min_size=1, max_size=2, open=False)
        self.conn = None

    def __str__(self) -> str:
        return re.sub(r"//[^@/]*@", "//***@", self.uri)  # no password in logs

    async def connect(self) -> None:
        await self.pool.open(wait=True)
        # the crawl's writes and the reads that must see them share one connection and one
        # open transaction; batches of upserts go through it with executemany
        self.conn = await self.pool.getconn()

    async def _execute(self, sql: str, params: tuple = ()) -> None:
        await self.conn.execute(_sql(sql), params)

    async def _executemany(self, sql: str, rows: Iterable[tuple]) -> None:
        async with self.conn.cursor() as cursor:
            await cursor.executemany(_sql(sql), list(rows))

    async def _fetchone(self, sql: str, params: tuple = ()) -> tuple | None:
        cursor = await self.conn.execute(_sql(sql), params)
        return await cursor.fetchone()

    async def _fetchall(self, sql: str, params: tuple = ()) -> list[tuple]:
        cursor = await self.conn.execute(_sql(sql), params)
        return await cursor.fetchall()

    async def _commit(self) -> None:
        await self.conn.commit()

    async def _disconnect(self) -> None:
        if self.conn is not None:
            await self.pool.putconn(self.conn)
            self.conn = None
        await self.pool.close()
