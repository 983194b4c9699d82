"""A database error is never swallowed: an item whose group commit failed is not acknowledged,
its ledger row stays unfinished, and the next crawl stores it."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest

from boltwise.bench.sitegen import article_url, generate_site
from boltwise.store import open_store
from boltwise.store.base import StoreError

from .conftest import POSTGRES, crawl, exported_urls

needs_postgres = pytest.mark.skipif(
    not POSTGRES, reason="set BOLTWISE_TEST_POSTGRES_URI (.ci/run starts a server and sets it)"
)


@pytest.fixture
def schema():
    """A fresh PostgreSQL schema: (store URI, plain connection URI, schema name)."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    separator = "&" if "?" in POSTGRES else "?"
    yield f"{POSTGRES}{separator}options=-csearch_path%3D{name}", name
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {name} CASCADE")


def item(n: int) -> dict:
    return {"url": f"https://s.example/{n}", "source": f"https://s.example/{n}", "text": f"Text {n}"}


async def write(store, n: int) -> None:
    """One item as the pipelines write it: article row, ledger state, then wait for the commit."""
    await store.put_article(item(n))
    await store.mark(item(n)["url"], "stored")
    await store.durable()


@needs_postgres
def test_a_failed_statement_fails_its_whole_group_not_only_itself(schema):
    uri, _ = schema

    async def scenario():
        store = await open_store(uri, commit_every=100, commit_interval=0.2)
        await store.put_article(item(1))  # an item's writes, all fine
        await store.mark(item(1)["url"], "stored")
        first = asyncio.ensure_future(store.durable())
        with pytest.raises(psycopg.errors.DivisionByZero):
            await store._execute("SELECT 1 / 0")  # another item's statement fails in the same group
        with pytest.raises(StoreError, match="rolled back"):
            await first  # the first item's writes were in the failed transaction: not acknowledged
        await write(store, 2)  # the next group commits in a new transaction
        urls = [row["url"] async for row in store.articles()]
        await store.close()
        return urls

    assert asyncio.run(scenario()) == ["https://s.example/2"]


@needs_postgres
def test_a_killed_connection_fails_its_group_and_the_store_reconnects(schema):
    uri, _ = schema

    async def scenario():
        store = await open_store(uri, commit_every=100, commit_interval=0.5)
        first = asyncio.ensure_future(write(store, 1))
        await asyncio.sleep(0.1)
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (store.conn.info.backend_pid,))
        with pytest.raises(StoreError, match="connection"):
            await first
        await write(store, 2)
        urls = [row["url"] async for row in store.articles()]
        await store.close()
        return urls

    assert asyncio.run(scenario()) == ["https://s.example/2"]


@needs_postgres
def test_a_crawl_whose_commit_fails_acknowledges_only_what_is_stored(tmp_path, schema):
    uri, name = schema
    site = tmp_path / "site"
    sitemap = generate_site(site, 60, sitemaps=1)
    args = (
        "news",
        "-a",
        f"sitemap={sitemap}",
        "-s",
        f"BOLTWISE_REPLAY_DIR={site}",
        "-s",
        f"BOLTWISE_STORE_URI={uri}",
    )

    async def create_schema():
        await (await open_store(uri)).close()

    asyncio.run(create_schema())
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        # the database refuses one article row, once: the transaction holding it fails
        conn.execute(f"CREATE TABLE {name}.armed (url TEXT)")
        conn.execute(f"INSERT INTO {name}.armed VALUES (%s)", (article_url(30),))
        conn.execute(f"""CREATE FUNCTION {name}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM {name}.armed WHERE url = NEW.url) THEN
                    RAISE EXCEPTION 'refused by the test: %', NEW.url;
                END IF;
                RETURN NEW;
            END $$""")
        conn.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT ON {name}.articles FOR EACH ROW EXECUTE FUNCTION {name}.refuse()"
        )
    first = crawl(tmp_path, *args)
    assert first.returncode == 0, first.log
    stored = exported_urls(uri)
    assert {item["url"] for item in first.items} <= set(stored)  # nothing in the feed the store lacks
    assert article_url(30) not in stored and "Could not commit" in first.log
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        claimed = {url for (url,) in conn.execute(f"SELECT url FROM {name}.ledger WHERE state = 'stored'")}
        assert claimed == set(stored)  # no row says stored that is not
        conn.execute(f"DELETE FROM {name}.armed")
    # the lost items are unfinished, or not even discovered: the next crawl stores all of them
    second = crawl(tmp_path, *args)
    assert second.returncode == 0, second.log
    assert sorted(exported_urls(uri)) == sorted(article_url(n) for n in range(60))
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        states = dict(conn.execute(f"SELECT state, count(*) FROM {name}.ledger GROUP BY state").fetchall())
    assert states == {"stored": 60}
