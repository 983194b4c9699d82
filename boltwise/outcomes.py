"""What a failed request means: its ledger state, a reason, and the stat that counts it.

``dropped`` is final: the URL is not requested again unless a feed or sitemap announces a newer
version (the egress policy, the offsite filter or robots.txt refused it, or the server answered a
client error such as 404). ``failed`` is worth another try: the next crawl that finds the URL
listed requests it again (DNS, connection, timeout, server errors, after Scrapy's own retries). A
URL that failed is never resumed at start-up, so a dead site does not cost every later crawl.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error

from boltwise.middlewares import EgressBlocked, RobotsTxtUnavailable

# statuses that say "try later", as Scrapy's RETRY_HTTP_CODES do
_TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})
_CONNECTION = (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    ResponseDataLossError,
    error.ConnectError,
    error.ConnectionLost,
    error.ConnectionDone,
)


@dataclass(frozen=True)
class Outcome:
    state: str  # "dropped" or "failed"
    kind: str  # stat suffix: boltwise/fetch/<state>/<kind>
    reason: str  # for the log and the ledger

    @property
    def stat(self) -> str:
        return f"boltwise/fetch/{self.state}/{self.kind}"


def outcome(exception: BaseException) -> Outcome:
    """The outcome of a request that ended in ``exception`` (the errback's ``failure.value``)."""
    reason = f"{type(exception).__name__}: {exception}"
    if isinstance(exception, EgressBlocked):
        return Outcome("dropped", "egress", str(exception))
    if isinstance(exception, HttpError):
        status = exception.response.status
        return Outcome(
            "failed" if status in _TRANSIENT_STATUSES else "dropped", f"http_{status}", f"HTTP {status}"
        )
    if isinstance(exception, RobotsTxtUnavailable) and exception.__cause__ is not None:
        return outcome(exception.__cause__)  # what kept robots.txt away
    if isinstance(exception, IgnoreRequest):
        # Scrapy raises a plain IgnoreRequest for these: its message is all that tells them apart
        # (the crawl tests pin robots.txt and a decompression bomb against Scrapy itself)
        message = str(exception)
        if message.startswith("Forbidden by robots.txt"):
            return Outcome("dropped", "robots", "forbidden by robots.txt")
        if message.startswith("Filtered offsite request"):
            return Outcome("dropped", "offsite", message)
        if "exceeded DOWNLOAD_MAXSIZE" in message:  # Scrapy's decompression of a bomb, stopped
            return Outcome("dropped", "too_large", message)
        return Outcome("dropped", "ignored", reason)
    if isinstance(exception, DownloadCancelledError):  # larger than DOWNLOAD_MAXSIZE
        return Outcome("dropped", "too_large", reason)
    if isinstance(exception, UnicodeError):  # Scrapy decoding a page by a charset no codec can use
        return Outcome("dropped", "undecodable", reason)
    # Scrapy's download handlers raise its own exception types; Twisted's where they do not wrap them
    if isinstance(exception, CannotResolveHostError | error.DNSLookupError):
        return Outcome("failed", "dns", reason)
    if isinstance(exception, DownloadTimeoutError | error.TimeoutError):
        return Outcome("failed", "timeout", reason)
    if isinstance(exception, _CONNECTION):
        return Outcome("failed", "connection", reason)
    return Outcome("failed", "error", reason)
