"""Scrapy project settings for the boltwise crawls.

Everything boltwise needs (pipelines, middlewares, safe crawling defaults, ``BOLTWISE_*``
defaults) comes from the add-on, so another Scrapy project gets the same behaviour by adding
the one ``ADDONS`` line below to its own settings.
"""

import sys

from boltwise.workers import warm_up

BOT_NAME = "boltwise"
SPIDER_MODULES = ["boltwise.spiders"]
NEWSPIDER_MODULE = "boltwise.spiders"

ADDONS = {"boltwise.addon.Boltwise": 0}
# `scrapy crawl` exits 1 when a crawl fetched nothing at all (boltwise.commands.project.crawl)
COMMANDS_MODULE = "boltwise.commands.project"

FEED_EXPORT_ENCODING = "utf-8"
# `-O articles.parquet` (boltwise.exporters; pyarrow, the [parquet] extra): here, not only in the
# add-on, since `scrapy crawl` checks the format before the add-on is loaded
FEED_EXPORTERS = {"parquet": "boltwise.exporters.ParquetItemExporter"}
# Scrapy's DEBUG logs every request and every item in full; -s LOG_LEVEL=DEBUG shows them again,
# along with the lines cleaning removes
LOG_LEVEL = "INFO"

# `scrapy crawl` spends 0.65-0.8 s of CPU importing Scrapy and setting up the crawl before its
# first page is ready, and the extraction workers' fork server 0.5-0.6 s to boot (a fresh
# interpreter, trafilatura and the rest, jusText's stop words, the language model). Started as
# Scrapy reads these settings, it boots alongside Scrapy: ready at about the same moment under
# `python -m scrapy`, 0.3-0.4 s later under the `scrapy` console script, whose main script the
# fork server must import too (see boltwise.workers.preload).
# Other commands extract nothing.
if sys.argv[1:2] == ["crawl"]:
    warm_up()
