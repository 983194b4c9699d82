"""The crawl ledger: what became of every article URL, across crawls.

States: ``discovered`` -> ``fetched`` -> ``stored`` | ``dropped`` | ``duplicate``; a request that
failed is ``failed`` (asked for again when the URL is listed again); pages that turn out to be
listings are ``listing`` (fetched again on every crawl).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from boltwise.hints import Hints
from boltwise.store.database import Database

TERMINAL = ("stored", "dropped", "duplicate")


COPY_OF = "copy of "  # a duplicate's reason: this, then the URL (or source) of the article kept


class LedgerRows(Database):
    async def mark_copy(self, url: str, original: str, kind: str) -> None:
        """Mark ``url`` a duplicate (``kind``: url, exact or near) of ``original`` or, when that was
        superseded, of the article that superseded it: one statement, so a supersession is never
        half seen."""
        await self._execute(
            "INSERT INTO ledger (url, state, reason, updated_at) VALUES (?, 'duplicate',"
            " ? || COALESCE((SELECT kept FROM dedup_superseded WHERE key = ?"
            # a key indexed anew (another story at that URL) stands for itself again
            " AND NOT EXISTS (SELECT 1 FROM dedup_articles WHERE key = dedup_superseded.key)), ?), ?)"
            " ON CONFLICT (url) DO UPDATE SET state = excluded.state, reason = excluded.reason,"
            " updated_at = excluded.updated_at",
            (url, COPY_OF, original, original, datetime.now(UTC).isoformat()),
        )
        await self._execute(
            "INSERT INTO ledger_copies (url, kind) VALUES (?, ?)"
            " ON CONFLICT (url) DO UPDATE SET kind = excluded.kind",
            (url, kind),
        )
        self._wrote()

    async def duplicates(self, batch: int = 1000) -> AsyncIterator[dict[str, str]]:
        """The URLs recorded as copies, with the article each copies, by URL, ``batch`` at a time."""
        select = "SELECT url, reason, updated_at FROM ledger"
        async for url, reason, updated_at in self._in_key_order(
            select, "state = 'duplicate'", (), ("url",), ("",), batch
        ):
            yield {"url": url, "duplicate_of": (reason or "").removeprefix(COPY_OF), "recorded_at": updated_at}

    async def redirect_copies(self, original: str, kept: str) -> None:
        """The copies of ``original`` marked so far copy ``kept`` now, which superseded it."""
        await self._execute(
            "UPDATE ledger SET reason = ?, updated_at = ? WHERE state = 'duplicate' AND reason = ?",
            (COPY_OF + kept, datetime.now(UTC).isoformat(), COPY_OF + original),
        )
        self._wrote()

    async def mark(self, url: str, state: str, reason: str | None = None, lastmod: str | None = None) -> None:
        await self._execute(
            "INSERT INTO ledger (url, state, reason, lastmod, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET state = excluded.state, reason = excluded.reason,"
            " lastmod = COALESCE(excluded.lastmod, ledger.lastmod), updated_at = excluded.updated_at",
            (url, state, reason, lastmod, datetime.now(UTC).isoformat()),
        )
        self._wrote()

    async def discover(
        self, url: str, lastmod: str | None, seen_state: str | None, hints: Hints | None = None
    ) -> None:
        """Mark ``url`` discovered — unless its state moved on since it was read as ``seen_state``
        (an article stored meanwhile must not fall back to "discovered") — and keep the ``hints``
        it was listed with, for a crawl that resumes it."""
        now = datetime.now(UTC).isoformat()
        if seen_state is None:
            await self._execute(
                "INSERT INTO ledger (url, state, lastmod, updated_at) VALUES (?, 'discovered', ?, ?)"
                " ON CONFLICT (url) DO NOTHING",
                (url, lastmod, now),
            )
        else:
            await self._execute(
                "UPDATE ledger SET state = 'discovered', lastmod = COALESCE(?, lastmod), updated_at = ?"
                " WHERE url = ? AND state = ?",
                (lastmod, now, url, seen_state),
            )
        if hints:
            await self._execute(
                "INSERT INTO ledger_hints (url, hints) VALUES (?, ?)"
                " ON CONFLICT (url) DO UPDATE SET hints = excluded.hints",
                (url, json.dumps(hints, ensure_ascii=False, sort_keys=True)),
            )
        self._wrote()

    async def announced(self, url: str, lastmod: str) -> None:
        """Record a newer lastmod listed for ``url``, whatever its state."""
        await self._execute("UPDATE ledger SET lastmod = ? WHERE url = ?", (lastmod, url))
        self._wrote()

    async def validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        await self._execute(
            "UPDATE ledger SET etag = ?, last_modified = ? WHERE url = ?", (etag, last_modified, url)
        )
        self._wrote()

    async def ledger(self, url: str) -> tuple[str, str | None, str | None, str | None] | None:
        """(state, lastmod, etag, last_modified) of an URL the crawl has seen."""
        return await self._fetchone(  # type: ignore[return-value]
            "SELECT state, lastmod, etag, last_modified FROM ledger WHERE url = ?", (url,)
        )

    async def unfinished(self) -> list[tuple[str, Hints | None]]:
        """Article URLs discovered or fetched but neither stored nor dropped (a crawl was cut
        short), with the hints they were listed with."""
        rows = await self._fetchall(
            "SELECT ledger.url, ledger_hints.hints FROM ledger LEFT JOIN ledger_hints USING (url)"
            " WHERE state IN ('discovered', 'fetched') ORDER BY updated_at, ledger.url"
        )
        return [(url, json.loads(hints) if isinstance(hints, str) else hints) for url, hints in rows]
