"""Scrapy extensions."""

from __future__ import annotations

import atexit
import gc
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from boltwise import config

logger = logging.getLogger(__name__)


class StatsFile:
    """With ``BOLTWISE_STATS_FILE``, write the crawl's final stats there as JSON (for CI and the
    benchmark), once the engine has stopped and every stat is final."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFile:
        path = config.get(crawler.settings, "BOLTWISE_STATS_FILE")
        if not path:
            raise NotConfigured("BOLTWISE_STATS_FILE is not set")
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.write, signal=signals.engine_stopped)
        return extension

    def write(self) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        self.path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), "utf-8")


class QuickExit:
    """Lets the crawl process exit without a last garbage collection of its whole heap.

    At exit the interpreter tears down every module and collects the cycles that leaves; with
    Scrapy, Twisted and trafilatura loaded that takes 0.2–0.3 s of CPU for nothing, the memory
    is returned to the system anyway. Freezing the heap at exit skips it. Objects that were
    explicitly closed are unaffected; Python never promised finalizers of objects alive at exit.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuickExit:
        if not config.getbool(crawler.settings, "BOLTWISE_QUICK_EXIT_ENABLED"):
            raise NotConfigured("BOLTWISE_QUICK_EXIT_ENABLED is off")
        extension = cls()
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        # registered last, so run first among the exit handlers; registering twice is harmless
        atexit.unregister(gc.freeze)
        atexit.register(gc.freeze)


NOTHING_FETCHED = "boltwise/crawl/nothing_fetched"


class CrawlSummary:
    """One INFO line at the end of every crawl: what was fetched and what became of it. When
    requests were made and none came back, an ERROR line says so instead, and the stat
    ``boltwise/crawl/nothing_fetched`` makes ``scrapy crawl`` exit with status 1
    (:mod:`boltwise.commands.project.crawl`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        requests = stats.get("downloader/request_count", 0)
        # a robots.txt answer shared with a second request (RobotsTxtOnce) was fetched once
        responses = stats.get("downloader/response_count", 0) - stats.get("boltwise/robots/shared", 0)
        items = stats.get("item_scraped_count", 0)
        not_fetched = _grouped(stats, "boltwise/fetch/")
        parts = [f"{responses} responses to {requests} requests"] if requests else []
        if files := stats.get("boltwise/files/read", 0):
            parts.append(f"{files} files read")
        parts.append(f"{items} items")
        for label, counts in (
            ("records not ingested", _grouped(stats, "boltwise/files/error/")),
            ("not fetched", not_fetched),
            ("items dropped", _grouped(stats, "item_dropped_reasons_count/")),
            ("egress blocked", _grouped(stats, "boltwise/egress/blocked/")),
        ):
            if counts:
                parts.append(f"{label}: " + ", ".join(f"{reason} {n}" for reason, n in counts.most_common()))
        if unchanged := stats.get("boltwise/recrawl/skipped_unchanged", 0):
            parts.append(f"skipped as unchanged since the last crawl: {unchanged}")
        logger.info("Crawl summary: %s", "; ".join(parts))
        if requests and not responses:
            self.crawler.stats.set_value(NOTHING_FETCHED, 1)
            reasons = ", ".join(f"{reason} {n}" for reason, n in not_fetched.most_common()) or "see above"
            logger.error(
                "Nothing was fetched: all %d requests failed (%s). Is the network reachable, and are"
                " the sites allowed (BOLTWISE_EGRESS_ALLOW, robots.txt)?",
                requests,
                reasons,
            )
        elif not items and unchanged:
            logger.info(
                "Nothing new: the %d entries feeds, sitemaps and listings gave are articles stored already,"
                " none announced as changed (another BOLTWISE_STORE_URI, or BOLTWISE_RECRAWL_ENABLED=False,"
                " crawls them again)",
                unchanged,
            )


def _grouped(stats: dict, prefix: str) -> Counter[str]:
    """Counters under ``prefix``, by the last part of their names."""
    return Counter(
        {name.rsplit("/", 1)[1]: value for name, value in stats.items() if name.startswith(prefix) and value}
    )


class FilesProgress:
    """The ``files`` spider's progress line, every ``LOGSTATS_INTERVAL`` seconds, in its place of
    Scrapy's LogStats, which counts downloads ("Crawled 0 pages") where this spider reads records:
    ``Read 12000 records (at 3400 records/min), scraped 2900 items (at 810 items/min)``."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.stats = crawler.stats
        self.interval = interval
        self.previous = (0, 0)
        self.task: Any = None
        crawler.signals.connect(self.start, signal=signals.spider_opened)
        crawler.signals.connect(self.stop, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FilesProgress:
        interval = crawler.settings.getfloat("LOGSTATS_INTERVAL")
        if not interval:
            raise NotConfigured("LOGSTATS_INTERVAL is 0")
        return cls(crawler, interval)

    def start(self) -> None:
        self.task = create_looping_call(self.log)  # once the reactor runs: asyncio's or Twisted's
        self.task.start(self.interval, now=False)

    def stop(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()

    def log(self) -> None:
        records = self.stats.get_value("boltwise/files/records", 0)
        items = self.stats.get_value("item_scraped_count", 0)
        per_minute = 60.0 / self.interval
        logger.info(
            "Read %d records (at %d records/min), scraped %d items (at %d items/min)",
            records,
            (records - self.previous[0]) * per_minute,
            items,
            (items - self.previous[1]) * per_minute,
        )
        self.previous = (records, items)
