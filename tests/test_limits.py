"""Limits: a publication date range (BOLTWISE_SINCE/UNTIL) and a cap of articles per site."""

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest

from boltwise.bench.sitegen import FIRST_DAY, article_url, generate_site, published_day
from boltwise.limits import DateRange, SiteQuota

from .conftest import FIXTURES, crawl, sitemap_replay

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_a_date_range_from_iso_dates_and_ages():
    dates = DateRange.parse("2025-01-01", "2025-01-31", NOW)
    assert dates.since == datetime(2025, 1, 1, tzinfo=UTC)
    assert dates.until == datetime(2025, 2, 1, tzinfo=UTC)  # a date until includes its day
    assert not dates.excludes("2025-01-31T23:59:00+00:00") and dates.excludes("2025-02-01")
    assert dates.excludes("2024-12-31T23:59:59Z") and not dates.excludes("2025-01-01T01:00:00+01:00")
    assert not dates.excludes(None) and not dates.excludes("gestern")  # unknown: kept
    week = DateRange.parse("7d", "", NOW)
    assert week.since == datetime(2026, 11, 25, 12, 0, tzinfo=UTC) and week.until is None
    assert DateRange.parse("12h", "", NOW).since == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert DateRange.parse("2w", "1d", NOW).until == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert DateRange.parse("", "", NOW) is None


@pytest.mark.parametrize(("since", "until"), [("letzte Woche", ""), ("", "7x"), ("2025-02-01", "2025-01-01")])
def test_a_date_range_that_makes_no_sense_is_refused(since, until):
    with pytest.raises(ValueError, match=r"BOLTWISE_(SINCE|UNTIL)"):
        DateRange.parse(since, until, NOW)


def test_a_listed_entry_is_out_of_range_by_its_publication_or_an_old_last_change():
    dates = DateRange.parse("2025-06-01", "2025-07-01", NOW)
    assert dates.excludes_listed("2025-05-01", None) and dates.excludes_listed("2025-07-02", "2025-06-15")
    assert dates.excludes_listed(None, "2025-05-31")  # not changed since before the range began
    # changed after the range ended: it may have been published within it
    assert not dates.excludes_listed(None, "2025-08-01") and not dates.excludes_listed(None, None)


def test_a_site_quota_is_exact_and_gives_a_dropped_articles_place_to_the_next():
    async def run() -> list:
        quota = SiteQuota(2)
        assert await quota.admit("a.example") and await quota.admit("a.example")
        third = asyncio.ensure_future(quota.admit("a.example"))  # both places under way: it waits
        await asyncio.sleep(0)
        assert not third.done()
        await quota.settle("a.example", kept=False)  # the first was a duplicate: its place is free
        assert await third
        await quota.settle("a.example", kept=True)
        await quota.settle("a.example", kept=True)
        return [quota.full("a.example"), await quota.admit("a.example"), quota.full("b.example")]

    assert asyncio.run(run()) == [True, False, False]


def test_since_requests_only_the_articles_in_range_of_a_year_long_archive(tmp_path):
    """1,000 articles published over a year, in 12 sitemaps: the crawl asks for the articles
    of the last two months, and for none of the sitemaps that hold only older ones."""
    site = tmp_path / "site"
    index = generate_site(site, 1000, sitemaps=12, days=365)
    since = "2027-09-01"
    wanted = {article_url(n) for n in range(1000) if published_day(n, 365) >= since}
    assert 100 < len(wanted) < 300 and FIRST_DAY.isoformat() < since
    parts = [range(part * 84, min(1000, (part + 1) * 84)) for part in range(12)]  # generate_site's split
    old = [part for part in parts if max(published_day(n, 365) for n in part) < since]
    result = crawl(
        tmp_path, *sitemap_replay(site, index, f"sqlite:///{tmp_path}/s.sqlite3"), "-s", f"BOLTWISE_SINCE={since}"
    )
    assert result.returncode == 0, result.log
    assert {item["url"] for item in result.items} == wanted
    # requests: robots.txt, the index, the sitemaps that hold newer articles, the articles in range
    assert len(old) >= 3
    assert result.stat("downloader/request_count") == 2 + (12 - len(old)) + len(wanted)
    assert result.stat("boltwise/discovery/article") == len(wanted)
    # counted: the old sitemaps, and the old articles the others list
    listed = sum(len(part) for part in parts if part not in old)
    assert result.stat("boltwise/discovery/out_of_range") == len(old) + listed - len(wanted)


def test_articles_published_out_of_range_are_dropped_when_their_listing_did_not_say(tmp_path):
    """The fixture's feed dates entries by pubDate; the home page lists articles without dates:
    those are requested, and dropped once their published date is known."""
    result = crawl(
        tmp_path, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={FIXTURES / 'site'}", "-s", "BOLTWISE_UNTIL=2025-10-20"
    )
    assert result.returncode == 0, result.log
    assert all(item["published"] < "2025-10-21" for item in result.items)
    everything = crawl(tmp_path, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={FIXTURES / 'site'}")
    later = [item for item in everything.items if item["published"] >= "2025-10-21"]
    assert later and len(result.items) == len(everything.items) - len(later)
    assert result.stat("boltwise/limits/out_of_range") >= 1


def test_max_articles_per_site_is_exact_and_stops_requesting(tmp_path):
    # enough pages that downloading them all takes far longer than the first seven take to get
    # through extraction (with 200, a slow start of the workers let every page be downloaded)
    pages = 1000
    site = tmp_path / "site"
    index = generate_site(site, pages, sitemaps=1)
    result = crawl(
        tmp_path, *sitemap_replay(site, index, f"sqlite:///{tmp_path}/s.sqlite3"),
        "-s", "BOLTWISE_MAX_ARTICLES_PER_SITE=7",
    )  # fmt: skip
    assert result.returncode == 0, result.log
    assert len(result.items) == 7
    fetched = result.stat("boltwise/discovery/article")
    # the pages downloaded while the first seven went through extraction end over the cap ...
    assert 7 < fetched < pages
    assert result.stat("boltwise/limits/over_site_cap") == fetched - 7
    assert result.stat("boltwise/limits/site_cap") == pages - fetched  # ... the rest are never downloaded
    # a drop over the cap says nothing of the page: the ledger keeps it for a later crawl, which
    # resumes it and every request the cap stopped
    with sqlite3.connect(tmp_path / "s.sqlite3") as db:
        states = dict(db.execute("SELECT state, COUNT(*) FROM ledger GROUP BY state").fetchall())
    # (requests the cap stopped in the scheduler stay discovered; links it kept from being
    # requested at all get no row)
    assert states.keys() == {"stored", "fetched", "discovered"} and states["stored"] == 7
    assert states["fetched"] == fetched - 7 and 0 < states["discovered"] <= pages - fetched
    again = crawl(
        tmp_path, *sitemap_replay(site, index, f"sqlite:///{tmp_path}/s.sqlite3"),
        "-s", "BOLTWISE_MAX_ARTICLES_PER_SITE=7",
    )  # fmt: skip
    assert again.returncode == 0, again.log
    assert again.stat("boltwise/ledger/resumed") == states["fetched"] + states["discovered"]
    assert len(again.items) == 7
    assert not {item["url"] for item in again.items} & {item["url"] for item in result.items}
