"""What the store commands share: the existing store of the project settings (or ``-s``)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from boltwise import config
from boltwise.store import Store, open_store


class StoreCommand(ScrapyCommand):
    requires_project = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--spider",
            default="boltwise",
            help="whose store, where BOLTWISE_STORE_URI has %%(name)s (default: boltwise)",
        )

    def with_store(self, spider: str, work: Callable[[Store], Awaitable[Any]]) -> Any:
        """``work`` done on the spider's store, which must exist: a command never creates one
        (a misspelt ``--spider`` would otherwise report an empty new store)."""
        assert self.settings is not None
        uri = config.store_uri(self.settings, spider)

        async def run() -> Any:
            await _must_exist(uri, spider)
            store = await open_store(uri)
            try:
                return await work(store)
            finally:
                await store.close()

        return asyncio.run(run())


@contextmanager
def quiet_broken_pipe() -> Iterator[None]:
    """A reader that stops reading (``| head``) ends the command, without a traceback (as the
    Python documentation does it: stdout to devnull, so the exit's flush cannot fail again)."""
    try:
        yield
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


async def _must_exist(uri: str, spider: str) -> None:
    if uri.startswith("sqlite:///"):
        path = Path(uri.removeprefix("sqlite:///"))
        if path.is_file():
            return
        stores = sorted(p.name for p in path.parent.glob("*.sqlite3")) if path.parent.is_dir() else []
        found = f"stores in {path.parent}/: {', '.join(stores)}" if stores else f"no stores in {path.parent}/"
        raise UsageError(f"No store at {path} (--spider {spider}); {found}. Crawl first, or name another store.")
    if uri.startswith(("postgresql://", "postgres://")):
        import psycopg

        try:
            async with await psycopg.AsyncConnection.connect(uri) as connection:
                cursor = await connection.execute("SELECT to_regclass('boltwise_schema') IS NOT NULL")
                row = await cursor.fetchone()
        except psycopg.OperationalError as exc:
            raise UsageError(f"Cannot reach the PostgreSQL store of --spider {spider}: {exc}") from exc
        if not (row and row[0]):
            raise UsageError(f"No boltwise store in the PostgreSQL database of --spider {spider}: crawl first.")
