"""What both store commands share: the store of the project settings (or ``-s``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from boltwise import config
from boltwise.store import Store, open_store


class StoreCommand(ScrapyCommand):
    requires_project = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def with_store(self, work: Callable[[Store], Awaitable[Any]]) -> Any:
        assert self.settings is not None

        async def run() -> Any:
            store = await open_store(config.get(self.settings, "BOLTWISE_STORE_URI"))
            try:
                return await work(store)
            finally:
                await store.close()

        return asyncio.run(run())
