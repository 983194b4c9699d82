"""Downloader middlewares that keep a crawl to what it may reach: each robots.txt fetched once,
the addresses the egress policy allows, and the sites that still have room for articles."""

from __future__ import annotations

import logging
from collections import OrderedDict
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from boltwise import config, resolver
from boltwise.egress import EgressPolicy
from boltwise.limits import SiteCapReached, SiteQuota, site_quota
from boltwise.urls import site_of

logger = logging.getLogger(__name__)


class RobotsTxtUnavailable(IgnoreRequest):
    """robots.txt could not be fetched (the cause is chained): Scrapy then obeys nothing for the site."""


class RobotsTxtOnce:
    """With ``ROBOTSTXT_OBEY``, each robots.txt is downloaded once: Scrapy's robots middleware
    fetches it to obey it, and a spider that reads it for sitemaps (``news -a site=``) gets the
    same answer instead of a second download.

    A spider's robots.txt request goes through the robots middleware first, which holds it until
    its own download of that robots.txt is parsed; by then this middleware, placed after it, has
    kept the answer. Only the last few answers are kept: a request that wants one comes right
    after it. A robots.txt that cannot be fetched is reported here in one line (Scrapy's robots
    middleware logs a traceback for it).
    """

    KEEP = 32  # answers, each at most MAX_BYTES: 16 MB at worst, whatever robots.txt sites serve
    MAX_BYTES = 512 * 1024  # what Google reads of a robots.txt; a bigger one is fetched again

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.answers: OrderedDict[str, Response | Exception] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsTxtOnce:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off: robots.txt is fetched only by who asks for it")
        return cls(crawler)

    def process_request(self, request: Request) -> Response | None:
        answer = self.answers.pop(request.url, None) if _robots_txt(request) else None
        if isinstance(answer, Response):
            self.stats.inc_value("boltwise/robots/shared")
            return answer.replace(request=request, flags=[*answer.flags, "shared"])
        if answer is not None:
            raise RobotsTxtUnavailable(f"robots.txt could not be fetched: {answer}") from answer
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if _robots_txt(request) and len(response.body) <= self.MAX_BYTES:
            self._keep(request.url, response)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not _robots_txt(request):
            return
        self._keep(request.url, exception)
        if request.meta.get("dont_obey_robotstxt") and not isinstance(exception, IgnoreRequest):
            logger.warning("robots.txt unavailable, nothing of it obeyed: %s (%s)", request.url, exception)
            self.stats.inc_value("boltwise/robots/unavailable")
            raise RobotsTxtUnavailable(str(exception)) from exception

    def _keep(self, url: str, answer: Response | Exception) -> None:
        self.answers[url] = answer
        while len(self.answers) > self.KEEP:
            self.answers.popitem(last=False)


def _robots_txt(request: Request) -> bool:
    return urlparse_cached(request).path == "/robots.txt"


class EgressBlocked(IgnoreRequest):
    """The egress policy forbids this request: ``reason`` is ``scheme``, ``port``, ``host`` or the
    kind of address (``loopback``, ``private``, ``link_local``, ...)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"egress blocked ({detail}); BOLTWISE_EGRESS_ALLOW / BOLTWISE_EGRESS_PORTS open it")
        self.reason = reason


class EgressMiddleware:
    """Refuses requests the egress policy (:mod:`boltwise.egress`) forbids: their URL here, the
    address their host resolves to as the connection is made (:mod:`boltwise.resolver`).

    Sits next to the downloader, after replay: replayed requests make no connection and are never
    refused, and the refusal of a resolved address reaches this middleware before the retry
    middleware would retry it as a DNS error.
    """

    def __init__(self, crawler: Crawler, policy: EgressPolicy) -> None:
        self.stats = crawler.stats
        self.policy = policy
        self.warned: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EgressMiddleware:
        settings = crawler.settings
        if not config.getbool(settings, "BOLTWISE_EGRESS_ENABLED"):
            raise NotConfigured("BOLTWISE_EGRESS_ENABLED is off")
        policy = EgressPolicy.build(
            allow=config.getlist(settings, "BOLTWISE_EGRESS_ALLOW"),
            ports=config.getlist(settings, "BOLTWISE_EGRESS_PORTS"),
            start_urls=getattr(crawler.spider, "start_urls", ()),
            schemes=config.getlist(settings, "BOLTWISE_EGRESS_SCHEMES"),
        )
        return cls(crawler, policy)

    def process_request(self, request: Request) -> None:
        reason = self.policy.url_reason(request.url)
        if reason is not None:
            raise self._blocked(request, reason, _what(reason, urlparse_cached(request).hostname))
        resolver.guard(self.policy)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, CannotResolveHostError | DNSLookupError):
            return
        guard = resolver.guard(self.policy)
        # the name resolved for the connection: the request's host, or its proxy's
        proxy = urlsplit(request.meta["proxy"]).hostname if request.meta.get("proxy") else None
        for host in filter(None, (urlparse_cached(request).hostname, proxy)):
            if (refusal := guard.refusal(host)) is not None:
                address, reason = refusal
                raise self._blocked(request, reason, _what(reason, f"{host} at {address}")) from exception

    def _blocked(self, request: Request, reason: str, detail: str) -> EgressBlocked:
        self.stats.inc_value(f"boltwise/egress/blocked/{reason}")
        host = urlparse_cached(request).hostname or ""
        level = logging.DEBUG if (host, reason) in self.warned else logging.WARNING
        self.warned.add((host, reason))
        logger.log(level, "Egress blocked (%s): %s", detail, request.url)
        return EgressBlocked(reason, detail)


def _what(reason: str, where: str | None) -> str:
    kind = {"scheme": "scheme not allowed", "port": "port not allowed", "host": "no host"}.get(reason)
    return f"{kind}: {where}" if kind else f"{reason.replace('_', '-')} address: {where}"


class SiteCapMiddleware:
    """With ``BOLTWISE_MAX_ARTICLES_PER_SITE``, no request goes out to a site that has its
    articles: those already in Scrapy's scheduler when it became full end with
    :class:`~boltwise.limits.SiteCapReached`, before any download."""

    def __init__(self, crawler: Crawler, quota: SiteQuota) -> None:
        self.stats = crawler.stats
        self.quota = quota

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteCapMiddleware:
        quota = site_quota(crawler)
        if quota is None:
            raise NotConfigured("BOLTWISE_MAX_ARTICLES_PER_SITE is not set")
        return cls(crawler, quota)

    def process_request(self, request: Request) -> None:
        site = site_of(request.url)
        if self.quota.full(site):
            self.stats.inc_value("boltwise/limits/site_cap")
            raise SiteCapReached(f"{site} has its BOLTWISE_MAX_ARTICLES_PER_SITE articles")
