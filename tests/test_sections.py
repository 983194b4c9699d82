"""Section discovery for ``site=``: listings linked from the home page's navigation, bounded by
BOLTWISE_LISTING_DEPTH, on a local test site."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from boltwise.bench.sitegen import paragraphs

from .conftest import crawl, respond

NAV = (
    '<nav><a href="/">Start</a><a href="/kategorie/robotik/">Robotik</a><a href="/politik/">Politik</a>'
    '<a href="/impressum/">Impressum</a><a href="https://anderswo.example/">Partner</a></nav>'
)
FOOTER = '<footer><nav><a href="/kontakt/">Kontakt</a><a href="/tag/alles/">Alles</a></nav></footer>'
COLLECTION = '<script type="application/ld+json">{"@type": "CollectionPage"}</script>'


def _listing(head: str, articles: list[str], extra: str = "") -> str:
    teasers = "".join(f'<article><h2><a href="/{a}.html">{a}</a></h2></article>' for a in articles)
    return f"<html><head>{head}</head><body><header>{NAV}</header>{extra}{teasers}{FOOTER}</body></html>"


def _article(n: int) -> str:
    text = "".join(f"<p>{p}</p>" for p in paragraphs(100 + n))
    ld = f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Artikel {n}"}}</script>'
    return f'<html lang="de"><head>{ld}</head><body><header>{NAV}</header><article>{text}</article></body></html>'


class _Site(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, str]] = {
        # the home page lists two articles; the others are only in its sections (no sitemap, no feed)
        "/": _listing('<meta property="og:type" content="website">', ["a1", "a2"]),
        # a section known by its URL, with a next page and a subsection only it links to
        "/kategorie/robotik/": _listing(
            "", ["a3"], '<nav><a href="/kategorie/robotik/ki/">KI</a></nav><a rel="next" href="page/2/">2</a>'
        ),
        "/kategorie/robotik/page/2/": _listing("", ["a4"]),
        "/kategorie/robotik/ki/": _listing("", ["a6"]),
        # a section that says it is one
        "/politik/": _listing(COLLECTION, ["a5"]),
        "/impressum/": '<html><head><script type="application/ld+json">{"@type": "WebPage"}</script></head>'
        "<body><p>Angaben gemäß § 5 DDG.</p></body></html>",
        **{f"/a{n}.html": _article(n) for n in range(1, 7)},
    }
    requested: ClassVar[list[str]] = []

    def do_GET(self):
        self.requested.append(self.path)
        if self.path in self.pages:
            respond(self, 200, self.pages[self.path].encode(), [("Content-Type", "text/html; charset=utf-8")])
        else:
            respond(self, 404, b"not found", [("Content-Type", "text/plain")])

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Site.requested.clear()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def _crawl(tmp_path, site, *settings):
    args = [
        "news",
        "-a",
        f"site={site}",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "BOLTWISE_EGRESS_ALLOW=127.0.0.1",
    ]
    for setting in settings:
        args += ["-s", setting]
    result = crawl(tmp_path, *args)
    assert result.returncode == 0, result.log
    return result, sorted(item["url"].rsplit("/", 1)[1] for item in result.items)


def test_site_finds_the_articles_of_the_sections_its_home_page_links_to(site, tmp_path):
    result, items = _crawl(tmp_path, site)
    # by default one hop: the home page's sections, each with its next pages, not their subsections
    assert items == ["a1.html", "a2.html", "a3.html", "a4.html", "a5.html"]
    assert result.stat("boltwise/discovery/section") == 3  # robotik, politik, impressum
    assert result.stat("boltwise/discovery/section_too_deep") == 1  # robotik's subsection
    # the footer's links and other sites are no sections
    assert "/kontakt/" not in _Site.requested and "/tag/alles/" not in _Site.requested
    assert len(_Site.requested) == len(set(_Site.requested))  # each asked for once


def test_listing_depth_bounds_section_hops_and_not_pagination(site, tmp_path):
    deeper, items = _crawl(tmp_path, site, "BOLTWISE_LISTING_DEPTH=2")
    assert items == [f"a{n}.html" for n in range(1, 7)]
    assert deeper.stat("boltwise/discovery/section_too_deep") is None
    _Site.requested.clear()
    home_only, items = _crawl(tmp_path, site, "BOLTWISE_LISTING_DEPTH=0")
    assert items == ["a1.html", "a2.html"] and home_only.stat("boltwise/discovery/section") is None
    assert home_only.stat("boltwise/discovery/section_too_deep") == 3


def test_depth_limit_is_explained_when_set(site, tmp_path):
    result, _ = _crawl(tmp_path, site, "DEPTH_LIMIT=2")
    assert "DEPTH_LIMIT=2 counts every hop" in result.log


def test_the_home_page_is_not_its_own_section_without_its_slash(site, tmp_path):
    result, items = _crawl(tmp_path, site.rstrip("/"))
    assert items == ["a1.html", "a2.html", "a3.html", "a4.html", "a5.html"]
    assert result.stat("boltwise/discovery/section") == 3 and _Site.requested.count("/") == 1
