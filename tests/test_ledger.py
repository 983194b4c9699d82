"""The crawl ledger's rows, on SQLite and PostgreSQL."""

import asyncio

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
