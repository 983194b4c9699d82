"""``scrapy boltwise-status``: what the store holds, per site and per crawl state."""

from __future__ import annotations

import argparse

from boltwise.commands._store import StoreCommand
from boltwise.store import Store


class Command(StoreCommand):
    def short_desc(self) -> str:
        return "Show stored articles per site and crawl-ledger URLs per state"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        async def status(store: Store) -> None:
            counts = await store.counts()
            print(f"store: {store}")
            print("site\tarticles\trevised")
            for site, articles, revised in counts["articles per site"]:
                print(f"{site}\t{articles}\t{revised or 0}")
            print("\nledger state\turls")
            for state, urls in counts["urls per ledger state"]:
                print(f"{state}\t{urls}")

        self.with_store(opts.spider, status)
