import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from boltwise.middlewares import RobotsTxtOnce, RobotsTxtUnavailable
from boltwise.replay import RecordMiddleware, ReplayMiddleware
from boltwise.snapshot import SavedResponse, Snapshot, save

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


def test_recording_failure_loses_nothing_but_the_copy(tmp_path, caplog):
    not_a_folder = tmp_path / "recorded"
    not_a_folder.write_text("a file where the folder should be")  # fails for root too
    crawler = get_crawler(settings_dict={"BOLTWISE_RECORD_DIR": str(not_a_folder)})
    crawler.stats.open_spider()
    mw = RecordMiddleware.from_crawler(crawler)
    response = HtmlResponse("https://a.example/x", body=b"<p>x</p>", request=Request("https://a.example/x"))
    assert mw.process_response(response.request, response) is response
    assert crawler.stats.get_value("boltwise/record/failed") == 1
    assert "Could not record https://a.example/x" in caplog.text


def test_robots_txt_is_fetched_once_and_shared():
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    crawler.stats.open_spider()
    mw = RobotsTxtOnce.from_crawler(crawler)
    url = "https://a.example/robots.txt"
    # Scrapy's robots middleware fetches it first; the spider's own request arrives after
    theirs = Request(url, meta={"dont_obey_robotstxt": True})
    assert mw.process_request(theirs) is None  # nothing known yet: it is downloaded
    answer = TextResponse(url, body=b"Sitemap: https://a.example/s.xml", request=theirs)
    assert mw.process_response(theirs, answer) is answer
    ours = Request(url)
    shared = mw.process_request(ours)
    assert shared.body == answer.body and shared.request is ours and "shared" in shared.flags
    assert mw.process_request(Request(url)) is None  # shared once; a later request downloads again
    assert mw.process_request(Request("https://a.example/page")) is None
    assert crawler.stats.get_value("boltwise/robots/shared") == 1
    # a robots.txt larger than any a crawler reads is not kept: a site could pin memory with them
    huge = TextResponse(url, body=b"#" * (RobotsTxtOnce.MAX_BYTES + 1), request=theirs)
    mw.process_response(theirs, huge)
    assert mw.process_request(Request(url)) is None


def test_an_unreachable_robots_txt_is_one_warning_not_a_traceback(caplog):
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    crawler.stats.open_spider()
    mw = RobotsTxtOnce.from_crawler(crawler)
    url = "https://a.example/robots.txt"
    with pytest.raises(RobotsTxtUnavailable):  # an IgnoreRequest: Scrapy's robots middleware logs none
        mw.process_exception(Request(url, meta={"dont_obey_robotstxt": True}), CannotResolveHostError("gone"))
    with pytest.raises(RobotsTxtUnavailable) as shared:  # the spider's request: the same answer, no second try
        mw.process_request(Request(url))
    assert isinstance(shared.value.__cause__, CannotResolveHostError)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert crawler.stats.get_value("boltwise/robots/unavailable") == 1
    with pytest.raises(NotConfigured):
        RobotsTxtOnce.from_crawler(get_crawler(settings_dict={"ROBOTSTXT_OBEY": False}))


def test_replay_refuses_what_a_download_would_refuse(tmp_path):
    save(tmp_path, SavedResponse("https://a.example/big", 200, [("Content-Type", "text/html")], b"x" * 5000))
    (tmp_path / "a.example" / "gone.meta.json").write_text('{"url": "https://a.example/gone", "status": "x"}')
    crawler = get_crawler(settings_dict={"BOLTWISE_REPLAY_DIR": str(tmp_path), "DOWNLOAD_MAXSIZE": 1000})
    crawler.stats.open_spider()
    mw = ReplayMiddleware.from_crawler(crawler)
    with pytest.raises(DownloadCancelledError):  # as Scrapy cancels a download over DOWNLOAD_MAXSIZE
        mw.process_request(Request("https://a.example/big"))
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("https://a.example/gone"))
    assert crawler.stats.get_value("boltwise/replay/unservable/too_large") == 1
    assert crawler.stats.get_value("boltwise/replay/unservable/broken") == 1
