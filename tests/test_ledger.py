"""The crawl ledger's rows, on SQLite and PostgreSQL."""

import asyncio

import pytest

from boltwise.store import open_store

HINTS = {"title": "Hafen erweitert", "published": "2025-04-02", "tags": ["Hafen", "Logistik"], "language": "de"}


def test_a_resumed_url_keeps_what_its_listing_said_of_it(store_uri):
    """A crawl cut short leaves its discovered URLs unfinished; the next one asks for them again
    with the hints they were listed with, the sitemap need not be read first."""

    async def cut_short() -> None:
        store = await open_store(store_uri)
        await store.discover("https://x.example/a", "2025-04-02", None, HINTS)
        await store.discover("https://x.example/b", None, None)
        await store.discover("https://x.example/c", None, None, {"title": "C"})
        await store.mark("https://x.example/c", "stored")
        await store.close()

    async def resume() -> list:
        store = await open_store(store_uri)
        try:
            return await store.unfinished()
        finally:
            await store.close()

    asyncio.run(cut_short())
    assert sorted(asyncio.run(resume())) == [("https://x.example/a", HINTS), ("https://x.example/b", None)]


@pytest.mark.parametrize("store_uri", ["postgresql"], indirect=True)
def test_a_take_over_counts_an_attempt_only_where_the_dead_process_had_begun(store_uri):
    """Rows a killed process only held in its scheduler cost their URLs no attempt; the one it had
    begun on does (the page may be what killed it)."""

    async def run():
        store = await open_store(store_uri)
        try:
            run, _ = await store.join_run("job")
            await store.offer(run, [(f"https://a.example/{n}", "page", f"{n:08d}", {}) for n in range(3)])
            # a process that is gone (no session has its name) leased all three ...
            await store.lease_batch(run, "boltwise:gone:1:dead", 10, 60.0)
            reclaimed = await store.lease_batch(run, store.session, 10, 60.0)
            assert [(c.attempts, c.reclaimed) for c in reclaimed] == [(1, True)] * 3
            # ... this one began on the first URL only, then (as far as the rows say) died as well
            await store.started(run, "https://a.example/0")
            gone = "UPDATE frontier SET owner = 'boltwise:gone:2:dead' WHERE run = ?"
            await store._execute(gone, (run,))
            again = await store.lease_batch(run, store.session, 10, 60.0)
            assert [c.attempts for c in again] == [2, 1, 1]
            # a take-over resets the mark: the next death counts only if the next owner began too
            await store._execute(gone, (run,))
            assert [c.attempts for c in await store.lease_batch(run, store.session, 10, 60.0)] == [2, 1, 1]
            await store.durable()
        finally:
            await store.close()

    asyncio.run(run())
