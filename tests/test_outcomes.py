"""What a failed request means for the crawl ledger."""

import pytest
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost, NoRouteError

from boltwise.middlewares import EgressBlocked, RobotsTxtUnavailable
from boltwise.outcomes import outcome


def http_error(status: int) -> HttpError:
    return HttpError(Response("https://x.example/", status=status, request=Request("https://x.example/")))


def robots_unavailable() -> RobotsTxtUnavailable:
    try:
        raise RobotsTxtUnavailable("robots.txt could not be fetched") from CannotResolveHostError("no such host")
    except RobotsTxtUnavailable as exc:
        return exc


@pytest.mark.parametrize(
    ("exception", "state", "kind"),
    [
        # final: not requested again until a feed or sitemap announces a newer version
        (EgressBlocked("loopback", "loopback address: 127.0.0.2"), "dropped", "egress"),
        (IgnoreRequest("Forbidden by robots.txt"), "dropped", "robots"),
        (IgnoreRequest("Filtered offsite request to 'evil.example'"), "dropped", "offsite"),
        (IgnoreRequest("something else"), "dropped", "ignored"),
        (http_error(404), "dropped", "http_404"),
        (http_error(410), "dropped", "http_410"),
        (DownloadCancelledError("larger than download max size"), "dropped", "too_large"),
        (
            IgnoreRequest("Ignored response <200 x> because its body exceeded DOWNLOAD_MAXSIZE (1 B)"),
            "dropped",
            "too_large",
        ),
        # worth another try the next time the URL is listed
        (http_error(503), "failed", "http_503"),
        (http_error(429), "failed", "http_429"),
        (CannotResolveHostError("no such host"), "failed", "dns"),
        (DownloadTimeoutError("took longer than 180 s"), "failed", "timeout"),
        (DownloadConnectionRefusedError("refused"), "failed", "connection"),
        (NoRouteError(), "failed", "connection"),
        (ConnectionLost(), "failed", "connection"),
        (robots_unavailable(), "failed", "dns"),  # what kept robots.txt away
        (UnicodeError("decoding with 'undefined' codec failed"), "dropped", "undecodable"),
        (ValueError("anything else"), "failed", "error"),
    ],
)
def test_outcome(exception, state, kind):
    result = outcome(exception)
    assert (result.state, result.kind) == (state, kind)
    assert result.stat == f"boltwise/fetch/{state}/{kind}"
    assert result.reason
