"""Scrapy commands for the store: ``scrapy boltwise-export`` and ``scrapy boltwise-status``."""
