"""The production store: PostgreSQL through one psycopg 3 async connection."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from psycopg import AsyncConnection

from boltwise.store.base import Store

_MARK = re.compile(r"\?")


def _sql(statement: str) -> str:
    return _MARK.sub("%s", statement)  # one SQL text for both databases: ? becomes %s


class PostgresStore(Store):
    types: ClassVar[dict[str, str]] = {
        "json": "JSONB",
        "identity": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "int64": "BIGINT",
        "bytes": "BYTEA",
        "without_rowid": "",
    }

    def __init__(self, uri: str, **kwargs: float) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.uri = uri
        self.conn: AsyncConnection | None = None

    def __str__(self) -> str:
        return re.sub(r"//[^@/]*@", "//***@", self.uri)  # no password in logs

    async def connect(self) -> None:
        # the crawl's writes and the reads that must see them share one connection and one
        # open transaction (a pool would have nothing to share); bucket and boilerplate rows go
        # through it with executemany
        self.conn = await AsyncConnection.connect(self.uri)

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
            await self.conn.close()
            self.conn = None
