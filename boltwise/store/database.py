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
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable

from boltwise.store.schema import SCHEMA, SCHEMA_VERSION

logger = logging.getLogger(__name__)


class StoreError(Exception):
    """A write the store could not make durable (its transaction was rolled back)."""


class StoreInUse(RuntimeError):
    """Another crawl holds a store that serves one crawl at a time."""


class Database(ABC):
    """Subclasses supply the SQL dialect's column types and the database primitives."""

    types: dict[str, str]
    schema: str = SCHEMA

    def __init__(self, commit_every: int = 200, commit_interval: float = 0.2, commit_quiet: float = 0.025) -> None:
        self.commit_every = commit_every
        self.commit_interval = commit_interval
        self.commit_quiet = commit_quiet
        self._activity = asyncio.Event()  # a write, or a request to commit: the gathering group looks again
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
        self.failed_groups = 0  # commits that failed: their writes are gone

    # --- database primitives ---------------------------------------------------------------

    @abstractmethod
    async def _execute(self, sql: str, params: tuple = ()) -> None: ...

    @abstractmethod
    async def _executemany(self, sql: str, rows: Iterable[tuple]) -> None: ...

    @abstractmethod
    async def _fetchone(self, sql: str, params: tuple = ()) -> tuple | None: ...

    @abstractmethod
    async def _fetchall(self, sql: str, params: tuple = ()) -> list[tuple]: ...

    async def _in_key_order(
        self, select: str, where: str, params: tuple, key: tuple[str, ...], start: tuple, batch: int
    ) -> AsyncIterator[tuple]:
        """The rows of ``select`` (whose first columns are ``key``) matching ``where``, in key
        order, ``batch`` at a time by key range: one query per batch, never all rows at once, so
        memory stays flat however large the table (and no cursor is held between batches)."""
        columns, marks = ", ".join(key), ", ".join("?" * len(key))
        condition = f"{where} AND " if where else ""
        sql = f"{select} WHERE {condition}({columns}) > ({marks}) ORDER BY {columns} LIMIT {int(batch)}"
        last = start
        while True:
            rows = await self._fetchall(sql, (*params, *last))
            for row in rows:
                yield row
            if len(rows) < batch:
                return
            last = rows[-1][: len(key)]

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
            await self._commit()  # and let go of the version table
            return
        await self._lock_schema()
        version = await self._schema_version()  # another process may have done it meanwhile
        if version != SCHEMA_VERSION:
            for statement in filter(str.strip, self.schema.format(**self.types).split(";")):
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

    async def durable(self, now: bool = False) -> None:
        """Return once everything written so far is committed; ``now``: without waiting for a
        group to gather (a writer that has gathered its own, such as the decider's batch)."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._wrote()
        if now:
            self._enough.set()
        await future

    def commit_soon(self) -> None:
        """End the open transaction as soon as no item holds the store (a statement failed)."""
        self._enough.set()
        self._activity.set()
        self._schedule()

    def _wrote(self) -> None:
        self._writes += 1
        self._activity.set()
        if len(self._waiters) >= self.commit_every or self._writes >= 10 * self.commit_every:
            self._enough.set()
        self._schedule()

    def _schedule(self) -> None:
        if self._committer is None and not self._closing:
            self._committer = asyncio.get_running_loop().create_task(self._commit_group())

    async def _commit_group(self) -> None:
        try:
            await self._gather()
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
                self.failed_groups += 1
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

    async def _gather(self) -> None:
        """Until the group has ``commit_every`` items, is ``commit_interval`` old, or nothing has
        joined it for ``commit_quiet``: when the stream of items pauses (the last items of a crawl,
        a slow site), waiting longer would only hold back the items already in the group."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.commit_interval
        while not self._enough.is_set() and (remaining := deadline - loop.time()) > 0:
            self._activity.clear()
            try:
                await asyncio.wait_for(self._activity.wait(), min(self.commit_quiet, remaining))
            except TimeoutError:
                return

    async def close(self) -> None:
        self._closing = True
        if self._committer is not None:
            self._enough.set()
            self._activity.set()
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
