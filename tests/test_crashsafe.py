"""Kill -9 at random moments, restart, and every article ends up stored exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from boltwise.bench.sitegen import article_url, generate_site

from .conftest import REPO, crawl, exported_urls, sitemap_replay

ARTICLES = 1000


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> tuple[Path, str]:
    """A generated site of 1,000 article pages and two sitemaps, as a replay directory."""
    site = tmp_path_factory.mktemp("big-site")
    return site, generate_site(site, ARTICLES, sitemaps=2)


def test_killed_crawls_resume_and_store_every_article_exactly_once(big_site, store_uri, tmp_path):
    site, sitemap = big_site
    args = sitemap_replay(site, sitemap, store_uri)
    rng = random.Random(int(os.environ.get("BOLTWISE_KILL_SEED", "9")))
    stored_after_kill = []
    for _ in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", *args, "-s", "LOG_LEVEL=WARNING"],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        time.sleep(rng.uniform(1.0, 7.0))  # start-up, discovery, extraction, commits: anywhere
        os.killpg(proc.pid, signal.SIGKILL)  # the crawler and its extraction workers, no goodbye
        proc.wait()
        stored_after_kill.append(len(exported_urls(store_uri)))
    final = crawl(tmp_path, *args)
    assert final.returncode == 0, final.log
    urls = exported_urls(store_uri)
    expected = sorted(article_url(n) for n in range(ARTICLES))
    assert sorted(urls) == expected  # exactly one row per article, none missing
    assert stored_after_kill == sorted(stored_after_kill)  # nothing committed was ever lost
    print(
        f"\nstored after each kill: {stored_after_kill}; the final run stored {final.stat('boltwise/store/stored')}"
    )
    # the unchanged site again: robots.txt and sitemaps only, no article page
    again = crawl(tmp_path, *args)
    assert again.returncode == 0 and again.items == []
    assert again.stat("boltwise/discovery/article") is None
    assert again.stat("boltwise/recrawl/skipped_unchanged") == ARTICLES
    assert again.stat("downloader/request_count") == 4  # robots.txt, the sitemap index, two sitemaps
