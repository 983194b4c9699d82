"""The embedded store: one SQLite file (WAL, ``synchronous=FULL``)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar, TextIO

from boltwise.store.base import Store, StoreInUse


class SQLiteStore(Store):
    types: ClassVar[dict[str, str]] = {
        "json": "TEXT",
        "identity": "INTEGER PRIMARY KEY",
        "int64": "INTEGER",
        "bytes": "BLOB",
        "without_rowid": " WITHOUT ROWID",  # clustered on the primary key: smaller, one lookup
    }

    def __init__(self, path: Path, **kwargs: float) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.path = path
        self._claim: TextIO | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        # queries take microseconds: they run on the reactor thread rather than hop threads
        self.db = sqlite3.connect(path, isolation_level="DEFERRED")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a committed row survives power loss too
        self.db.execute("PRAGMA busy_timeout=10000")

    def __str__(self) -> str:
        return f"sqlite:///{self.path}"

    def claim(self) -> None:
        """One crawl per SQLite file: a second one would make the first one's grouped commits
        wait for its locks, and both would decide dedup on what the other has not committed yet."""
        self._claim = self.path.with_name(self.path.name + ".lock").open("a+")
        try:
            fcntl.flock(self._claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._claim.seek(0)
            holder = self._claim.read().strip() or "another process"
            self._claim.close()
            raise StoreInUse(
                f"{self} is in use by another crawl ({holder}): an SQLite store serves one crawl at a time;"
                " to run several crawls on one store, give them a PostgreSQL one (BOLTWISE_STORE_URI=postgresql://…)"
            ) from None
        self._claim.truncate(0)
        self._claim.write(f"pid {os.getpid()}\n")
        self._claim.flush()

    async def _execute(self, sql: str, params: tuple = ()) -> None:
        self.db.execute(sql, params)

    async def _executemany(self, sql: str, rows: Iterable[tuple]) -> None:
        self.db.executemany(sql, rows)

    async def _fetchone(self, sql: str, params: tuple = ()) -> tuple | None:
        return self.db.execute(sql, params).fetchone()

    async def _fetchall(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()

    async def _table_exists(self, name: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
            is not None
        )

    async def _lock_schema(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")  # the write lock now, not at the first write

    async def _commit(self) -> None:
        self.db.commit()

    async def _disconnect(self) -> None:
        self.db.close()
        if self._claim is not None:
            self._claim.close()  # and with it the lock
