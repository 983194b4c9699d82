"""Replay and record: downloader middlewares between a crawl and saved pages. Replay answers
every request from saved pages (replay layout or WARC); recording saves what a live crawl
receives, in replay layout (:mod:`boltwise.snapshot`) or as WARC (:mod:`boltwise.warcrecord`)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.httpobj import urlparse_cached

from boltwise import __version__, config, snapshot
from boltwise.cputime import off_reactor
from boltwise.warcrecord import Exchange, WarcSeries

logger = logging.getLogger(__name__)


class ReplayMiddleware:
    """With ``BOLTWISE_REPLAY_DIR``, answer every request from saved pages, never the network.

    Sits next to the downloader so that redirects, retries, cookies and decompression act on
    replayed responses exactly as on live ones. A page that was not saved is a 404.
    """

    def __init__(self, crawler: Crawler, saved: snapshot.Snapshot) -> None:
        self.stats = crawler.stats
        self.saved = saved

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        directories = config.getlist(crawler.settings, "BOLTWISE_REPLAY_DIR")
        if not directories:
            raise NotConfigured("BOLTWISE_REPLAY_DIR is not set")
        saved = snapshot.Snapshot((Path(d) for d in directories), crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        logger.info("Replaying %d saved responses from %s", len(saved), ", ".join(directories))
        for problem in saved.problems:
            logger.warning("Saved response left out of the replay: %s", problem)
        crawler.stats.set_value("boltwise/replay/unindexed", len(saved.problems))
        for kind, count in sorted(saved.skipped.items()):
            crawler.stats.set_value(f"boltwise/replay/skipped/{kind}", count)
        return cls(crawler, saved)

    def process_request(self, request: Request) -> Response:
        try:
            saved = self.saved.get(request.url)
        except snapshot.Unservable as exc:
            self.stats.inc_value(f"boltwise/replay/unservable/{exc.reason}")
            logger.error("Saved response cannot be replayed: %s (%s)", request.url, exc)
            if exc.reason == "too_large":  # as a download over DOWNLOAD_MAXSIZE is cancelled
                raise DownloadCancelledError(str(exc)) from exc
            raise IgnoreRequest(f"saved response cannot be replayed: {exc}") from exc
        if saved is None:
            logger.warning("Replay miss (not in the saved pages), answered 404: %s", request.url)
            self.stats.inc_value("boltwise/replay/miss")
            return Response(request.url, status=404, request=request, flags=["replay-miss"])
        self.stats.inc_value("boltwise/replay/hit")
        headers = Headers()
        for name, value in saved.headers:
            headers.appendlist(name, value)
        respcls = responsetypes.from_args(headers=headers, url=request.url, body=saved.body)
        return respcls(
            url=request.url,
            status=saved.status,
            headers=headers,
            body=saved.body,
            request=request,
            flags=["replay"],
        )


class RecordMiddleware:
    """With ``BOLTWISE_RECORD_DIR``, save every response the crawl receives, in replay layout."""

    def __init__(self, crawler: Crawler, directory: Path) -> None:
        self.stats = crawler.stats
        self.directory = directory
        self.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordMiddleware:
        directory = config.get(crawler.settings, "BOLTWISE_RECORD_DIR")
        if not directory:
            raise NotConfigured("BOLTWISE_RECORD_DIR is not set")
        return cls(crawler, Path(directory))

    def process_response(self, request: Request, response: Response) -> Response:
        if "replay-miss" in response.flags or "shared" in response.flags:
            return response  # made up by replay, or recorded already (RobotsTxtOnce)
        saved = snapshot.SavedResponse(response.url, response.status, _pairs(response.headers), response.body)
        try:
            path = snapshot.save(self.directory, saved, self.max_bytes)
        except OSError as exc:  # a full disk, a read-only folder: the crawl goes on without the copy
            logger.error("Could not record %s (%s)", response.url, exc)
            self.stats.inc_value("boltwise/record/failed")
            return response
        logger.debug("Recorded %s as %s", response.url, path)
        self.stats.inc_value("boltwise/record/saved")
        return response


class WarcRecordMiddleware:
    """With ``BOLTWISE_RECORD_WARC``, write every response the crawl receives, with its request,
    as WARC/1.1 records (:mod:`boltwise.warcrecord`).

    Its place next to the downloader gives it responses as the server sent them, still
    content-encoded. A live crawl writes on a thread of its own, in arrival order, and holds each
    response until it is written: a slow disk slows the crawl instead of filling memory.
    """

    def __init__(self, crawler: Crawler, series: WarcSeries, writer: ThreadPoolExecutor | None) -> None:
        self.stats = crawler.stats
        self.series = series
        self.writer = writer
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecordMiddleware:
        path = config.get(crawler.settings, "BOLTWISE_RECORD_WARC")
        if not path:
            raise NotConfigured("BOLTWISE_RECORD_WARC is not set")
        software = f"boltwise/{__version__} (Scrapy {scrapy.__version__})"
        try:
            series = WarcSeries(
                Path(path), config.getint(crawler.settings, "BOLTWISE_RECORD_WARC_MAX_BYTES"), software
            )
        except ValueError as exc:  # a name that is no WARC file's: said at once, not after the crawl
            raise ValueError(f"BOLTWISE_RECORD_WARC={path}: {exc}") from exc
        # a replay writes right away, so the crawl's order stays the same run after run
        live = not config.getlist(crawler.settings, "BOLTWISE_REPLAY_DIR")
        return cls(crawler, series, ThreadPoolExecutor(1, thread_name_prefix="boltwise-warc") if live else None)

    async def process_response(self, request: Request, response: Response) -> Response:
        if "replay-miss" in response.flags or "shared" in response.flags:
            return response  # made up by replay, or recorded already (RobotsTxtOnce)
        try:
            path = await off_reactor(
                self.stats, "record", self.writer, self.series.write, _exchange(request, response)
            )
        except Exception as exc:  # a full disk, a header warcio cannot write: the crawl goes on without the copy
            logger.error("Could not record %s in %s (%s)", response.url, self.series.path, exc)
            self.stats.inc_value("boltwise/record_warc/failed")
            return response
        logger.debug("Recorded %s in %s", response.url, path)
        self.stats.inc_value("boltwise/record_warc/saved")
        return response

    def close(self) -> None:
        if self.writer is not None:
            self.writer.shutdown(wait=True)
        self.series.close()


def _exchange(request: Request, response: Response) -> Exchange:
    request_headers = _pairs(request.headers)
    if not any(name.lower() == "host" for name, _ in request_headers):  # Scrapy adds it when sending
        request_headers.insert(0, ("Host", urlparse_cached(request).netloc.rpartition("@")[2]))
    response_headers = _pairs(response.headers)
    if any(name.lower() == "transfer-encoding" for name, _ in response_headers):
        # the body came dechunked: as it is written, its length is what frames it
        response_headers = [
            (k, v) for k, v in response_headers if k.lower() not in ("transfer-encoding", "content-length")
        ]
        response_headers.append(("Content-Length", str(len(response.body))))
    return Exchange(
        url=response.url,
        method=request.method,
        request_headers=request_headers,
        request_body=request.body,
        status=response.status,
        response_headers=response_headers,
        body=response.body,
        protocol=response.protocol or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else None,
    )


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1")) for name, values in headers.items() for value in values
    ]
