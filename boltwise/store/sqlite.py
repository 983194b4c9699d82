"""The embedded store: one SQLite file (WAL, ``synchronous=FULL``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from boltwise.store.base import Store


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
