import asyncio

import pytest
from lxml import html
from scrapy.utils.test import get_crawler

from boltwise.discovery import (
    MalformedDocument,
    listing_links,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)
from boltwise.spiders.news import NewsSpider

from .conftest import FIXTURES

SITE = FIXTURES / "site" / "www.it-boltwise.de"
HOME = "https://www.it-boltwise.de/"


def test_robots_sitemaps():
    text = (SITE / "robots.txt").read_text()
    listing = robots_sitemaps(text, HOME + "robots.txt")
    assert [e.url for e in listing.follow] == [HOME + "sitemap_index.xml", HOME + "news-sitemap.xml"]
    assert robots_sitemaps("User-agent: *\nDisallow:\n", HOME).follow == []


def test_sitemap_index_and_urlset_with_lastmod():
    index = parse_sitemap((SITE / "sitemap_index.xml").read_bytes(), HOME)
    assert [e.url for e in index.follow][:1] == [HOME + "post-sitemap.xml"]
    assert index.pages == [] and not index.malformed
    posts = parse_sitemap((SITE / "post-sitemap.xml").read_bytes(), HOME)
    assert len(posts.pages) == 4
    assert all(e.lastmod and e.lastmod.startswith("2025-") for e in posts.pages)


def test_google_news_sitemap():
    news = parse_sitemap((SITE / "news-sitemap.xml").read_bytes(), HOME)
    assert len(news.pages) == 2
    assert news.pages[0].url.endswith("?amp=1")


def test_rss_and_atom_feeds():
    rss = parse_feed((SITE / "feed" / "index.xml").read_bytes(), HOME)
    assert len(rss.pages) == 4
    assert rss.pages[0].lastmod == "2025-10-21T09:12:00+02:00"
    atom = parse_feed(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="/a"/>'
        b"<updated>2025-01-01T10:00:00Z</updated></entry></feed>",
        "https://x.example/feed",
    )
    assert [(e.url, e.lastmod) for e in atom.pages] == [("https://x.example/a", "2025-01-01T10:00:00+00:00")]


def test_malformed_feed_is_salvaged_and_flagged():
    broken = b"<rss><channel><item><link>https://x.example/1</link></item><item><link>https://x.exa"
    listing = parse_feed(broken, "https://x.example/")
    assert listing.malformed
    # what parsed is kept (even the truncated tail); the crawl reports it as malformed
    assert listing.pages[0].url == "https://x.example/1"


@pytest.mark.parametrize("body", [b"", b"not xml at all", b"<html><body>hi</body></html>"])
def test_not_a_feed_raises(body):
    with pytest.raises(MalformedDocument):
        parse_feed(body, "https://x.example/")
    with pytest.raises(MalformedDocument):
        parse_sitemap(body, "https://x.example/")


def test_listing_links():
    tree = html.fromstring((SITE / "category" / "ki-politik" / "index.html").read_bytes())
    listing = listing_links(tree, HOME + "category/ki-politik/")
    assert [e.url for e in listing.follow] == [HOME + "category/ki-politik/page/2/"]
    assert len(listing.pages) == 2 and all(e.url.endswith(".html") for e in listing.pages)


def test_an_article_listed_again_after_it_was_stored_keeps_its_state(tmp_path):
    """The feed lists an article, it is fetched and stored, then a sitemap lists it with a lastmod:
    the ledger must keep "stored" (the request is not made twice), or the next crawl would fetch
    it again as unfinished. Which listing comes first depends on timing in a real crawl."""
    url = "https://news.example/2025/03/article.html"

    async def scenario():
        crawler = get_crawler(NewsSpider, {"BOLTWISE_STORE_URI": f"sqlite:///{tmp_path}/s.sqlite3"})
        crawler.spider = spider = NewsSpider.from_crawler(crawler, site="https://news.example/")
        _ = [request async for request in spider.start()]
        store = spider.store
        first = await spider._article_request(url, None, listed=True)  # from the feed
        await store.mark(url, "fetched")
        await store.mark(url, "stored")
        again = await spider._article_request(url, "2025-03-15T10:00:00+00:00", listed=True)  # sitemap
        ledger = await store.ledger(url)
        await store.close()
        return first, again, ledger

    first, again, ledger = asyncio.run(scenario())
    assert first is not None and first.url == url
    assert again is None
    assert ledger[:2] == ("stored", "2025-03-15T10:00:00+00:00")
