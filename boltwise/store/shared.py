"""The rows of a shared crawl (PostgreSQL): runs, the frontier with its leases, and candidates.

A *run* is one crawl job (spider and arguments) from its first process's start to the moment its
frontier is empty; every process started with the same command while it is open joins it.

Frontier rows, one per URL of the run, are a small state machine; who makes each transition:

=========  ==================================  ==============================================
from       to                                  made by
=========  ==================================  ==============================================
(none)     ``pending``                         whoever discovers the URL first (insert)
``pending`` ``leased`` (owner, expiry)         a process claiming work (``SKIP LOCKED``)
``leased`` ``leased`` (later expiry)           the owner's heartbeat
``leased`` ``leased`` (started)               the owner, as it begins on a URL it took over
``leased`` ``leased`` by another               a claim, once the lease has expired; attempts +1
                                               only if it was started (see :meth:`started`)
``leased`` ``done``                            the owner, in the transaction that writes what
                                               became of the URL (its children, its candidate,
                                               its ledger state)
=========  ==================================  ==============================================

Every row has an *order key* (its discoverer's key and its position there): the decider takes
candidates in that order, and only below the smallest key not ``done``, so its decisions do not
depend on which process fetched what first.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from boltwise.store.base import Store

SHARED_SCHEMA = """
CREATE TABLE IF NOT EXISTS crawl_runs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job TEXT NOT NULL,
    started_at DOUBLE PRECISION NOT NULL,
    finished_at DOUBLE PRECISION
);
CREATE UNIQUE INDEX IF NOT EXISTS crawl_runs_open ON crawl_runs (job) WHERE finished_at IS NULL;
CREATE TABLE IF NOT EXISTS frontier (
    run BIGINT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    order_key TEXT COLLATE "C" NOT NULL,
    state TEXT NOT NULL,
    owner TEXT,
    lease_until DOUBLE PRECISION,
    attempts INTEGER NOT NULL DEFAULT 0,
    args JSONB NOT NULL,
    started BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (run, url)
);
ALTER TABLE frontier ADD COLUMN IF NOT EXISTS started BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS frontier_open ON frontier (run, order_key) WHERE state <> 'done';
CREATE TABLE IF NOT EXISTS candidates (
    run BIGINT NOT NULL,
    url TEXT NOT NULL,
    item JSONB NOT NULL,
    PRIMARY KEY (run, url)
);
CREATE TABLE IF NOT EXISTS crawlers (
    run BIGINT NOT NULL,
    owner TEXT NOT NULL,
    seen_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run, owner)
)
"""

# the database's clock, not the machines': leases compare times written by different machines
_NOW = "EXTRACT(EPOCH FROM clock_timestamp())"
LEADER_LOCK = 0x6263_6964  # with the store's schema and the run's id: one decider per run
DECISIONS_LOCK = 0x6263_6965  # with the store's schema: one batch of decisions at a time


@dataclass(frozen=True)
class Claimed:
    url: str
    kind: str
    key: str
    attempts: int
    reclaimed: bool  # its lease had expired: the process that held it is gone
    args: dict[str, Any]


class SharedRows(Store):
    """The shared crawl's statements, on the store's connection and in its open transaction, so
    a row's ``done`` commits together with what its URL produced."""

    session: str  # this process's name among the crawl's processes (its database session's)
    connections: int  # sessions opened so far (a reconnection ends the session's locks)

    @abstractmethod
    def savepoint(self) -> AbstractAsyncContextManager:
        """A block of the open transaction that is rolled back alone when it fails."""

    async def join_run(self, job: str) -> tuple[int, bool]:
        """The open run of ``job``, started now if there is none: (id, whether it is new)."""
        row = await self._fetchone(
            f"INSERT INTO crawl_runs (job, started_at) VALUES (?, {_NOW})"
            " ON CONFLICT (job) WHERE finished_at IS NULL DO NOTHING RETURNING id",
            (job,),
        )
        if row is not None:
            self._wrote()
            return int(row[0]), True
        row = await self._fetchone("SELECT id FROM crawl_runs WHERE job = ? AND finished_at IS NULL", (job,))
        assert row is not None
        return int(row[0]), False

    async def finish_run(self, run: int) -> None:
        await self._execute(
            f"UPDATE crawl_runs SET finished_at = {_NOW} WHERE id = ? AND finished_at IS NULL", (run,)
        )
        self._wrote()

    async def offer(self, run: int, rows: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        """Add (url, kind, order key, args) rows as ``pending``; a URL the run has already keeps
        its row, with the smaller of the two order keys. Rows that stay as they are are not even
        locked (an upsert would lock each, and wait for, or deadlock with, the processes that
        hold them). A deadlock that remains (two processes' transactions each waiting for a row
        the other added) fails one group: it is rolled back, its leases go back to ``pending``
        (:meth:`give_back`) and are claimed again, their attempts counted."""
        rows = sorted(rows, key=lambda row: (row[0], row[2]))  # by URL: processes wait for each other in one order
        await self._executemany(
            "INSERT INTO frontier (run, url, kind, order_key, state, args) VALUES (?, ?, ?, ?, 'pending', ?)"
            " ON CONFLICT (run, url) DO NOTHING",
            ((run, url, kind, key, json.dumps(args)) for url, kind, key, args in rows),
        )
        await self._executemany(
            "UPDATE frontier SET order_key = ? WHERE run = ? AND url = ? AND order_key > ?",
            ((key, run, url, key) for url, _, key, _ in rows),
        )
        self._wrote()

    async def lease_batch(self, run: int, owner: str, limit: int, lease: float) -> list[Claimed]:
        """Lease up to ``limit`` rows, smallest order keys first: pending ones, and leased ones
        whose lease has expired or whose owner's database session is gone (a process that was
        killed: the server closes its session at once; a machine that was lost: at the lease's end)."""
        # the sessions alive now, not when this transaction first looked (PostgreSQL keeps
        # one snapshot of pg_stat_activity per transaction): a new process must not look dead
        await self._execute("SELECT pg_stat_clear_snapshot()")
        rows = await self._fetchall(
            "WITH picked AS (SELECT url, state FROM frontier WHERE run = ? AND (state = 'pending'"
            f" OR (state = 'leased' AND (lease_until < {_NOW} OR owner NOT IN (SELECT application_name"
            " FROM pg_stat_activity WHERE application_name IS NOT NULL))))"
            " ORDER BY order_key LIMIT ? FOR UPDATE SKIP LOCKED)"
            f" UPDATE frontier f SET state = 'leased', owner = ?, lease_until = {_NOW} + ?,"
            " attempts = f.attempts + CASE WHEN picked.state = 'pending' OR f.started THEN 1 ELSE 0 END,"
            " started = false FROM picked WHERE f.run = ? AND f.url = picked.url"
            " RETURNING f.url, f.kind, f.order_key, f.attempts, picked.state = 'leased', f.args",
            (run, limit, owner, lease, run),
        )
        self._wrote()
        return sorted(
            (
                Claimed(url, kind, key, attempts, reclaimed, args)
                for url, kind, key, attempts, reclaimed, args in rows
            ),
            key=lambda claimed: claimed.key,
        )

    async def started(self, run: int, url: str) -> None:
        """The owner of a row it took over begins on it: should it die now, the row counts an
        attempt when it is taken over again. A dead process's other rows (up to a scheduler's
        worth leased ahead, never begun) cost their URLs nothing: charged to all of them, four
        kills in a row could give up URLs no process had even asked for."""
        await self._execute(
            "UPDATE frontier SET started = true WHERE run = ? AND url = ? AND owner = ? AND state = 'leased'",
            (run, url, self.session),
        )
        self._wrote()

    async def renew(self, run: int, owner: str, lease: float) -> None:
        """The heartbeat: extend the owner's leases and say it is alive."""
        await self._execute(
            f"UPDATE frontier SET lease_until = {_NOW} + ? WHERE run = ? AND owner = ? AND state = 'leased'",
            (lease, run, owner),
        )
        await self._execute(
            f"INSERT INTO crawlers (run, owner, seen_at) VALUES (?, ?, {_NOW})"
            " ON CONFLICT (run, owner) DO UPDATE SET seen_at = excluded.seen_at",
            (run, owner),
        )
        self._wrote()

    async def give_back(self, run: int, owner: str, keep: list[str]) -> None:
        """Return the owner's leases other than ``keep`` to ``pending``: a failed commit took what
        this process did with them."""
        await self._execute(
            "UPDATE frontier SET state = 'pending', owner = NULL WHERE run = ? AND owner = ? AND state = 'leased'"
            " AND NOT (url = ANY(?))",
            (run, owner, keep),
        )
        self._wrote()

    async def crawlers(self, run: int, within: float) -> int:
        """How many processes of the run said they were alive in the last ``within`` seconds."""
        row = await self._fetchone(
            f"SELECT COUNT(*) FROM crawlers WHERE run = ? AND seen_at > {_NOW} - ?", (run, within)
        )
        return int(row[0]) if row else 0

    async def done(self, run: int, url: str, owner: str) -> bool:
        """End ``owner``'s lease of the row; False when it is not (or no longer) the owner's:
        its lease expired and the row went to another process, whose result counts."""
        row = await self._fetchone(
            "UPDATE frontier SET state = 'done', owner = NULL WHERE run = ? AND url = ? AND owner = ?"
            " AND state = 'leased' RETURNING 1",
            (run, url, owner),
        )
        self._wrote()
        return row is not None

    async def hand_over(self, run: int, url: str, owner: str, item: dict[str, Any]) -> bool:
        """An article for the decider, if the row is still ``owner``'s; its row is done in the same
        transaction."""
        if not await self.done(run, url, owner):
            return False
        await self._execute(
            "INSERT INTO candidates (run, url, item) VALUES (?, ?, ?) ON CONFLICT (run, url) DO NOTHING",
            (run, url, json.dumps(item, ensure_ascii=False)),
        )
        return True

    async def decidable(self, run: int, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """Candidates in order, up to the smallest order key of a row not done yet: everything
        that could still come before them has come."""
        rows = await self._fetchall(
            "SELECT c.url, c.item FROM candidates c JOIN frontier f ON f.run = c.run AND f.url = c.url"
            " WHERE c.run = ? AND NOT EXISTS (SELECT 1 FROM frontier o WHERE o.run = ? AND o.state <> 'done'"
            " AND o.order_key < f.order_key) ORDER BY f.order_key LIMIT ?",
            (run, run, limit),
        )
        return [(url, item) for url, item in rows]

    async def decided(self, run: int, url: str) -> None:
        await self._execute("DELETE FROM candidates WHERE run = ? AND url = ?", (run, url))
        self._wrote()

    async def open_work(self, run: int) -> tuple[int, int, int]:
        """(pending, leased, candidates) of the run, as this process sees them."""
        row = await self._fetchone(
            "SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'leased'),"
            " (SELECT COUNT(*) FROM candidates WHERE run = ?) FROM frontier WHERE run = ? AND state <> 'done'",
            (run, run),
        )
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    async def try_lead(self, run: int) -> bool:
        """Become the run's decider, if no live process is (a session lock: it goes with the
        connection of a process that dies)."""
        # advisory locks are database-wide: the schema's name tells runs of different stores apart
        row = await self._fetchone(
            "SELECT pg_try_advisory_lock(?, hashtext(current_schema() || ':' || ?))", (LEADER_LOCK, str(run))
        )
        return bool(row and row[0])

    async def lock_decisions(self) -> None:
        """Take the store's decisions lock until this transaction ends: the deciders of two runs
        on one store (two crawl jobs at once) decide one batch at a time, each seeing what the
        other committed, so a story both find is stored once."""
        await self._execute("SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))", (DECISIONS_LOCK,))

    async def run_status(self) -> list[tuple]:
        """Per open run: job, frontier rows per state, candidates, and leases per owner."""
        return await self._fetchall(
            "SELECT r.id, r.job, f.state, f.owner, COUNT(*) FROM crawl_runs r JOIN frontier f ON f.run = r.id"
            " WHERE r.finished_at IS NULL GROUP BY r.id, r.job, f.state, f.owner ORDER BY r.id, f.state, f.owner"
        )
