"""The shared frontier's pure parts: order keys and the per-site budget its processes share."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.core.downloader import Slot
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from boltwise.spiders.frontier import child_key
from boltwise.spiders.sharedfrontier import SharedFrontier


def test_order_keys_sort_like_discovery_order():
    start, later_start = "00000000", "00000001"
    keys = [child_key(child_key(start, 1), 7), child_key(start, 0), later_start, child_key(start, 10), start]
    assert sorted(keys) == [
        start,
        child_key(start, 0),
        child_key(start, 1) + ".00000007",
        child_key(start, 10),
        later_start,
    ]


def _frontier(autothrottle: bool) -> tuple[SharedFrontier, SimpleNamespace]:
    settings = Settings(
        {"CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_DELAY": 0.5, "AUTOTHROTTLE_ENABLED": autothrottle}
    )
    downloader = SimpleNamespace(
        domain_concurrency=8, slots={"a.example": Slot(8, 0.5, 0), "b.example": Slot(8, 0.5, 0)}
    )
    crawler = SimpleNamespace(engine=SimpleNamespace(downloader=downloader), stats=None)
    frontier = SharedFrontier.__new__(SharedFrontier)  # only what _share_sites reads
    frontier.spider = SimpleNamespace(settings=settings, crawler=crawler)
    frontier.stats = MemoryStatsCollector(SimpleNamespace(settings=settings))
    return frontier, downloader


def test_processes_share_each_sites_concurrency_and_delay():
    frontier, downloader = _frontier(autothrottle=False)
    frontier._share_sites(3)
    assert downloader.domain_concurrency == 2  # 8 // 3, for slots still to come
    assert {(slot.concurrency, slot.delay) for slot in downloader.slots.values()} == {(2, 1.5)}
    frontier._share_sites(20)  # more processes than requests per site: one each
    assert {slot.concurrency for slot in downloader.slots.values()} == {1}
    frontier._share_sites(1)  # the others are gone: the whole budget again
    assert {(slot.concurrency, slot.delay) for slot in downloader.slots.values()} == {(8, 0.5)}
    assert frontier.stats.get_value("boltwise/frontier/crawlers") == 20


def test_autothrottle_keeps_setting_the_delays():
    frontier, downloader = _frontier(autothrottle=True)
    downloader.slots["a.example"].delay = 3.0  # AutoThrottle's, from the latencies it saw
    frontier._share_sites(2)
    assert downloader.slots["a.example"].concurrency == 4
    assert downloader.slots["a.example"].delay == 3.0
