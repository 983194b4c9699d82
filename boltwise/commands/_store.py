"""What both store commands share: the store of the project settings (or ``-s``)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

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
        assert self.settings is not None

        async def run() -> Any:
            store = await open_store(config.store_uri(self.settings, spider))
            try:
                return await work(store)
            finally:
                await store.close()

        return asyncio.run(run())
