"""Scrapy project settings for the boltwise crawls.

Everything boltwise needs (pipelines, middlewares, safe crawling defaults, ``BOLTWISE_*``
defaults) comes from the add-on, so another Scrapy project gets the same behaviour by adding
the one ``ADDONS`` line below to its own settings.
"""

BOT_NAME = "boltwise"
SPIDER_MODULES = ["boltwise.spiders"]
NEWSPIDER_MODULE = "boltwise.spiders"

ADDONS = {"boltwise.addon.Boltwise": 0}

FEED_EXPORT_ENCODING = "utf-8"
