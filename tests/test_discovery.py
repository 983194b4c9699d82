import asyncio
import json

import pytest
from lxml import html
from scrapy.utils.test import get_crawler

from boltwise.discovery import MalformedDocument, parse_feed, parse_sitemap, robots_sitemaps
from boltwise.listings import UnparseablePage, listing_links, read_listing
from boltwise.spiders.news import NewsSpider
from boltwise.store import store_for
from boltwise.urls import is_section_url

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


BARE = FIXTURES / "site" / "meldungen.example"


def test_google_news_sitemap_entries_carry_title_date_keywords_and_language():
    news = parse_sitemap((BARE / "news-sitemap.xml").read_bytes(), "https://meldungen.example/")
    assert [e.hints for e in news.pages] == [
        {
            "title": "Hafen erweitert sein Containerterminal",
            "published": "2025-04-02T08:15:00+02:00",
            "tags": ["Hafen", "Logistik", "Wirtschaft"],
            "language": "de",
        },
        {
            "title": "Stadtbibliothek öffnet künftig auch sonntags",
            "published": "2025-04-03T11:30:00+02:00",
            "tags": ["Kultur", "Bibliothek"],
            "language": "de",
        },
    ]
    plain = parse_sitemap((SITE / "post-sitemap.xml").read_bytes(), HOME)
    assert all(e.hints is None for e in plain.pages)  # a plain urlset says nothing of its pages


def test_feed_entries_carry_title_publication_date_categories_and_language():
    rss = parse_feed((BARE / "feed" / "index.xml").read_bytes(), "https://meldungen.example/feed/")
    assert rss.pages[0].hints == {
        "title": "Ruderclub gewinnt die Frühjahrsregatta",
        "published": "2025-04-05T17:45:00+02:00",
        "tags": ["Sport", "Rudern"],
        "language": "de",  # the channel's de-DE
    }
    atom = parse_feed(
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de-AT"><entry><title> Wien  baut </title>'
        b'<link href="/a"/><published>2025-01-01T09:00:00Z</published><updated>2025-01-02T10:00:00Z</updated>'
        b'<category term="Stadt"/><category term="stadt"/><category term="Bau" label="Bauen"/></entry></feed>',
        "https://x.example/feed",
    )
    assert atom.pages[0].lastmod == "2025-01-02T10:00:00+00:00"  # a change is the lastmod ...
    assert atom.pages[0].hints == {  # ... the publication is the published date
        "title": "Wien baut",
        "published": "2025-01-01T09:00:00+00:00",
        "tags": ["Stadt", "Bau"],  # the same tag in other case counted once
        "language": "de",
    }
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "language": "de",
        "items": [
            {"url": "/b", "title": "Titel", "date_published": "2025-02-01T08:00:00+01:00", "tags": ["A", 3, "B"]},
            {"url": "/c", "language": "en-GB", "tags": "not a list"},
        ],
    }
    jf = parse_feed(json.dumps(feed).encode(), "https://x.example/feed.json")
    assert [e.hints for e in jf.pages] == [
        {"title": "Titel", "published": "2025-02-01T08:00:00+01:00", "tags": ["A", "B"], "language": "de"},
        {"language": "en"},
    ]


def test_listed_metadata_is_bounded():
    """What a hostile feed hands over per entry stays small: titles cut, tag lists capped, odd
    languages and unreadable dates left out."""
    items = "".join(
        f"<item><link>https://x.example/{i}</link><title>{'Wort ' * 400}</title>"
        + "".join(f"<category>t{j}</category>" for j in range(200))
        + f"<category>{'x' * 500}</category><pubDate>gestern</pubDate></item>"
        for i in range(2)
    )
    body = f'<rss version="2.0"><channel><language>Deutsch!</language>{items}</channel></rss>'.encode()
    hints = parse_feed(body, "https://x.example/feed").pages[0].hints
    assert len(hints["title"]) == 500 and len(hints["tags"]) == 30
    assert "published" not in hints and "language" not in hints


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


def test_text_sitemap_one_url_per_line():
    body = "\ufeffhttps://x.example/a.html\r\n\n  https://x.example/b.html  \nftp://x.example/c\nhttps://x.example/a.html\n"
    listing = parse_sitemap(body.encode(), "https://x.example/sitemap.txt")
    assert [e.url for e in listing.pages] == ["https://x.example/a.html", "https://x.example/b.html"]
    assert listing.skipped == 1 and not listing.follow and not listing.malformed


@pytest.mark.parametrize(
    "body",
    [
        b"Not Found",
        "Stra\u00dfe".encode("latin-1"),
        b"one two three\nfour",
        # XML after a PHP warning, and a JSON error: never read as lines of URLs
        b"Warning: x in y.php on line 3\n<?xml version='1.0'?>\n<urlset>\n<url>\n<loc>https://x.example/a</loc>",
        b'{"error": "https://x.example/help"}',
    ],
)
def test_text_that_lists_no_url_is_no_sitemap(body):
    with pytest.raises(MalformedDocument):
        parse_sitemap(body, "https://x.example/sitemap.txt")


def test_a_utf16_xml_sitemap_is_still_xml():
    body = '<?xml version="1.0" encoding="UTF-16"?><urlset><url><loc>https://x.example/a</loc></url></urlset>'
    assert [e.url for e in parse_sitemap(body.encode("utf-16"), "https://x.example/").pages] == [
        "https://x.example/a"
    ]


def test_json_feed():
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "X",
        "items": [
            {"id": "1", "url": "https://x.example/a", "date_published": "2025-01-01T10:00:00Z"},
            {
                "id": "2",
                "url": "/b",
                "date_published": "2025-01-01T10:00:00Z",
                "date_modified": "2025-01-02T08:00:00+01:00",
            },
            {"id": "3", "content_text": "no url"},
            "not an item",
            {"id": "4", "url": ["https://x.example/list"]},
            {"id": "5", "url": "https://x.example/c", "date_modified": 5, "date_published": "2025-01-03"},
        ],
    }
    listing = parse_feed(json.dumps(feed).encode(), "https://x.example/feed.json")
    assert [(e.url, e.lastmod) for e in listing.pages] == [
        ("https://x.example/a", "2025-01-01T10:00:00+00:00"),
        ("https://x.example/b", "2025-01-02T08:00:00+01:00"),
        ("https://x.example/c", "2025-01-03"),
    ]
    assert listing.skipped == 3


@pytest.mark.parametrize(
    "body",
    [b'{"items": []}', b'{"version": "https://jsonfeed.org/version/1.1"}', b"[1, 2]", b"[" * 100_000, b"{oops"],
)
def test_json_that_is_no_json_feed_raises(body):
    with pytest.raises(MalformedDocument):
        parse_feed(body, "https://x.example/feed.json")


def test_a_listing_page_announces_its_feeds():
    page = html.fromstring(
        b"""<html><head>
        <link rel="alternate" type="application/rss+xml" href="/feed/">
        <link rel="alternate" type="application/atom+xml; charset=utf-8" href="https://x.example/atom.xml">
        <link rel="Alternate" type="application/feed+json" href="/feed.json">
        <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/5">
        <link rel="alternate" type="application/rss+xml" href="/comments/feed/">
        <link rel="alternate" type="application/rss+xml" href="/?feed=comments-rss2">
        <link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
        <link rel="alternate" hreflang="en" href="/en/">
        <link rel="stylesheet" type="application/rss+xml" href="/not-a-feed">
        </head><body><a rel="alternate" type="application/rss+xml" href="/a-link">x</a></body></html>"""
    )
    listing = listing_links(page, "https://x.example/")
    assert [e.url for e in listing.feeds] == [
        "https://x.example/feed/",
        "https://x.example/atom.xml",
        "https://x.example/feed.json",
    ]
    assert not listing.pages and not listing.follow


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
        store = spider.frontier.store
        first = await spider.frontier.article(url, None, listed=True)  # from the feed
        await store.mark(url, "fetched")
        await store.mark(url, "stored")
        again = await spider.frontier.article(url, "2025-03-15T10:00:00+00:00", listed=True)  # sitemap
        ledger = await store.ledger(url)
        await store.close()
        return first, again, ledger

    first, again, ledger = asyncio.run(scenario())
    assert first is not None and first.url == url
    assert again is None
    assert ledger[:2] == ("stored", "2025-03-15T10:00:00+00:00")


def test_one_bad_entry_costs_only_itself():
    sitemap = (
        b"<urlset><url><loc>https://x.example/1</loc></url><url><loc>http://[oops</loc></url>"
        b"<url><loc>javascript:alert(1)</loc></url><url><loc>mailto:a@x.example</loc></url>"
        b"<url><loc></loc></url><url><loc>https://x.example/" + b"a" * 3000 + b"</loc></url>"
        b"<url><loc>/2#frag</loc></url><url><loc>https://x.example/1</loc></url></urlset>"
    )
    listing = parse_sitemap(sitemap, "https://x.example/sitemap.xml")
    assert [e.url for e in listing.pages] == ["https://x.example/1", "https://x.example/2"]
    assert listing.skipped == 5 and not listing.malformed
    feed = parse_feed(
        b"<rss><channel><item><link>http://[oops</link></item><item><link>/ok</link></item></channel></rss>",
        "https://x.example/feed",
    )
    assert [e.url for e in feed.pages] == ["https://x.example/ok"] and feed.skipped == 1
    robots = robots_sitemaps("Sitemap: http://[oops\nSitemap: /s.xml\n", "https://x.example/robots.txt")
    assert [e.url for e in robots.follow] == ["https://x.example/s.xml"] and robots.skipped == 1


def test_links_over_the_cap_are_counted_not_followed():
    body = "".join(f'<article><h2><a href="/a/{i}">{i}</a></h2></article>' for i in range(120))
    tree = html.fromstring(f'<html><body>{body}<a rel="next" href="/page/2/">weiter</a></body></html>')
    listing = listing_links(tree, "https://x.example/", max_links=100)
    assert len(listing.pages) == 100 and listing.cut == 20
    assert [e.url for e in listing.follow] == ["https://x.example/page/2/"]  # pages have their own cap


def test_listing_links_come_in_page_order_from_articles_and_headlines_only():
    tree = html.fromstring(
        "<html><head><link rel='next' href='/p/2'></head><body>"
        "<nav><a href='/nav'>Navigation</a><h2><a href='/outside'>not in an article</a></h2></nav>"
        "<article><p><a href='/inline'>a link in a teaser</a></p><a rel='Bookmark' href='/b'>b</a>"
        "<h3><span><a href='/c'>c</a></span></h3><!-- comment --><h2><a href='/b'>again</a></h2></article>"
        "<article><h2><a href='http://[oops'>bad</a><a href='/d#top'>d</a></h2></article></body></html>"
    )
    listing = listing_links(tree, "https://x.example/")
    assert [e.url for e in listing.pages] == ["https://x.example/b", "https://x.example/c", "https://x.example/d"]
    assert [e.url for e in listing.follow] == ["https://x.example/p/2"] and listing.skipped == 1


def test_read_listing_tells_articles_from_listings_and_refuses_non_html():
    article = '<html><head><meta property="og:type" content="article"></head><body><p>x</p></body></html>'
    assert read_listing(article, "https://x.example/a", listed=False) is None
    bare = "<html><body><article><h2><a href='/a'>a</a></h2></article></body></html>"
    assert read_listing(bare, "https://x.example/a", listed=True) is None  # listed by a feed: an article
    assert [e.url for e in read_listing(bare, "https://x.example/", listed=False).pages] == ["https://x.example/a"]
    # an XML declaration in decoded text: lxml refuses it in str input, not after re-encoding
    declared = '<?xml version="1.0" encoding="iso-8859-1"?>' + bare
    assert len(read_listing(declared, "https://x.example/", listed=False).pages) == 1
    with pytest.raises(UnparseablePage):
        read_listing("", "https://x.example/", listed=False)


def _page(head: str, links: int) -> str:
    teasers = "".join(f"<article><h2><a href='/artikel/{n}'>{n}</a></h2></article>" for n in range(links))
    return f"<html><head>{head}</head><body><p>Text</p>{teasers}</body></html>"


@pytest.mark.parametrize(
    ("head", "links", "url", "listed", "is_listing"),
    [
        # what a page says of itself decides first
        ('<meta property="og:type" content="Article">', 9, "https://x.example/", True, False),
        (
            '<script type="application/ld+json">{"@type": "CollectionPage"}</script>',
            0,
            "https://x.example/a",
            True,
            True,
        ),
        (
            '<script type="application/ld+json">{"@type": "WebPage"}</script>',
            0,
            "https://x.example/impressum",
            True,
            True,
        ),
        # then a section's URL, even for a page a sitemap lists (Yoast's category sitemaps)
        ("", 0, "https://x.example/kategorie/robotik/", True, True),
        ("", 0, "https://x.example/", True, True),
        # og:type website on an article (18 of 250 in de-news) and on a listing, told by its links
        ('<meta property="og:type" content="website">', 1, "https://x.example/2025/a.html", True, False),
        ('<meta property="og:type" content="website">', 2, "https://x.example/politik/", True, True),
        # a page that says nothing: articles link to other articles as well; how it was found decides
        ("", 14, "https://x.example/2025/a.html", True, False),
        ("", 0, "https://x.example/2025/a.html", False, True),
    ],
)
def test_the_article_or_listing_decision(head, links, url, listed, is_listing):
    assert (read_listing(_page(head, links), url, listed) is not None) is is_listing


@pytest.mark.parametrize(
    ("url", "section"),
    [
        ("https://x.example/", True),
        ("https://x.example/page/3/", True),
        ("https://x.example/category/ki-politik/", True),
        ("https://x.example/category/ki-politik/page/2/", True),
        ("https://x.example/Kategorie/Robotik", True),
        ("https://x.example/tag/nato/", True),
        ("https://x.example/themen/", True),
        ("https://x.example/ressort/politik/", True),
        ("https://x.example/autor/anna-muster/", True),
        ("https://x.example/?p=123", False),  # a WordPress article without pretty permalinks
        ("https://x.example/themen/nachrichten/detail/abzocke/", False),  # a de-news article
        ("https://x.example/2025/03/nato-rutte.html", False),
        ("https://x.example/politik/", False),  # a section, but nothing in its URL says so
        ("https://x.example/tagesschau-artikel/", False),
        ("not a url", False),
    ],
)
def test_section_urls(url, section):
    assert is_section_url(url) is section


def test_a_shared_store_resumes_only_this_crawls_sites(tmp_path):
    """Unfinished rows of another site's crawl in the same store are left to that crawl; a row no
    request can be made for (an older version let one in) is closed instead of failing start-up."""
    urls = ("https://news.example/a.html", "https://other.example/b.html", "https://news.example:99999/c")

    async def scenario():
        crawler = get_crawler(NewsSpider, {"BOLTWISE_STORE_URI": f"sqlite:///{tmp_path}/s.sqlite3"})
        crawler.spider = NewsSpider.from_crawler(crawler, site="https://other.example/")
        store = await store_for(crawler)
        for url in urls:
            await store.discover(url, None, None)
        crawler.spider = spider = NewsSpider.from_crawler(crawler, site="https://news.example/")
        requests = [request async for request in spider.start()]
        rows = [(await store.ledger(url))[0] for url in urls]
        await store.close()
        return requests, rows

    requests, rows = asyncio.run(scenario())
    assert "https://news.example/a.html" in [r.url for r in requests]
    assert not any("other.example" in r.url for r in requests)
    # requested again, this crawl's to finish; the other crawl's, left alone; one no request can ask for
    assert rows == ["discovered", "discovered", "dropped"]


def test_a_menu_link_to_an_article_or_to_a_page_of_the_listing_is_no_section():
    page = (
        "<html><body><nav><a href='/2025/a.html'>Top</a><a href='/ressort/sport/'>Sport</a>"
        "<a href='/kategorie/x/page/2/'>2</a><a href='/kategorie/x/'>1</a></nav>"
        "<article><h2><a href='/2025/a.html'>A</a></h2></article></body></html>"
    )
    listing = listing_links(html.fromstring(page), "https://x.example/kategorie/x/")
    assert [e.url for e in listing.pages] == ["https://x.example/2025/a.html"]
    assert [e.url for e in listing.sections] == ["https://x.example/ressort/sport/"]
    # WordPress's numbered pages, in a <nav> without rel=next: this listing's next pages
    assert [e.url for e in listing.follow] == ["https://x.example/kategorie/x/page/2/"]
