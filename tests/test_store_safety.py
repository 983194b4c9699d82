"""The store under failure and concurrency: a database error is never swallowed (an item whose
group commit failed is not acknowledged, its ledger row stays unfinished, the next crawl stores
it), and processes that open one store at the same moment all get it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import psycopg
import pytest

from boltwise.bench.sitegen import article_url, generate_site
from boltwise.store import Store, open_store
from boltwise.store.base import SCHEMA_VERSION, StoreError

from .conftest import POSTGRES, REPO, crawl, exported_urls, sitemap_replay

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


def counting_commits(store) -> list[float]:
    """When each commit of ``store`` (from now on) began."""
    commits: list[float] = []
    commit = store._commit

    async def counted() -> None:
        commits.append(asyncio.get_running_loop().time())
        await commit()

    store._commit = counted
    return commits


def test_a_group_gathers_while_items_keep_coming_and_commits_once_they_pause(tmp_path):
    async def scenario():
        store = await open_store(f"sqlite:///{tmp_path}/s.sqlite3", commit_interval=30, commit_quiet=0.3)
        commits = counting_commits(store)
        waiting = []
        for n in range(8):  # one item every 0.1 s: 0.7 s in all, yet each joins the open group
            waiting.append(asyncio.ensure_future(write(store, n)))
            await asyncio.sleep(0.1)
        last = asyncio.get_running_loop().time()
        await asyncio.gather(*waiting)
        acknowledged = len(commits)
        await store.close()
        return acknowledged, commits[0] - last

    acknowledged, waited = asyncio.run(scenario())
    assert acknowledged == 1  # one commit for the eight
    # and it came once nothing had joined the group for commit_quiet, not after commit_interval
    assert waited < 10


@pytest.mark.parametrize("ending", ["durable_now", "close"])
def test_a_gathering_group_ends_at_once_when_asked_to(tmp_path, ending):
    async def scenario():
        store = await open_store(f"sqlite:///{tmp_path}/s.sqlite3", commit_interval=30, commit_quiet=30)
        started = asyncio.get_running_loop().time()
        await store.put_article(item(1))
        if ending == "close":
            waiting = asyncio.ensure_future(store.durable())
            await asyncio.sleep(0.05)
            await store.close()
            await waiting
        else:
            await store.durable(now=True)
            await store.close()
        return asyncio.get_running_loop().time() - started

    assert asyncio.run(scenario()) < 10  # not the 30 s the group would otherwise gather for


@needs_postgres
def test_a_failed_statement_fails_its_whole_group_not_only_itself(schema):
    uri, _ = schema

    async def scenario():
        store = await open_store(uri, commit_every=100, commit_interval=0.2, commit_quiet=0.2)
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
        store = await open_store(uri, commit_every=100, commit_interval=0.5, commit_quiet=0.5)
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
@pytest.mark.parametrize("shared", [False, True], ids=["one-process", "shared"])
def test_a_crawl_whose_commit_fails_acknowledges_only_what_is_stored(tmp_path, schema, shared):
    """Locally, an item is acknowledged once its article row is committed; in a shared crawl, once
    its candidate row is, and the decider's failed commit leaves the article unfinished."""
    uri, name = schema
    site = tmp_path / "site"
    sitemap = generate_site(site, 60, sitemaps=1)
    args = [*sitemap_replay(site, sitemap, uri), "-s", f"BOLTWISE_SHARED_ENABLED={shared}"]

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
    if shared:  # handed over is decided: none is left waiting, the refused one unfinished
        assert "Gave up deciding " + article_url(30) in first.log
    else:
        assert {item["url"] for item in first.items} <= set(stored)  # nothing in the feed the store lacks
    # locally the group commit fails; the decider's batch is rolled back in its savepoint
    assert article_url(30) not in stored and ("Could not decide" if shared else "Could not commit") in first.log
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        claimed = {url for (url,) in conn.execute(f"SELECT url FROM {name}.ledger WHERE state = 'stored'")}
        assert claimed == set(stored)  # no row says stored that is not
        if shared:
            assert conn.execute(f"SELECT count(*) FROM {name}.candidates").fetchone() == (0,)
            state = conn.execute(f"SELECT state FROM {name}.ledger WHERE url = %s", (article_url(30),)).fetchone()
            assert state == ("fetched",)
        conn.execute(f"DELETE FROM {name}.armed")
    # the lost items are unfinished, or not even discovered: the next crawl stores all of them
    second = crawl(tmp_path, *args)
    assert second.returncode == 0, second.log
    assert sorted(exported_urls(uri)) == sorted(article_url(n) for n in range(60))
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        states = dict(conn.execute(f"SELECT state, count(*) FROM {name}.ledger GROUP BY state").fetchall())
    assert states == {"stored": 60}


@needs_postgres
def test_stores_opened_at_the_same_moment_on_a_fresh_database_all_open(schema):
    uri, _ = schema

    async def scenario():
        stores = await asyncio.gather(*(open_store(uri) for _ in range(4)))
        versions = [await store._schema_version() for store in stores]
        for store in stores:
            await store.close()
        return versions

    assert asyncio.run(scenario()) == [SCHEMA_VERSION] * 4  # no DDL deadlock, one schema


@needs_postgres
def test_processes_started_at_the_same_instant_both_start(schema):
    uri, _ = schema
    # what every crawl process does first on a fresh database: open the store, creating its schema
    # (the store commands no longer create one)
    opens = (
        "import asyncio\nfrom boltwise.store import open_store\n"
        f"async def main():\n    await (await open_store({uri!r})).close()\nasyncio.run(main())"
    )
    command = [sys.executable, "-c", opens]
    procs = [subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], [err.decode()[-500:] for _, err in results]


def test_a_store_that_has_its_schema_changes_nothing(tmp_path):
    uri = f"sqlite:///{tmp_path}/s.sqlite3"

    async def scenario():
        await (await open_store(uri)).close()
        store = await open_store(uri)  # current already: not even a write lock is taken
        in_transaction = store.db.in_transaction
        version = await store._schema_version()
        await store.close()
        return in_transaction, version

    assert asyncio.run(scenario()) == (False, SCHEMA_VERSION)


def test_a_second_crawl_on_one_sqlite_store_is_refused_with_the_way_out(tmp_path):
    site = tmp_path / "site"
    sitemap = generate_site(site, 30, sitemaps=1)
    uri = f"sqlite:///{tmp_path}/one.sqlite3"
    args = sitemap_replay(site, sitemap, uri)

    async def hold() -> Store:
        store = await open_store(uri)
        store.claim()  # as a crawl in another process does
        return store

    holder = asyncio.run(hold())
    refused = crawl(tmp_path, *args)
    asyncio.run(holder.close())
    assert refused.returncode == 1 and refused.items == []
    assert f"is in use by another crawl (pid {os.getpid()})" in refused.log and "PostgreSQL" in refused.log
    assert crawl(tmp_path, *args).returncode == 0  # the lock goes with the store that held it
