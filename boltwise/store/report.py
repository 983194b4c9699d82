"""What the crawl report reads, and the crawl runs it lists (each run's final stats)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from boltwise.store.database import Database


class ReportRows(Database):
    async def record_run(self, spider: str, started_at: str | None, stats: dict[str, Any]) -> None:
        await self._execute(
            "INSERT INTO crawl_stats (spider, started_at, finished_at, stats) VALUES (?, ?, ?, ?)",
            (spider, started_at, datetime.now(UTC).isoformat(), json.dumps(stats, default=str, sort_keys=True)),
        )
        self._wrote()

    async def runs(self) -> list[tuple[int, str, str | None, str, dict[str, Any]]]:
        rows = await self._fetchall(
            "SELECT id, spider, started_at, finished_at, stats FROM crawl_stats ORDER BY id"
        )
        return [(*row[:4], json.loads(row[4]) if isinstance(row[4], str) else row[4]) for row in rows]

    def ledger_rows(self, batch: int = 5000) -> AsyncIterator[tuple]:
        """(url, state, reason, copy kind) of every ledger row, by URL, ``batch`` at a time."""
        select = "SELECT l.url, l.state, l.reason, c.kind FROM ledger l LEFT JOIN ledger_copies c ON c.url = l.url"
        return self._in_key_order(select, "", (), ("l.url",), ("",), batch)

    async def revisions_per_site(self) -> list[tuple[str | None, int]]:
        return await self._fetchall(
            "SELECT a.site, COUNT(*) FROM article_revisions r JOIN articles a ON a.url = r.url"
            " WHERE r.revision > 1 GROUP BY a.site"
        )

    async def removed_per_site(self) -> list[tuple[str, str, int]]:
        return await self._fetchall("SELECT site, rule, lines FROM clean_removed ORDER BY site, rule")

    async def learned_lines(self) -> list[tuple[str, str, int]]:
        """(site, line, support) of the learned lines removed so far, the most supported first."""
        return await self._fetchall(
            "SELECT t.site, t.line, b.articles FROM clean_learned_lines t JOIN boilerplate_lines b"
            " ON b.site = t.site AND b.line_hash = t.line_hash ORDER BY t.site, b.articles DESC, t.line"
        )
