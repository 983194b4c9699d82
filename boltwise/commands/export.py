"""``scrapy boltwise-export -O articles.jsonl``: the stored articles as JSON Lines."""

from __future__ import annotations

import argparse
import json
import sys

from boltwise.commands._store import StoreCommand
from boltwise.store import Store


class Command(StoreCommand):
    def syntax(self) -> str:
        return "[-O FILE] [--site SITE] [--spider NAME]"

    def short_desc(self) -> str:
        return "Export the stored articles (latest revisions) as JSON Lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-O", "--output", default="-", help="file to write (overwritten); - for stdout")
        parser.add_argument("--site", help="only articles of this site (e.g. it-boltwise.de)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        async def export(store: Store) -> int:
            out = sys.stdout if opts.output == "-" else open(opts.output, "w", encoding="utf-8")  # noqa: SIM115
            count = 0
            try:
                async for item in store.articles(opts.site):
                    out.write(json.dumps(item, ensure_ascii=False) + "\n")
                    count += 1
            finally:
                if out is not sys.stdout:
                    out.close()
            return count

        count = self.with_store(opts.spider, export)
        if opts.output != "-":
            print(f"Exported {count} articles to {opts.output}", file=sys.stderr)
