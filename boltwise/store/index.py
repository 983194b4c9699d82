"""The dedup index's rows: the store side of :class:`boltwise.dedup.index.DedupBackend`."""

from __future__ import annotations

import numpy as np

from boltwise.dedup.fingerprint import Fingerprint
from boltwise.dedup.index import Indexed
from boltwise.store.database import Database

_INDEXED = "SELECT id, key, exact, signature, shingles, words, revision, modified FROM dedup_articles"


class IndexRows(Database):
    async def by_key(self, key: str) -> Indexed | None:
        return _indexed(await self._fetchone(f"{_INDEXED} WHERE key = ?", (key,)))

    async def by_exact(self, exact: int) -> Indexed | None:
        return _indexed(await self._fetchone(f"{_INDEXED} WHERE exact = ? ORDER BY id LIMIT 1", (exact,)))

    async def by_buckets(self, buckets: list[int]) -> list[Indexed]:
        marks = ",".join("?" * len(buckets))
        rows = await self._fetchall(
            f"{_INDEXED} WHERE id IN (SELECT article FROM dedup_buckets WHERE bucket IN ({marks})) ORDER BY id",
            tuple(buckets),
        )
        return [_indexed(row) for row in rows]  # type: ignore[misc]

    async def index(
        self, key: str, fp: Fingerprint, revision: int, modified: str | None, replaces: Indexed | None = None
    ) -> None:
        row = await self._fetchone(
            "INSERT INTO dedup_articles (key, exact, signature, shingles, words, revision, modified)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET exact = excluded.exact,"
            " signature = excluded.signature, shingles = excluded.shingles, words = excluded.words,"
            " revision = excluded.revision, modified = excluded.modified RETURNING id",
            (key, fp.exact, fp.signature.tobytes(), fp.shingles, fp.words, revision, modified),
        )
        assert row is not None
        if replaces is not None:  # a revision: its old buckets go, found by primary key
            await self._executemany(
                "DELETE FROM dedup_buckets WHERE bucket = ? AND article = ?",
                ((b, row[0]) for b in replaces.fingerprint().bands),
            )
        await self._executemany(
            "INSERT INTO dedup_buckets VALUES (?, ?) ON CONFLICT DO NOTHING", ((b, row[0]) for b in fp.bands)
        )
        self._wrote()

    async def supersede(self, entries: list[Indexed], kept: str) -> None:
        """Take articles out of the index that ``kept`` supersedes, and remember by what (also for
        what they superseded before): later copies of them find ``kept``."""
        for entry in entries:
            await self._executemany(
                "DELETE FROM dedup_buckets WHERE bucket = ? AND article = ?",
                ((b, entry.id) for b in entry.fingerprint().bands),
            )
            await self._execute("DELETE FROM dedup_articles WHERE id = ?", (entry.id,))
            await self._execute("UPDATE dedup_superseded SET kept = ? WHERE kept = ?", (kept, entry.key))
            await self._execute(
                "INSERT INTO dedup_superseded (key, kept) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET kept = excluded.kept",
                (entry.key, kept),
            )
        self._wrote()


def _indexed(row: tuple | None) -> Indexed | None:
    if row is None:
        return None
    id_, key, exact, signature, shingles, words, revision, modified = row
    signature = np.frombuffer(bytes(signature), dtype=np.uint32)
    return Indexed(id_, key, exact, signature, shingles, words, revision, modified)
