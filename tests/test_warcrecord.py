import asyncio
import random
import subprocess
import sys

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from boltwise import warc
from boltwise.replay import WarcRecordMiddleware
from boltwise.warcrecord import Exchange, WarcSeries

from .conftest import REPO


def _exchange(n: int, size: int = 2000) -> Exchange:
    body = f"<p>page {n}</p>".encode() + random.Random(n).randbytes(size)  # gzip cannot shrink it
    return Exchange(
        url=f"https://a.example/{n}?x=1",
        method="GET",
        request_headers=[("Host", "a.example")],
        request_body=b"",
        status=200,
        response_headers=[("Content-Type", "text/html")],
        body=body,
    )


def _records(path):
    with path.open("rb") as stream:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(stream)]


def test_a_series_rotates_at_its_size_and_a_later_crawl_goes_on_after_the_full_files(tmp_path):
    series = WarcSeries(tmp_path / "crawl.warc.gz", 8000, "test")
    written = [series.write(_exchange(n)) for n in range(5)]
    series.close()
    first, second, third = (
        tmp_path / name for name in ("crawl.warc.gz", "crawl-00001.warc.gz", "crawl-00002.warc.gz")
    )
    # an exchange is 2.8 kB gzipped: a file is closed at the first one that takes it past 8,000 bytes
    assert written == [first, first, first, second, second]
    assert 8000 <= first.stat().st_size < 8000 + 2800 and not third.exists()
    assert _records(first) == [("warcinfo", None)] + [
        (kind, f"https://a.example/{n}?x=1") for n in range(3) for kind in ("response", "request")
    ]
    # the next crawl appends to the file that has room, after a warcinfo record of its own
    again = WarcSeries(tmp_path / "crawl.warc.gz", 8000, "test")
    assert again.write(_exchange(9)) == second
    again.close()
    assert [kind for kind, _ in _records(second)] == [
        "warcinfo",
        *["response", "request"] * 2,
        "warcinfo",
        "response",
        "request",
    ]
    # and our own reader, which replay and the files spider use, finds every response
    found = [
        r.uri for path in (first, second) for r in warc.iter_records(path) if isinstance(r, warc.WarcResponse)
    ]
    assert found == [f"https://a.example/{n}?x=1" for n in (0, 1, 2, 3, 4, 9)]


def test_an_uncompressed_series_and_names_that_are_no_warc_files(tmp_path):
    series = WarcSeries(tmp_path / "plain.warc", 0, "test")
    series.write(_exchange(1))
    series.close()
    assert (tmp_path / "plain.warc").read_bytes().startswith(b"WARC/1.1\r\n")
    with pytest.raises(ValueError, match=r"ends in \.warc\.gz or \.warc"):
        WarcSeries(tmp_path / "crawl.gz", 0, "test")


def _middleware(tmp_path, path):
    crawler = get_crawler(settings_dict={"BOLTWISE_RECORD_WARC": str(path), "BOLTWISE_REPLAY_DIR": str(tmp_path)})
    crawler.stats.open_spider()
    return crawler, WarcRecordMiddleware.from_crawler(crawler)


def test_the_middleware_writes_a_dechunked_body_framed_by_its_length(tmp_path):
    crawler, mw = _middleware(tmp_path, tmp_path / "out.warc.gz")
    request = Request("https://a.example/p", headers={"User-Agent": "ua"})
    response = HtmlResponse(
        request.url,
        body=b"<p>x</p>",
        headers={"Transfer-Encoding": "chunked", "Content-Type": "text/html"},
        request=request,
    )
    assert asyncio.run(mw.process_response(request, response)) is response
    miss = Response("https://a.example/q", status=404, flags=["replay-miss"])  # made up by replay
    assert asyncio.run(mw.process_response(Request(miss.url), miss)) is miss
    mw.close()
    with (tmp_path / "out.warc.gz").open("rb") as stream:
        records = {r.rec_type: (r.http_headers, r.content_stream().read()) for r in ArchiveIterator(stream)}
    headers, body = records["response"]
    assert body == b"<p>x</p>" and headers.get_header("Content-Length") == "8"
    assert headers.get_header("Transfer-Encoding") is None
    assert records["request"][0].get_header("Host") == "a.example"
    assert crawler.stats.get_value("boltwise/record_warc/saved") == 1


def test_a_failed_write_costs_the_copy_not_the_response(tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    crawler, mw = _middleware(tmp_path, blocked / "out.warc.gz")
    response = HtmlResponse("https://a.example/p", body=b"<p>x</p>", request=Request("https://a.example/p"))
    assert asyncio.run(mw.process_response(response.request, response)) is response
    assert crawler.stats.get_value("boltwise/record_warc/failed") == 1
    assert "Could not record https://a.example/p" in caplog.text


def test_off_without_the_setting_and_said_at_once_for_a_bad_name(tmp_path):
    with pytest.raises(NotConfigured):
        WarcRecordMiddleware.from_crawler(get_crawler())
    with pytest.raises(ValueError, match=r"BOLTWISE_RECORD_WARC=crawl\.zip: "):
        WarcRecordMiddleware.from_crawler(get_crawler(settings_dict={"BOLTWISE_RECORD_WARC": "crawl.zip"}))


_WRITER = """
import sys
from pathlib import Path
from tests.test_warcrecord import _exchange
from boltwise.warcrecord import WarcSeries

series = WarcSeries(Path(sys.argv[1]), 0, "test")
for n in range(int(sys.argv[2]), int(sys.argv[2]) + 40):
    series.write(_exchange(n, 20_000))
series.close()
"""


def test_processes_of_a_shared_crawl_append_to_one_file_without_breaking_a_record(tmp_path):
    path = tmp_path / "shared.warc.gz"
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(start)], cwd=REPO)
        for start in (0, 100, 200)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    found = [r for r in warc.iter_records(path) if not isinstance(r, warc.WarcSkip)]
    assert all(isinstance(r, warc.WarcResponse) for r in found)  # no problem: every record whole
    assert sorted(r.uri for r in found) == sorted(
        f"https://a.example/{n}?x=1" for s in (0, 100, 200) for n in range(s, s + 40)
    )
