"""The boltwise Scrapy add-on: ``ADDONS = {"boltwise.addon.Boltwise": 0}``.

Installs the pipelines and middlewares, the ``BOLTWISE_*`` defaults and safe crawling defaults.
Everything here is set at add-on priority or lower, so project settings and ``-s`` win.
"""

from __future__ import annotations

from scrapy.settings import Settings

from boltwise import __version__, config
from boltwise.exporters import FEED_EXPORTERS, require_pyarrow
from boltwise.workers import warm_up

PIPELINES = {
    "boltwise.pipelines.ExtractPipeline": 100,
    "boltwise.pipelines.DateRangePipeline": 150,
    "boltwise.pipelines.CleanPipeline": 200,
    "boltwise.pipelines.SiteCapPipeline": 250,
    "boltwise.pipelines.DedupPipeline": 300,
    "boltwise.pipelines.StorePipeline": 400,
}

DOWNLOADER_MIDDLEWARES = {
    # first: a request to a site that has its articles goes no further
    "boltwise.middlewares.SiteCapMiddleware": 50,
    # after Scrapy's robots middleware (100): sees the robots.txt it fetches and shares the answer
    "boltwise.middlewares.RobotsTxtOnce": 110,
    # next to the downloader, so redirect/retry/decompression see replayed responses as live ones
    "boltwise.replay.ReplayMiddleware": 950,
    # after replay (replayed requests connect nowhere), before retry sees a refused address
    "boltwise.middlewares.EgressMiddleware": 955,
    "boltwise.replay.RecordMiddleware": 960,
    "boltwise.replay.WarcRecordMiddleware": 965,
}

EXTENSIONS = {
    "boltwise.extensions.StatsFile": 0,
    "boltwise.extensions.QuickExit": 0,
    "boltwise.extensions.CrawlSummary": 0,
}

REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"

# these do nothing unless one of their settings is set, so they are installed only when it is:
# otherwise Scrapy would log a "Disabled …" warning for each on every ordinary crawl
NEEDS = {
    "boltwise.replay.ReplayMiddleware": ("BOLTWISE_REPLAY_DIR",),
    "boltwise.replay.RecordMiddleware": ("BOLTWISE_RECORD_DIR",),
    "boltwise.replay.WarcRecordMiddleware": ("BOLTWISE_RECORD_WARC",),
    "boltwise.middlewares.SiteCapMiddleware": ("BOLTWISE_MAX_ARTICLES_PER_SITE",),
    "boltwise.pipelines.DateRangePipeline": ("BOLTWISE_SINCE", "BOLTWISE_UNTIL"),
    "boltwise.pipelines.SiteCapPipeline": ("BOLTWISE_MAX_ARTICLES_PER_SITE",),
    "boltwise.extensions.StatsFile": ("BOLTWISE_STATS_FILE",),
}
# and these unless their switch is on
SWITCHED = {"boltwise.middlewares.RobotsTxtOnce": "ROBOTSTXT_OBEY"}

SAFE_DEFAULTS = {
    "USER_AGENT": f"boltwise/{__version__} (news-ingestion crawler; Scrapy)",
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "DOWNLOAD_MAXSIZE": 32 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 8 * 1024 * 1024,
    # only http(s) is crawled; the other handlers would just widen what a URL can reach
    "DOWNLOAD_HANDLERS": {"ftp": None, "s3": None, "data": None, "file": None},
    # Scrapy caps the responses waiting for their items by body bytes (5 MB); small pages then
    # pile up by the thousand, each far larger in memory than its body. Extraction takes a few
    # pages at a time anyway, so a smaller backlog costs no speed and keeps memory flat.
    "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 1_000_000,
    # Scrapy 2.19 starts CONCURRENT_ITEMS asyncio tasks for every response's output, whether it
    # yields one item or none (scrapy/scrapy#5182): the default 100 made task bookkeeping the
    # largest cost of a replay (1,000 pages: 7.3 s of CPU, 5.0 s with 8). Items go through our
    # pipelines one at a time and in order anyway.
    "CONCURRENT_ITEMS": 8,
    "REMOTE_CONTROL_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
}

# replay answers from disk: politeness delays would only slow it down
REPLAY_OVERRIDES = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


class Boltwise:
    def update_settings(self, settings: Settings) -> None:
        for name, value in config.DEFAULTS.items():
            settings.set(name, value, priority="default")
        for name, value in SAFE_DEFAULTS.items():
            settings.set(name, value, priority="addon")
        if config.getlist(settings, "BOLTWISE_REPLAY_DIR"):
            for name, value in REPLAY_OVERRIDES.items():
                settings.set(name, value, priority="addon")
        for name, components in (
            ("ITEM_PIPELINES", PIPELINES),
            ("DOWNLOADER_MIDDLEWARES", DOWNLOADER_MIDDLEWARES),
            ("EXTENSIONS", EXTENSIONS),
        ):
            for path, order in components.items():
                if path in NEEDS and not any(settings.get(name) for name in NEEDS[path]):
                    continue
                if path in SWITCHED and not settings.getbool(SWITCHED[path]):
                    continue
                settings[name][path] = order
        for name, path in FEED_EXPORTERS.items():  # FEEDS = {"x.parquet": {"format": "parquet"}}
            settings["FEED_EXPORTERS"].setdefault(name, path)
        if any(options.get("format") == "parquet" for options in settings.getdict("FEEDS").values()):
            require_pyarrow()  # now: Scrapy's feed export would fail only once the spider opens
        if not settings.getbool("REMOTE_CONTROL_ENABLED"):
            # Scrapy imports the module of every extension it lists (EXTENSIONS: None included)
            # before the extension can say it is off; this one's imports aiohttp, 0.1 s of every
            # crawl's start-up
            settings["EXTENSIONS_BASE"].pop(REMOTE_CONTROL, None)
        if config.getbool(settings, "BOLTWISE_EXTRACT_ENABLED"):
            warm_up()  # the extraction workers' fork server boots while Scrapy sets up the crawl
