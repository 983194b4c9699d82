import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from boltwise.middlewares import RecordMiddleware, ReplayMiddleware
from boltwise.snapshot import Snapshot

from .conftest import FIXTURES


def test_off_without_settings():
    with pytest.raises(NotConfigured):
        ReplayMiddleware.from_crawler(get_crawler())
    with pytest.raises(NotConfigured):
        RecordMiddleware.from_crawler(get_crawler())


def test_replay_hit_and_miss():
    crawler = get_crawler(settings_dict={"BOLTWISE_REPLAY_DIR": str(FIXTURES / "site")})
    saved = Snapshot([FIXTURES / "site"])
    mw = ReplayMiddleware(crawler, saved)
    crawler.stats.open_spider()
    response = mw.process_request(Request("https://www.it-boltwise.de/feed/"))
    assert isinstance(response, TextResponse) and response.status == 200 and "replay" in response.flags
    assert response.headers["Date"] == b"Sat, 21 Nov 2026 06:00:00 GMT"
    page = mw.process_request(Request("https://www.it-boltwise.de/impressum/"))
    assert isinstance(page, HtmlResponse)
    miss = mw.process_request(Request("https://www.it-boltwise.de/nope"))
    assert miss.status == 404 and "replay-miss" in miss.flags
    assert crawler.stats.get_value("boltwise/replay/hit") == 2
    assert crawler.stats.get_value("boltwise/replay/miss") == 1
