"""``scrapy boltwise-status``: what the store holds, per site and per crawl state."""

from __future__ import annotations

import argparse

from boltwise.commands._store import StoreCommand
from boltwise.store import Store
from boltwise.store.shared import SharedRows


class Command(StoreCommand):
    def short_desc(self) -> str:
        return "Show stored articles per site, crawl-ledger URLs per state and open shared runs with their leases"

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
            if isinstance(store, SharedRows):
                runs: dict[tuple[int, str], list[tuple]] = {}
                for run, job, state, owner, urls in await store.run_status():
                    runs.setdefault((run, job), []).append((state, owner, urls))
                for (run, job), rows in runs.items():
                    pending, leased, candidates = await store.open_work(run)
                    print(f"\nopen run {run}: {job}")
                    print(f"pending {pending}, leased {leased}, waiting for the decider {candidates}")
                    print("frontier state\tlease holder\turls")
                    for state, owner, urls in rows:
                        print(f"{state}\t{owner or '-'}\t{urls}")

        self.with_store(opts.spider, status)
