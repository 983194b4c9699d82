"""Live crawls against servers on loopback: the egress policy keeps a site from steering the crawler
at internal addresses, other ports or the cloud metadata service, however the URL reaches it."""

from __future__ import annotations

import os
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import FIXTURES, crawl

ARTICLE = (
    FIXTURES / "site" / "nachrichten.example" / "politik" / "rutte-trump-nato-ukraine-gespraech-4711.html"
).read_bytes()


class _Recorder(BaseHTTPRequestHandler):
    """Serves the site's pages; every server remembers the paths it was asked for."""

    def do_GET(self):
        self.server.hits.append(self.path)
        status, headers, body = self.server.pages.get(self.path, (404, [("Content-Type", "text/plain")], b""))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(address: str, pages: dict, port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((address, port), _Recorder)
    server.pages, server.hits = pages, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers():
    """The site on 127.0.0.1, an internal service on 127.0.0.2 at the same port (so that only its
    address gives it away) and another service on another port of 127.0.0.1. The site's
    robots.txt, sitemap, feed, home page and a redirect all point the crawler at the other two,
    and at the metadata service."""
    secret = (200, [("Content-Type", "text/html; charset=utf-8")], ARTICLE)
    site = _serve("127.0.0.1", {})
    internal = _serve(
        "127.0.0.2",
        {p: secret for p in ("/secret.html", "/feed-secret.html", "/listed.html", "/redirected.html")},
        site.server_port,
    )
    other = _serve("127.0.0.1", {"/other-port.html": secret})
    base = f"http://news.test:{site.server_port}"
    inside = f"http://internal.news.test:{internal.server_port}"
    xml, html = [("Content-Type", "application/xml")], [("Content-Type", "text/html; charset=utf-8")]
    urls = [
        f"{base}/good.html",
        f"{inside}/secret.html",
        f"http://news.test:{other.server_port}/other-port.html",
        f"http://metadata.news.test:{site.server_port}/latest/meta-data/",
        f"http://rebind.news.test:{site.server_port}/good.html",
    ]
    site.pages.update(
        {
            "/robots.txt": (200, [("Content-Type", "text/plain")], f"Sitemap: {base}/sitemap.xml\n".encode()),
            "/sitemap.xml": (
                200,
                xml,
                ("<urlset>" + "".join(f"<url><loc>{u}</loc></url>" for u in urls) + "</urlset>").encode(),
            ),
            "/feed.xml": (
                200,
                xml,
                f"<rss><channel><item><link>{inside}/feed-secret.html</link></item></channel></rss>".encode(),
            ),
            "/": (
                200,
                html,
                f'<html><head><meta property="og:type" content="website"></head><body><article><h2><a href="{inside}/listed.html">x</a></h2></article><article><h2><a href="/go">y</a></h2></article></body></html>'.encode(),
            ),
            "/go": (302, [("Location", f"{inside}/redirected.html")], b""),
            "/good.html": (200, html, ARTICLE),
        }
    )
    hosts = {
        "news.test": "127.0.0.1",
        "internal.news.test": "127.0.0.2",
        "metadata.news.test": "169.254.169.254",
        # a name that answers a public-looking address once, then the internal one
        "rebind.news.test": "127.0.0.1|127.0.0.2",
    }
    os.environ["BOLTWISE_TEST_HOSTS"] = ",".join(f"{name}={answer}" for name, answer in hosts.items())
    yield base, site, internal, other
    del os.environ["BOLTWISE_TEST_HOSTS"]
    for server in (site, internal, other):
        server.shutdown()
        server.server_close()


def test_a_site_cannot_steer_the_crawler_at_internal_addresses(tmp_path, servers):
    base, _, internal, other = servers
    store = tmp_path / "state.sqlite3"
    result = crawl(
        tmp_path,
        "news",
        "-a",
        f"site={base}/",
        "-a",
        f"feed={base}/feed.xml",
        "-s",
        "TWISTED_DNS_RESOLVER=tests.fakedns.HostsResolver",
        "-s",
        "BOLTWISE_EGRESS_ALLOW=127.0.0.1",  # the site itself, and nothing else on this machine
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        f"BOLTWISE_STORE_URI=sqlite:///{store}",
    )
    assert result.returncode == 0, result.log
    # nothing reached the internal service or the other port, from sitemap, feed, listing or redirect
    assert internal.hits == [] and other.hits == []
    assert [item["url"] for item in result.items] == [f"{base}/good.html"]
    assert result.stat("boltwise/egress/blocked/loopback") >= 4  # sitemap, feed, listing, redirect
    assert result.stat("boltwise/egress/blocked/port") == 2  # the page, and robots.txt of its host
    assert result.stat("boltwise/egress/blocked/link_local") >= 1
    assert (
        f"Egress blocked (loopback address: internal.news.test at 127.0.0.2): {'http://internal.news.test'}"
        in result.log
    )
    assert "Egress blocked (link-local address: metadata.news.test at 169.254.169.254)" in result.log
    # recorded as dropped with the reason: not "discovered", so the next start does not retry them
    ledger = dict(
        sqlite3.connect(store).execute("SELECT url, state || ': ' || reason FROM ledger WHERE state = 'dropped'")
    )
    blocked = {url for url, state in ledger.items() if "egress blocked" in state}
    assert {url.split("/")[-1] for url in blocked} >= {
        "secret.html",
        "feed-secret.html",
        "listed.html",
        "go",  # the page that redirected: its request ended blocked
        "other-port.html",
    }
    again = crawl(
        tmp_path,
        "news",
        "-a",
        f"feed={base}/feed.xml",
        "-s",
        "TWISTED_DNS_RESOLVER=tests.fakedns.HostsResolver",
        "-s",
        "BOLTWISE_EGRESS_ALLOW=127.0.0.1",
        "-s",
        f"BOLTWISE_STORE_URI=sqlite:///{store}",
    )
    assert again.stat("boltwise/ledger/resumed") is None  # nothing left unfinished
    assert again.stat("boltwise/recrawl/skipped_unchanged") == 1  # the feed's blocked entry, not refetched
    assert internal.hits == []


def test_the_allow_list_opens_what_the_user_means(tmp_path, servers):
    base, _, internal, _ = servers
    result = crawl(
        tmp_path,
        "news",
        "-a",
        f"feed={base}/feed.xml",
        "-s",
        "TWISTED_DNS_RESOLVER=tests.fakedns.HostsResolver",
        "-s",
        "BOLTWISE_EGRESS_ALLOW=127.0.0.1,internal.news.test",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
    )
    assert result.returncode == 0, result.log
    assert internal.hits == ["/robots.txt", "/feed-secret.html"]
    assert len(result.items) == 1 and result.stat("boltwise/egress/blocked/loopback") is None


def test_a_crawl_that_reaches_nothing_says_so_and_exits_1(tmp_path, servers):
    base, *_ = servers
    result = crawl(  # the site is on loopback, and nothing allows it
        tmp_path, "news", "-a", f"feed={base}/feed.xml", "-s", "TWISTED_DNS_RESOLVER=tests.fakedns.HostsResolver"
    )
    assert result.returncode == 1
    assert "ERROR: Nothing was fetched: all 2 requests failed (egress 1)" in result.log
    assert (
        "Crawl summary: 0 responses to 2 requests; 0 items; not fetched: egress 1; egress blocked: loopback 2"
        in result.log
    )
