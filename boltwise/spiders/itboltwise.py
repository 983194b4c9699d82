"""The ``boltwise`` spider: IT BOLTWISE (it-boltwise.de), through the generic news machinery."""

from __future__ import annotations

from typing import Any

from boltwise.spiders.news import NewsSpider

HOME = "https://www.it-boltwise.de/"


class BoltwiseSpider(NewsSpider):
    """IT BOLTWISE: robots.txt sitemaps, the RSS feed and the home page's pagination.

    Accepts the ``news`` spider's arguments to crawl other entry points of the same site.
    """

    name = "boltwise"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not any(kwargs.get(k) for k in ("site", "feed", "sitemap", "url")):
            kwargs.update(site=HOME, feed=HOME + "feed/")
        super().__init__(*args, **kwargs)
