"""Article rows: the latest revision of each article, and every revision."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from boltwise.store.database import Database


class ArticleRows(Database):
    async def put_article(self, item: dict[str, Any]) -> bool:
        """Store one article (its latest revision in ``articles``, every revision in
        ``article_revisions``); False when this very revision was stored already."""
        key = item.get("url") or item["source"]
        revision = item.get("revision") or 1
        document = json.dumps(item, ensure_ascii=False, sort_keys=True)
        now = datetime.now(UTC).isoformat()
        inserted = await self._fetchone(
            "INSERT INTO article_revisions (url, revision, item, stored_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (url, revision) DO NOTHING RETURNING revision",
            (key, revision, document, now),
        )
        if inserted is None:
            return False
        await self._execute(
            "INSERT INTO articles (url, site, title, published, modified, revision, item, stored_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET site = excluded.site,"
            " title = excluded.title, published = excluded.published, modified = excluded.modified,"
            " revision = excluded.revision, item = excluded.item, stored_at = excluded.stored_at"
            " WHERE excluded.revision > articles.revision",
            (key, item.get("site"), item.get("title"), item.get("published"), item.get("modified"), revision,
             document, now),
        )  # fmt: skip
        self._wrote()
        return True

    async def remove_article(self, url: str) -> str | None:
        """Delete the article stored under ``url``, every revision; its source (None: none stored)."""
        row = await self._fetchone("SELECT item FROM articles WHERE url = ?", (url,))
        if row is None:
            return None
        await self._execute("DELETE FROM article_revisions WHERE url = ?", (url,))
        await self._execute("DELETE FROM articles WHERE url = ?", (url,))
        self._wrote()
        return _document(row[0])["source"]

    async def articles(self, site: str | None = None, batch: int = 1000) -> AsyncIterator[dict[str, Any]]:
        """The latest revision of each article (of ``site``), by URL, ``batch`` rows at a time."""
        where, params = ("site = ?", (site,)) if site else ("", ())
        async for _, document in self._in_key_order(
            "SELECT url, item FROM articles", where, params, ("url",), ("",), batch
        ):
            yield _document(document)

    async def revisions(self, batch: int = 1000) -> AsyncIterator[dict[str, Any]]:
        """Every stored revision of every article, by URL and revision, ``batch`` rows at a time."""
        select = "SELECT url, revision, item FROM article_revisions"
        async for *_, document in self._in_key_order(select, "", (), ("url", "revision"), ("", 0), batch):
            yield _document(document)

    async def counts(self) -> dict[str, list[tuple]]:
        return {
            "articles per site": await self._fetchall(
                "SELECT COALESCE(site, '(none)'), COUNT(*), SUM(CASE WHEN revision > 1 THEN 1 ELSE 0 END)"
                " FROM articles GROUP BY site ORDER BY site"
            ),
            "urls per ledger state": await self._fetchall(
                "SELECT state, COUNT(*) FROM ledger GROUP BY state ORDER BY state"
            ),
        }


def _document(stored: str | dict[str, Any]) -> dict[str, Any]:
    """An item column's value as a dict (SQLite gives JSON text, PostgreSQL a decoded jsonb)."""
    return json.loads(stored) if isinstance(stored, str) else stored
