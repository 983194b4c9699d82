"""Downloader middlewares: replay saved pages instead of the network, record what a crawl gets."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from boltwise import config, snapshot

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
        saved = snapshot.Snapshot(Path(d) for d in directories)
        logger.info("Replaying %d saved responses from %s", len(saved), ", ".join(directories))
        return cls(crawler, saved)

    def process_request(self, request: Request) -> Response:
        saved = self.saved.get(request.url)
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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordMiddleware:
        directory = config.get(crawler.settings, "BOLTWISE_RECORD_DIR")
        if not directory:
            raise NotConfigured("BOLTWISE_RECORD_DIR is not set")
        return cls(crawler, Path(directory))

    def process_response(self, request: Request, response: Response) -> Response:
        if "replay-miss" in response.flags:
            return response  # made up by replay, not something a server said
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in response.headers.items()
            for value in values
        ]
        saved = snapshot.SavedResponse(response.url, response.status, headers, response.body)
        path = snapshot.save(self.directory, saved)
        logger.debug("Recorded %s as %s", response.url, path)
        self.stats.inc_value("boltwise/record/saved")
        return response
