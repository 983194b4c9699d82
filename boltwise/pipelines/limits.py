"""The limits stage: articles published outside ``BOLTWISE_SINCE``/``BOLTWISE_UNTIL``, and those
over ``BOLTWISE_MAX_ARTICLES_PER_SITE``, go no further (:mod:`boltwise.limits`)."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from boltwise.items import Article
from boltwise.limits import DateRange, SiteQuota, date_range, site_quota

logger = logging.getLogger(__name__)


class OutOfRange(DropItem):
    """The article's publication date is outside BOLTWISE_SINCE/BOLTWISE_UNTIL."""


class OverSiteCap(DropItem):
    """The article's site has BOLTWISE_MAX_ARTICLES_PER_SITE articles already."""


class DateRangePipeline:
    """Drops articles published outside the range, right after extraction: before they cost
    cleaning and deduplication or teach a site's boilerplate. An article without a publication
    date is kept (nothing says it is out of range)."""

    def __init__(self, crawler: Crawler, dates: DateRange) -> None:
        self.stats = crawler.stats
        self.dates = dates

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DateRangePipeline:
        dates = date_range(crawler)
        if dates is None:
            raise NotConfigured(
                "neither BOLTWISE_SINCE nor BOLTWISE_UNTIL is set (or BOLTWISE_LIMITS_ENABLED is off)"
            )
        return cls(crawler, dates)

    def process_item(self, item: Article) -> Article:
        adapter = ItemAdapter(item)
        if self.dates.excludes(adapter.get("published")):
            self.stats.inc_value("boltwise/limits/out_of_range")
            raise OutOfRange(f"published {adapter['published']} outside BOLTWISE_SINCE/UNTIL: {adapter['source']}")
        return item


class SiteCapPipeline:
    """Lets at most BOLTWISE_MAX_ARTICLES_PER_SITE articles of each site through to the store,
    exactly: before deduplication, so a copy costs no dedup work once its site is full, but
    counted only once an article has come through the last stage (a copy dropped, or kept
    marked in mark mode, does not count; see :class:`~boltwise.limits.SiteQuota`). The spider and
    :class:`boltwise.middlewares.SiteCapMiddleware` stop asking for a full site's pages."""

    def __init__(self, crawler: Crawler, quota: SiteQuota) -> None:
        self.stats = crawler.stats
        self.quota = quota
        self.admitted: dict[str, str | None] = {}  # source -> site, of articles under way
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteCapPipeline:
        quota = site_quota(crawler)
        if quota is None:
            raise NotConfigured("BOLTWISE_MAX_ARTICLES_PER_SITE is not set (or BOLTWISE_LIMITS_ENABLED is off)")
        return cls(crawler, quota)

    async def process_item(self, item: Article) -> Article:
        adapter = ItemAdapter(item)
        site = adapter.get("site")
        if not await self.quota.admit(site):
            self.stats.inc_value("boltwise/limits/over_site_cap")
            raise OverSiteCap(
                f"{site} has {self.quota.cap} articles (BOLTWISE_MAX_ARTICLES_PER_SITE): {adapter['source']}"
            )
        self.admitted[adapter["source"]] = site
        return item

    async def item_scraped(self, item: object, **_: object) -> None:
        adapter = ItemAdapter(item)
        await self._settle(adapter.get("source"), kept=not adapter.get("duplicate_of"))

    async def item_dropped(self, item: object, **_: object) -> None:
        await self._settle(ItemAdapter(item).get("source"), kept=False)

    async def _settle(self, source: str | None, kept: bool) -> None:
        if source not in self.admitted:
            return  # dropped before it got here, or over the cap
        site = self.admitted.pop(source)
        await self.quota.settle(site, kept)
        if kept and self.quota.full(site):
            logger.info(
                "%s has %d articles (BOLTWISE_MAX_ARTICLES_PER_SITE): no more of its pages are requested",
                site,
                self.quota.cap,
            )
