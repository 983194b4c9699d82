"""The ``BOLTWISE_*`` settings and their defaults, in one place.

The add-on installs these at Scrapy's ``default`` priority, so project settings, spider
``custom_settings`` and ``-s`` on the command line all override them. Components read them once,
in ``from_crawler``, through :func:`get` so they also work when built without the add-on.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

DEFAULTS: dict[str, Any] = {
    # replay / record
    "BOLTWISE_REPLAY_DIR": "",
    "BOLTWISE_RECORD_DIR": "",
    "BOLTWISE_RECORD_WARC": "",  # FILE.warc.gz (or .warc): every response, with its request
    "BOLTWISE_RECORD_WARC_MAX_BYTES": 1_000_000_000,  # a file is closed once it is this large (0: never)
    # what the crawler may connect to (boltwise.egress)
    "BOLTWISE_EGRESS_ENABLED": True,
    "BOLTWISE_EGRESS_ALLOW": "",  # CIDRs, addresses, host names
    "BOLTWISE_EGRESS_PORTS": "",  # beyond 80, 443 and the ports start URLs name
    "BOLTWISE_EGRESS_SCHEMES": "http,https",
    # discovery
    "BOLTWISE_DISCOVERY_MAX_LINKS": 50_000,  # per sitemap, feed or listing page: the sitemap protocol's limit
    "BOLTWISE_LISTING_DEPTH": 1,  # section hops from a site= home page: 1, the sections its navigation names
    # limits (boltwise.limits): what a crawl keeps and asks for
    "BOLTWISE_LIMITS_ENABLED": True,
    "BOLTWISE_SINCE": "",  # publication dates from: ISO date or date-time, or an age (7d, 12h, 2w)
    "BOLTWISE_UNTIL": "",  # ... to (a date includes its day)
    "BOLTWISE_MAX_ARTICLES_PER_SITE": 0,  # 0: no cap
    # extraction
    "BOLTWISE_EXTRACT_ENABLED": True,
    "BOLTWISE_WORKERS": 0,  # 0: one worker per CPU
    "BOLTWISE_EXTRACT_TIMEOUT": 30.0,
    # MB per worker above what it holds at start (about 320 MB); a news page needs under 20, a
    # 20 MB page 750, a page of a million elements 1,700 (0: no ceiling)
    "BOLTWISE_WORKER_MAX_MEMORY": 1024,
    "BOLTWISE_EXTRACT_FAVOR": "balanced",  # trafilatura: balanced | precision | recall
    "BOLTWISE_EXTRACT_TABLES": True,
    "BOLTWISE_EXTRACT_DEDUPLICATE": False,
    "BOLTWISE_EXTRACT_COMMENTS": False,
    "BOLTWISE_EXTRACT_FAST": True,  # trafilatura without its fallback extractors ...
    "BOLTWISE_EXTRACT_FALLBACK_SHARE": 0.04,  # ... but with them where fast found less of the body
    # FETCHED=CANONICAL registered domains ("*" for any) whose cross-site rel=canonical is trusted
    "BOLTWISE_CANONICAL_PARTNERS": "",
    # files spider
    "BOLTWISE_FILES_MAX_BYTES": 64 * 1024 * 1024,
    "BOLTWISE_FILES_MAX_PENDING": 64,
    # reporting
    "BOLTWISE_STATS_FILE": "",
    # process
    "BOLTWISE_QUICK_EXIT_ENABLED": True,
    # cleaning
    "BOLTWISE_CLEAN_ENABLED": True,
    # the generic rules (boltwise.clean.generic) and lede recovery; remove a name to switch it off
    "BOLTWISE_CLEAN_RULES": "lede,title_line,prompt,caption,date_line,link_line,link_list",
    "BOLTWISE_CLEAN_LEARN_ENABLED": True,
    "BOLTWISE_CLEAN_LEARN_MIN_ARTICLES": 20,
    "BOLTWISE_CLEAN_LEARN_MIN_SUPPORT": 10,
    "BOLTWISE_CLEAN_LEARN_MAX_SHARE": 0.5,
    # learned field values (boltwise.clean.sitefields): tags, descriptions, title ends a site
    # gives nearly every page
    "BOLTWISE_CLEAN_FIELDS_ENABLED": True,
    "BOLTWISE_CLEAN_FIELDS_MIN_PAGES": 10,
    "BOLTWISE_CLEAN_FIELDS_MIN_SHARE": 0.8,
    # learned templates (boltwise.clean.templates): linked slots on most of a site's pages
    "BOLTWISE_CLEAN_TEMPLATES_ENABLED": True,
    "BOLTWISE_CLEAN_TEMPLATES_MIN_PAGES": 5,
    "BOLTWISE_CLEAN_TEMPLATES_MIN_SHARE": 0.5,
    # low on purpose: news briefs and short posts are real articles; navigation stubs are not
    "BOLTWISE_MIN_WORDS": 10,
    "BOLTWISE_LANGUAGES": "",  # e.g. "de,en"; empty keeps every language
    # deduplication
    "BOLTWISE_DEDUP_ENABLED": True,
    "BOLTWISE_DEDUP_MODE": "drop",  # drop | mark
    "BOLTWISE_DEDUP_THRESHOLD": 0.8,
    "BOLTWISE_DEDUP_CONTAINMENT": 0.9,
    "BOLTWISE_DEDUP_MIN_WORDS": 50,
    # crawl state
    "BOLTWISE_STORE_ENABLED": True,
    # one store per spider by default, like a JOBDIR per job; %(name)s is the spider's name
    "BOLTWISE_STORE_URI": "sqlite:///.boltwise/%(name)s.sqlite3",
    "BOLTWISE_RECRAWL_ENABLED": True,
    # shared crawls (PostgreSQL store): many processes, one frontier (boltwise.spiders.sharedfrontier)
    "BOLTWISE_SHARED_ENABLED": True,
    "BOLTWISE_LEASE_SECONDS": 60.0,  # a dead process's URLs go to others this long after its last heartbeat
    "BOLTWISE_CLAIM_BATCH": 8,  # rows leased at a time
    "BOLTWISE_MAX_ATTEMPTS": 3,  # leases of one URL before it ends dropped (it keeps killing its process)
    "BOLTWISE_POLL_SECONDS": 0.5,  # how often a process with nothing to do looks for work again
    "BOLTWISE_DECIDE_BATCH": 50,  # candidates decided per commit
}


def get(settings: BaseSettings, name: str) -> Any:
    """Return a ``BOLTWISE_*`` setting, falling back to its documented default."""
    return settings.get(name, DEFAULTS[name])


def getbool(settings: BaseSettings, name: str) -> bool:
    return settings.getbool(name, DEFAULTS[name])


def getint(settings: BaseSettings, name: str) -> int:
    return settings.getint(name, DEFAULTS[name])


def getfloat(settings: BaseSettings, name: str) -> float:
    return settings.getfloat(name, DEFAULTS[name])


def getlist(settings: BaseSettings, name: str) -> list[str]:
    return [part.strip() for part in settings.getlist(name, DEFAULTS[name]) if part.strip()]


def store_uri(settings: BaseSettings, spider_name: str) -> str:
    """``BOLTWISE_STORE_URI`` with ``%(name)s`` replaced by the spider's name."""
    # replace, not %-formatting: URIs carry their own percent-escapes (e.g. %3D in options)
    return str(get(settings, "BOLTWISE_STORE_URI")).replace("%(name)s", spider_name)
