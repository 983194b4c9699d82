"""What a crawl is limited to: a publication date range and a number of articles per site.

Plain classes over plain data; the spiders, a downloader middleware and two item pipelines apply
them (:mod:`boltwise.pipelines.limits`).
"""

from __future__ import annotations

import asyncio
import re
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest

from boltwise import config

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_RELATIVE = re.compile(r"(\d+)\s*([hdw])", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def moment(value: str) -> datetime:
    """An ISO 8601 date or date-time as an aware date-time: a date is its midnight, a time without
    offset is UTC. Raises ValueError for anything else."""
    value = value.strip()
    if len(value) <= 10:
        parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
    else:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class DateRange:
    """Publication dates from ``since`` (inclusive) to ``until`` (exclusive); None: open."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, since: str, until: str, now: datetime) -> DateRange | None:
        """``BOLTWISE_SINCE``/``BOLTWISE_UNTIL``: an ISO date or date-time, or an age such as
        ``7d``, ``12h``, ``2w`` before ``now``. A date ``until`` includes that day. None when
        neither is set."""
        if not since and not until:
            return None
        start = _bound(since, now, "BOLTWISE_SINCE", whole_day=False)
        end = _bound(until, now, "BOLTWISE_UNTIL", whole_day=True)
        if start and end and start >= end:
            raise ValueError(f"BOLTWISE_SINCE={since!r} is not before BOLTWISE_UNTIL={until!r}")
        return cls(start, end)

    def excludes(self, published: str | None) -> bool:
        """Whether a publication date is known to be out of range (an unknown or unreadable date
        is not: such an article is kept)."""
        when = _moment_or_none(published)
        return when is not None and not self._within(when)

    def includes(self, published: str | None) -> bool:
        """Whether a publication date is known and in range (an export's filter)."""
        when = _moment_or_none(published)
        return when is not None and self._within(when)

    def excludes_listed(self, published: str | None, lastmod: str | None) -> bool:
        """Whether a sitemap or feed entry is known to be out of range: by its publication date,
        or by a last modification before ``since`` (nothing in it is newer; a modification after
        ``until`` says nothing of when it was published)."""
        if self.excludes(published):
            return True
        changed = _moment_or_none(lastmod)
        return self.since is not None and changed is not None and changed < self.since

    def _within(self, when: datetime) -> bool:
        return (self.since is None or when >= self.since) and (self.until is None or when < self.until)


def _bound(value: str, now: datetime, name: str, whole_day: bool) -> datetime | None:
    if not value:
        return None
    if relative := _RELATIVE.fullmatch(value.strip()):
        return now - int(relative[1]) * _UNITS[relative[2].lower()]
    try:
        bound = moment(value)
    except ValueError as exc:
        raise ValueError(
            f"{name} is an ISO date or date-time or an age such as 7d, 12h, 2w; not {value!r}"
        ) from exc
    return bound + timedelta(days=1) if whole_day and len(value.strip()) <= 10 else bound


def _moment_or_none(value: str | None) -> datetime | None:
    try:
        return moment(value) if value else None
    except ValueError:
        return None


def date_range(crawler: Crawler) -> DateRange | None:
    """The crawl's date range (relative ages counted from now), None when it has none."""
    settings = crawler.settings
    if not config.getbool(settings, "BOLTWISE_LIMITS_ENABLED"):
        return None
    return DateRange.parse(
        str(config.get(settings, "BOLTWISE_SINCE") or ""),
        str(config.get(settings, "BOLTWISE_UNTIL") or ""),
        datetime.now(UTC),
    )


class SiteCapReached(IgnoreRequest):
    """A request to a site that has ``BOLTWISE_MAX_ARTICLES_PER_SITE`` articles already."""


class SiteQuota:
    """How many articles each site has passed on to the store (``taken``) and has under way in
    the stages that may still drop them (``pending``), up to ``cap`` per site.

    An article is admitted while its site's taken and pending ones are under the cap; when they
    are not, but some pending one may still be dropped (as a duplicate, say), it waits for that
    to settle: so the cap is exact, and no article is turned away for a copy that took its place.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.taken: dict[str, int] = {}
        self.pending: dict[str, int] = {}
        self._settled = asyncio.Condition()

    def full(self, site: str | None) -> bool:
        return self.taken.get(site or "", 0) >= self.cap

    async def admit(self, site: str | None) -> bool:
        """Reserve a place for an article of ``site``; False once the site is full."""
        key = site or ""
        async with self._settled:
            await self._settled.wait_for(
                lambda: self.taken.get(key, 0) + self.pending.get(key, 0) < self.cap or self.full(key)
            )
            if self.full(key):
                return False
            self.pending[key] = self.pending.get(key, 0) + 1
            return True

    async def settle(self, site: str | None, kept: bool) -> None:
        """An admitted article went through (``kept``: it counts) or was dropped (its place is free)."""
        key = site or ""
        async with self._settled:
            self.pending[key] -= 1
            if kept:
                self.taken[key] = self.taken.get(key, 0) + 1
            self._settled.notify_all()


_QUOTAS: weakref.WeakKeyDictionary[Crawler, SiteQuota | None] = weakref.WeakKeyDictionary()


def site_quota(crawler: Crawler) -> SiteQuota | None:
    """The crawl's one quota, shared by the pipeline that counts articles and the spider and
    middleware that stop requesting; None without ``BOLTWISE_MAX_ARTICLES_PER_SITE``."""
    if crawler not in _QUOTAS:
        on = config.getbool(crawler.settings, "BOLTWISE_LIMITS_ENABLED")
        cap = config.getint(crawler.settings, "BOLTWISE_MAX_ARTICLES_PER_SITE") if on else 0
        _QUOTAS[crawler] = SiteQuota(cap) if cap > 0 else None
    return _QUOTAS[crawler]
