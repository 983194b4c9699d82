"""boltwise: a Scrapy plugin that turns news sites into clean, deduplicated article records."""

__version__ = "0.1.0"
