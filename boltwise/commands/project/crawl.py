"""``scrapy crawl`` as Scrapy's, but exiting with status 1 when the crawl fetched nothing at all.

Scrapy exits 0 whenever the crawl started, even when every request failed (scrapy/scrapy#1231),
so a scheduled job that lost its network looks like one that found nothing new. The boltwise
crawl-summary extension marks such a crawl (``boltwise/crawl/nothing_fetched``).
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from boltwise.extensions import NOTHING_FETCHED


class Command(ScrapyCrawl):
    crawler: Crawler | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if self.crawler is None or self.crawler_process.bootstrap_failed:  # exit status 1 already
            return
        if self.crawler.stats.get_value(NOTHING_FETCHED):
            self.exitcode = 1
