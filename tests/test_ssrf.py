"""Live crawls against servers on loopback: the egress policy keeps a site from steering the crawler
at internal addresses, other ports or the cloud metadata service, however the URL reaches it."""

from __future__ import annotations

import os
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import FIXTURES, crawl, respond

ARTICLE = (
    FIXTURES / "site" / "nachrichten.example" / "politik" / "rutte-trump-nato-ukraine-gespraech-4711.html"
).read_bytes()


class _Recorder(BaseHTTPRequestHandler):
    """Serves the site's pages; every server remembers the paths it was asked for."""

    def do_GET(self):
        self.server.hits.append(self.path)
        status, headers, body = self.server.pages.get(self.path, (404, [("Content-Type", "text/plain")], b""))
        respond(self, status, body, headers)

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


def live(tmp_path, *args: str, allow: str = "127.0.0.1"):
    """A crawl of the test's servers, names resolved by tests.fakedns, ``allow`` the allow-list."""
    resolver = "TWISTED_DNS_RESOLVER=tests.fakedns.HostsResolver"
    allowed = ("-s", f"BOLTWISE_EGRESS_ALLOW={allow}") if allow else ()
    return crawl(tmp_path, "news", *args, "-s", resolver, *allowed, "-s", "AUTOTHROTTLE_ENABLED=False")


def test_a_site_cannot_steer_the_crawler_at_internal_addresses(tmp_path, servers):
    base, _, internal, other = servers
    store = f"BOLTWISE_STORE_URI=sqlite:///{tmp_path / 'state.sqlite3'}"
    # the site itself is allowed, and nothing else on this machine
    result = live(tmp_path, "-a", f"site={base}/", "-a", f"feed={base}/feed.xml", "-s", store)
    assert result.returncode == 0, result.log
    # nothing reached the internal service or the other port, from sitemap, feed, listing or redirect
    assert internal.hits == [] and other.hits == []
    assert [item["url"] for item in result.items] == [f"{base}/good.html"]
    assert result.stat("boltwise/egress/blocked/loopback") >= 4  # sitemap, feed, listing, redirect
    assert result.stat("boltwise/egress/blocked/port") == 2  # the page, and robots.txt of its host
    assert result.stat("boltwise/egress/blocked/link_local") >= 1
    assert (
        "Egress blocked (loopback address: internal.news.test at 127.0.0.2): http://internal.news.test"
        in result.log
    )
    assert "Egress blocked (link-local address: metadata.news.test at 169.254.169.254)" in result.log
    # recorded as dropped with the reason: not "discovered", so the next start does not retry them
    ledger = sqlite3.connect(tmp_path / "state.sqlite3").execute("SELECT url, state, reason FROM ledger")
    blocked = {
        url.rsplit("/", 1)[-1] for url, state, reason in ledger if state == "dropped" and "egress" in reason
    }
    # "go": the page that redirected, whose request ended blocked
    assert blocked >= {"secret.html", "feed-secret.html", "listed.html", "go", "other-port.html"}
    again = live(tmp_path, "-a", f"feed={base}/feed.xml", "-s", store)
    assert again.stat("boltwise/ledger/resumed") is None  # nothing left unfinished
    assert again.stat("boltwise/recrawl/skipped_unchanged") == 1  # the feed's blocked entry, not refetched
    assert internal.hits == []


def test_the_allow_list_opens_what_the_user_means(tmp_path, servers):
    base, _, internal, _ = servers
    result = live(tmp_path, "-a", f"feed={base}/feed.xml", allow="127.0.0.1,internal.news.test")
    assert result.returncode == 0, result.log
    assert internal.hits == ["/robots.txt", "/feed-secret.html"]
    assert len(result.items) == 1 and result.stat("boltwise/egress/blocked/loopback") is None


def test_a_crawl_that_reaches_nothing_says_so_and_exits_1(tmp_path, servers):
    base, *_ = servers
    result = live(tmp_path, "-a", f"feed={base}/feed.xml", allow="")  # the site is on loopback: not allowed
    assert result.returncode == 1
    assert "ERROR: Nothing was fetched: all 2 requests failed (egress 1)" in result.log
    summary = (
        "Crawl summary: 0 responses to 2 requests; 0 items; not fetched: egress 1; egress blocked: loopback 2"
    )
    assert summary in result.log
