"""What every store does, whatever the database: schema-level operations and grouped commits.

A store keeps one open transaction. Everything a crawl writes — dedup index entries, articles,
revisions, ledger states — joins it at once, so reads see it immediately, and a commit makes a
whole group durable with one fsync (SQLite) or one round trip (PostgreSQL).

Crash safety rests on two rules:

* an item is acknowledged only after :meth:`Store.durable` returns, i.e. after the commit that
  holds its article row;
* a commit never splits an item: the dedup stage :meth:`hold`\\ s the store from the moment it
  indexes an item until the item's article row is written (or the item is dropped), and a commit
  first closes the :meth:`gate` to new items and waits until no item holds the store. So the
  dedup index never remembers an article the store does not hold, and the other way round.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from boltwise.clean.learned import BoilerplateModel, SiteLines
from boltwise.dedup.fingerprint import Fingerprint
from boltwise.dedup.index import Indexed

logger = logging.getLogger(__name__)

# ledger states of an article URL: discovered -> fetched -> stored | dropped | duplicate;
# pages that turn out to be listings are "listing" (fetched again on every crawl)
TERMINAL = ("stored", "dropped", "duplicate")

_INDEXED = "SELECT id, key, exact, signature, shingles, words, revision, modified FROM dedup_articles"


# one schema for both databases; each fills in its own column types. A store records the
# version it has; a later version of this schema bumps SCHEMA_VERSION, and setup() brings older
# stores up to it (today by the IF NOT EXISTS statements alone)
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS boltwise_schema (
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    site TEXT,
    title TEXT,
    published TEXT,
    modified TEXT,
    revision INTEGER NOT NULL,
    item {json} NOT NULL,
    stored_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_site ON articles (site);
CREATE TABLE IF NOT EXISTS article_revisions (
    url TEXT NOT NULL,
    revision INTEGER NOT NULL,
    item {json} NOT NULL,
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
    id {identity},
    key TEXT NOT NULL UNIQUE,
    exact {int64} NOT NULL,
    signature {bytes} NOT NULL,
    shingles INTEGER NOT NULL,
    words INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    modified TEXT
);
CREATE INDEX IF NOT EXISTS dedup_articles_exact ON dedup_articles (exact);
CREATE TABLE IF NOT EXISTS dedup_buckets (
    bucket {int64} NOT NULL,
    article {int64} NOT NULL,
    PRIMARY KEY (bucket, article)
){without_rowid};
CREATE TABLE IF NOT EXISTS boilerplate_sites (
    site TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS boilerplate_lines (
    site TEXT NOT NULL,
    line_hash {int64} NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, line_hash)
){without_rowid}
"""


class StoreError(Exception):
    """A write the store could not make durable (its transaction was rolled back)."""


class StoreInUse(RuntimeError):
    """Another crawl holds a store that serves one crawl at a time."""


class Store(ABC):
    """Subclasses supply the SQL dialect's column types and the database primitives."""

    types: dict[str, str]

    def __init__(self, commit_every: int = 200, commit_interval: float = 0.2) -> None:
        self.commit_every = commit_every
        self.commit_interval = commit_interval
        self._holds: set[int] = set()
        self._drained = asyncio.Event()
        self._drained.set()
        self._open_gate = asyncio.Event()
        self._open_gate.set()
        self._waiters: list[asyncio.Future[None]] = []
        self._writes = 0
        self._committer: asyncio.Task[None] | None = None
        self._enough = asyncio.Event()
        self._closing = False

    # --- database primitives ---------------------------------------------------------------

    @abstractmethod
    async def _execute(self, sql: str, params: tuple = ()) -> None: ...

    @abstractmethod
    async def _executemany(self, sql: str, rows: Iterable[tuple]) -> None: ...

    @abstractmethod
    async def _fetchone(self, sql: str, params: tuple = ()) -> tuple | None: ...

    @abstractmethod
    async def _fetchall(self, sql: str, params: tuple = ()) -> list[tuple]: ...

    @abstractmethod
    async def _commit(self) -> None:
        """Make the open transaction durable, or raise: never return after a rollback."""

    @abstractmethod
    async def _disconnect(self) -> None: ...

    @abstractmethod
    async def _table_exists(self, name: str) -> bool: ...

    @abstractmethod
    async def _lock_schema(self) -> None:
        """Serialise schema changes with every other process until the next commit."""

    @abstractmethod
    def claim(self) -> None:
        """Take the store for this crawl, where the database serves one crawl at a time (SQLite)."""

    async def setup(self) -> None:
        """Create or migrate the schema, once: a process that finds it current changes nothing,
        and processes starting at the same moment take turns (their DDL would deadlock)."""
        if await self._schema_version() == SCHEMA_VERSION:
            return
        await self._lock_schema()
        version = await self._schema_version()  # another process may have done it meanwhile
        if version != SCHEMA_VERSION:
            for statement in filter(str.strip, SCHEMA.format(**self.types).split(";")):
                await self._execute(statement)
            await self._execute("DELETE FROM boltwise_schema")
            await self._execute("INSERT INTO boltwise_schema (version) VALUES (?)", (SCHEMA_VERSION,))
            logger.info("Store schema %s: version %d", "migrated" if version else "created", SCHEMA_VERSION)
        await self._commit()

    async def _schema_version(self) -> int:
        """0 for a store without the version table: new, or from before it had one (the DDL is
        ``IF NOT EXISTS`` throughout, so such a store gets what it lacks)."""
        if not await self._table_exists("boltwise_schema"):
            return 0
        row = await self._fetchone("SELECT MAX(version) FROM boltwise_schema")
        return int(row[0] or 0) if row else 0

    # --- grouped commits -----------------------------------------------------------------

    def hold(self, token: int) -> None:
        """Keep commits out until :meth:`release` of ``token`` (an item between two writes)."""
        self._holds.add(token)
        self._drained.clear()

    def release(self, token: int) -> None:
        """End a hold; releasing a token that holds nothing is a no-op."""
        self._holds.discard(token)
        if not self._holds:
            self._drained.set()

    async def gate(self) -> None:
        """Wait while a commit is being prepared (new items may not start then)."""
        await self._open_gate.wait()

    async def durable(self) -> None:
        """Return once everything written so far is committed."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._wrote()
        await future

    def commit_soon(self) -> None:
        """End the open transaction as soon as no item holds the store (a statement failed)."""
        self._enough.set()
        self._schedule()

    def _wrote(self) -> None:
        self._writes += 1
        if len(self._waiters) >= self.commit_every or self._writes >= 10 * self.commit_every:
            self._enough.set()
        self._schedule()

    def _schedule(self) -> None:
        if self._committer is None and not self._closing:
            self._committer = asyncio.get_running_loop().create_task(self._commit_group())

    async def _commit_group(self) -> None:
        try:
            with contextlib.suppress(TimeoutError):  # enough gathered, or waited long enough
                await asyncio.wait_for(self._enough.wait(), self.commit_interval)
            self._open_gate.clear()
            await self._drained.wait()
            waiters, self._waiters = self._waiters, []
            self._writes = 0
            self._enough.clear()
            try:
                await self._commit()
            except Exception as exc:
                # the group is lost: none of its items is acknowledged, their ledger rows stay
                # unfinished (their states were in the lost group too), and the next start resumes
                # them; later groups go on in a new transaction
                logger.error("Could not commit %d items to the store: %r", len(waiters), exc)
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(StoreError(f"the commit of its group failed: {exc!r}"))
                return
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
        finally:
            self._open_gate.set()
            self._committer = None
            if self._waiters or self._writes:
                self._schedule()

    async def close(self) -> None:
        self._closing = True
        if self._committer is not None:
            self._enough.set()
            await self._committer
        if self._holds:  # every item is finished by now: a hold left over is a bug, not a reason to hang
            logger.error("Closing the store with %d items still holding it", len(self._holds))
            self._holds.clear()
        try:
            await self._commit()
        except Exception as exc:
            for waiter in self._waiters:
                if not waiter.done():
                    waiter.set_exception(StoreError(f"the last commit failed: {exc!r}"))
            raise
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        await self._disconnect()

    # --- dedup index (the DedupBackend protocol) -----------------------------------------

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
            old = Fingerprint(replaces.exact, replaces.signature, replaces.shingles, replaces.words)
            await self._executemany(
                "DELETE FROM dedup_buckets WHERE bucket = ? AND article = ?", ((b, row[0]) for b in old.bands)
            )
        await self._executemany(
            "INSERT INTO dedup_buckets VALUES (?, ?) ON CONFLICT DO NOTHING", ((b, row[0]) for b in fp.bands)
        )
        self._wrote()

    # --- learned boilerplate ---------------------------------------------------------------

    async def load_boilerplate(self, model: BoilerplateModel) -> None:
        for site, articles in await self._fetchall("SELECT site, articles FROM boilerplate_sites"):
            model.sites[site] = SiteLines(articles=articles)
        for site, key, count in await self._fetchall("SELECT site, line_hash, articles FROM boilerplate_lines"):
            model.sites[site].counts[key] = count

    async def save_boilerplate(self, model: BoilerplateModel) -> None:
        for site in sorted(model.dirty):
            seen = model.sites[site]
            await self._execute(
                "INSERT INTO boilerplate_sites VALUES (?, ?)"
                " ON CONFLICT (site) DO UPDATE SET articles = excluded.articles",
                (site, seen.articles),
            )
            await self._execute("DELETE FROM boilerplate_lines WHERE site = ?", (site,))
            await self._executemany(
                "INSERT INTO boilerplate_lines VALUES (?, ?, ?)",
                ((site, key, count) for key, count in seen.counts.items()),
            )
        model.dirty.clear()
        self._wrote()

    # --- articles --------------------------------------------------------------------------

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

    async def articles(self, site: str | None = None) -> AsyncIterator[dict[str, Any]]:
        sql, params = "SELECT item FROM articles", ()
        if site:
            sql, params = sql + " WHERE site = ?", (site,)
        for (document,) in await self._fetchall(sql + " ORDER BY url", params):
            yield json.loads(document) if isinstance(document, str) else document

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

    # --- crawl ledger ----------------------------------------------------------------------

    async def mark(self, url: str, state: str, reason: str | None = None, lastmod: str | None = None) -> None:
        await self._execute(
            "INSERT INTO ledger (url, state, reason, lastmod, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET state = excluded.state, reason = excluded.reason,"
            " lastmod = COALESCE(excluded.lastmod, ledger.lastmod), updated_at = excluded.updated_at",
            (url, state, reason, lastmod, datetime.now(UTC).isoformat()),
        )
        self._wrote()

    async def discover(self, url: str, lastmod: str | None, seen_state: str | None) -> None:
        """Mark ``url`` discovered — unless its state moved on since it was read as ``seen_state``
        (an article stored meanwhile must not fall back to "discovered")."""
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

    async def unfinished(self) -> list[str]:
        """Article URLs discovered or fetched but neither stored nor dropped: a crawl was cut short."""
        rows = await self._fetchall(
            "SELECT url FROM ledger WHERE state IN ('discovered', 'fetched') ORDER BY updated_at, url"
        )
        return [url for (url,) in rows]


def _indexed(row: tuple | None) -> Indexed | None:
    if row is None:
        return None
    id_, key, exact, signature, shingles, words, revision, modified = row
    signature = np.frombuffer(bytes(signature), dtype=np.uint32)
    return Indexed(id_, key, exact, signature, shingles, words, revision, modified)
