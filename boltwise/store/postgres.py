"""The production store: PostgreSQL through one psycopg 3 async connection."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import ClassVar

from psycopg import AsyncConnection, OperationalError
from psycopg.pq import TransactionStatus

from boltwise.store.base import SCHEMA, StoreError
from boltwise.store.shared import SHARED_SCHEMA, SharedRows

_MARK = re.compile(r"\?")
SCHEMA_LOCK = 0x626F6C7477697365  # "boltwise": one advisory lock for schema changes, database-wide


def _sql(statement: str) -> str:
    return _MARK.sub("%s", statement)  # one SQL text for both databases: ? becomes %s


class PostgresStore(SharedRows):
    schema = SCHEMA + ";" + SHARED_SCHEMA
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
        self.connections = 0
        # who this process is to the other processes of a shared crawl: its session's name, so
        # that its leases end with the session (boltwise.store.shared)
        self.session = f"boltwise:{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def __str__(self) -> str:
        return re.sub(r"//[^@/]*@", "//***@", self.uri)  # no password in logs

    def savepoint(self) -> contextlib.AbstractAsyncContextManager:
        """A block of the open transaction that is rolled back alone when it fails."""
        assert self.conn is not None
        return self.conn.transaction()

    async def connect(self) -> None:
        # the crawl's writes and the reads that must see them share one connection and one
        # open transaction (a pool would have nothing to share); bucket and boilerplate rows go
        # through it with executemany
        self.conn = await AsyncConnection.connect(self.uri, application_name=self.session)
        self.connections += 1  # a new session: the session locks of the old one are gone

    async def _execute(self, sql: str, params: tuple = ()) -> None:
        async with self._failing():
            await self.conn.execute(_sql(sql), params)

    async def _executemany(self, sql: str, rows: Iterable[tuple]) -> None:
        async with self._failing(), self.conn.cursor() as cursor:
            await cursor.executemany(_sql(sql), list(rows))

    async def _fetchone(self, sql: str, params: tuple = ()) -> tuple | None:
        async with self._failing():
            cursor = await self.conn.execute(_sql(sql), params)
            return await cursor.fetchone()

    async def _fetchall(self, sql: str, params: tuple = ()) -> list[tuple]:
        async with self._failing():
            cursor = await self.conn.execute(_sql(sql), params)
            return await cursor.fetchall()

    @contextlib.asynccontextmanager
    async def _failing(self) -> AsyncIterator[None]:
        """A failed statement fails every later one of its transaction: have it ended soon."""
        try:
            yield
        except Exception:
            self.commit_soon()
            raise

    def claim(self) -> None:
        pass  # a server: crawls of other sites may share it, each with its own connection

    async def _table_exists(self, name: str) -> bool:
        # the catalog itself, read with a fresh snapshot: to_regclass() may answer from this
        # session's cache, which has not yet heard of a table another process just created
        row = await self._fetchone(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables"
            " WHERE schemaname = current_schema() AND tablename = ?)",
            (name,),
        )
        return bool(row and row[0])

    async def _lock_schema(self) -> None:
        await self._execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))

    async def _commit(self) -> None:
        assert self.conn is not None
        if self.conn.info.transaction_status == TransactionStatus.INERROR:
            # psycopg's commit() of a failed transaction rolls it back and returns as if it had
            # committed: the group's other writes would be acknowledged and lost
            await self.conn.rollback()
            raise StoreError("a statement of the transaction failed: it was rolled back")
        try:
            await self.conn.commit()
        except OperationalError as exc:
            if self.conn.closed:  # the server went away, or killed the connection: later groups
                await self.connect()  # get a new one; this group's writes are gone
            raise StoreError(f"the connection to PostgreSQL was lost ({exc}): the transaction is gone") from exc

    async def _disconnect(self) -> None:
        if self.conn is not None:
            await self.conn.close()
            self.conn = None
