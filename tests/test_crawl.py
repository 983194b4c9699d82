"""End to end: ``scrapy crawl`` in a subprocess, as users and CI run it."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from warcio.archiveiterator import ArchiveIterator

from boltwise.snapshot import SavedResponse, save

from .conftest import BOLTWISE_SEEDS, FIXTURES, REPO, CrawlResult, body_lines, crawl, respond, seed_lines
from .warcs import cc_news_warc, write_warc

EXPECTED = FIXTURES / "expected"
SITE = FIXTURES / "site"
ARTICLES = FIXTURES / "articles"
# a crawl without network must still pass: run it in an empty network namespace where we can
OFFLINE = ["unshare", "-n"] if shutil.which("unshare") and os.geteuid() == 0 else []


def by_source(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda item: item["source"])


def golden(name: str) -> list[dict]:
    return [json.loads(line) for line in (EXPECTED / name).read_text("utf-8").splitlines()]


def test_scrapy_list():
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["boltwise", "files", "news"]


def test_boltwise_replay_offline_matches_golden(tmp_path):
    if not OFFLINE:
        pytest.skip("needs root and unshare to cut the network")
    result = crawl(tmp_path, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={SITE}", wrapper=OFFLINE)
    assert result.returncode == 0, result.log
    items = by_source(result.items)
    assert items == golden("boltwise.jsonl")
    assert result.stat("boltwise/replay/miss") is None  # every request answered from the snapshot
    # one item per article: the tracking-parameter and AMP URLs are dropped as URL duplicates
    assert sorted(item["url"] for item in items) == sorted(item["source"] for item in items)
    assert len(items) == 4 and all(item["url"].startswith("https://www.it-boltwise.de/") for item in items)
    assert result.stat("boltwise/dedup/url") == 2
    # every article's complete body, cleaned of the site furniture, titled from page metadata
    texts = {item["text"] for item in items}
    assert all("\n".join(body_lines(seed)) in texts for seed in BOLTWISE_SEEDS)
    assert all(item["title"] and item["published"] and item["dateline"] for item in items)


def test_mark_mode_keeps_copies_pointing_at_the_original(tmp_path):
    result = crawl(tmp_path, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={SITE}", "-s", "BOLTWISE_DEDUP_MODE=mark")
    items = by_source(result.items)
    assert items == golden("boltwise-mark.jsonl")
    copies = {item["source"]: item["duplicate_of"] for item in items if item["duplicate_of"]}
    assert {source.rsplit("?", 1)[1][:4] for source in copies} == {"amp=", "utm_"}
    assert all(source.split("?")[0] == original for source, original in copies.items())


def test_syndicated_copy_on_another_site_is_a_near_duplicate(tmp_path):
    feeds = "https://nachrichten.example/feed/,https://presseticker.example/feed/"
    args = ("news", "-a", f"feed={feeds}", "-s", f"BOLTWISE_REPLAY_DIR={SITE}")
    marked = crawl(tmp_path, *args, "-s", "BOLTWISE_DEDUP_MODE=mark")
    assert by_source(marked.items) == golden("news-syndicated-mark.jsonl")
    original, copy = by_source(marked.items)
    assert copy["site"] == "presseticker.example" and copy["duplicate_of"] == original["url"]
    assert 0.8 <= copy["similarity"] < 1.0
    dropped = crawl(tmp_path, *args)
    assert [item["site"] for item in dropped.items] == ["nachrichten.example"]
    assert dropped.stat("boltwise/dedup/near") == 1


def test_recrawl_emits_only_the_revision(tmp_path):
    store = f"BOLTWISE_STORE_URI=sqlite:///{tmp_path}/state.sqlite3"
    first = crawl(tmp_path, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={SITE}", "-s", store)
    assert len(first.items) == 4
    again = crawl(tmp_path, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={SITE}", "-s", store)
    # incremental: nothing announced a change, so no article page is even requested
    assert again.items == [] and again.stat("boltwise/discovery/article") is None
    # 22: the tag page the home page's navigation links to lists four articles the feed lists too
    assert "Nothing new: the 22 entries feeds, sitemaps and listings gave are articles stored already" in again.log
    assert again.stat("boltwise/recrawl/skipped_unchanged") >= 6
    # the same robots.txt, feed, sitemaps and listings as the first crawl; the six article URLs not
    first_articles = first.stat("boltwise/discovery/article")
    assert first_articles == 6
    assert again.stat("downloader/request_count") == first.stat("downloader/request_count") - first_articles
    update = crawl(
        tmp_path, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={SITE},{FIXTURES / 'site-update'}", "-s", store
    )
    assert update.items == golden("boltwise-update.jsonl")
    [item] = update.items
    assert item["revision"] == 2 and item["modified"] == "2025-04-29T08:20:00+02:00"
    assert "Update vom 29. April" in item["text"]


def test_files_twice_with_the_same_store_emits_nothing_the_second_time(tmp_path):
    store = f"BOLTWISE_STORE_URI=sqlite:///{tmp_path}/state.sqlite3"
    assert len(crawl(tmp_path, "files", "-a", "path=fixtures/articles", "-s", store).items) == 5
    second = crawl(tmp_path, "files", "-a", "path=fixtures/articles", "-s", store)
    assert second.returncode == 0 and second.items == []
    assert second.stat("boltwise/dedup/url") == 5
    # each is the article stored under its own key, come again unchanged: still "stored", no copy
    states = sqlite3.connect(tmp_path / "state.sqlite3").execute("SELECT DISTINCT state, reason FROM ledger")
    assert states.fetchall() == [("stored", "unchanged since it was stored")]


def test_decisions_and_order_do_not_depend_on_worker_timing(tmp_path):
    """Copies of one article in many files: the first file in sorted order is always the original."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    page = (SITE / "nachrichten.example" / "politik" / "rutte-trump-nato-ukraine-gespraech-4711.html").read_text(
        "utf-8"
    )
    for n in range(12):
        # some pages are heavier than others, so the workers finish them out of order
        padding = "<p>Fülltext im Kommentarbereich.</p>" * (200 if n % 3 == 0 else 0)
        (inbox / f"{n:02d}.html").write_text(page.replace("</body>", f"<aside>{padding}</aside></body>"), "utf-8")
    runs = [
        crawl(
            tmp_path,
            "files",
            "-a",
            f"path={inbox}",
            "-s",
            "BOLTWISE_WORKERS=2",
            "-s",
            "BOLTWISE_DEDUP_MODE=mark",
        )
        for _ in range(2)
    ]
    assert runs[0].items == runs[1].items
    assert [item["source"] for item in runs[0].items] == [str(inbox / f"{n:02d}.html") for n in range(12)]
    assert [item["duplicate_of"] for item in runs[0].items][1:] == [runs[0].items[0]["url"]] * 11


def test_replay_and_saved_text_give_the_same_clean_articles(tmp_path):
    replayed = crawl(tmp_path, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={SITE}").items
    saved = crawl(tmp_path, "files", "-a", "path=fixtures/articles").items
    by_text = {item["text"]: item for item in saved}
    for item in replayed:
        twin = by_text[item["text"]]
        assert (item["title"], item["dateline"], item["site"]) == (
            twin["title"],
            twin["dateline"],
            twin["site"],
        )


def test_files_spider_matches_golden(tmp_path):
    result = crawl(tmp_path, "files", "-a", "path=fixtures/articles")
    assert result.returncode == 0, result.log
    assert "WARNING" not in result.log  # nothing went wrong, so nothing to warn about
    items = by_source(result.items)
    assert [item["source"] for item in items] == [
        f"fixtures/articles/{p.name}" for p in sorted(ARTICLES.iterdir())
    ]
    for item in items:
        assert item["text"].split("\n") == body_lines(item["source"].rsplit("/", 1)[1])
        assert item.pop("fetched_at")  # the file's mtime: differs per checkout
    assert items == golden("files.jsonl")


def test_news_spider_on_other_sites(tmp_path):
    feeds = "https://nachrichten.example/feed/,https://presseticker.example/feed/"
    result = crawl(
        tmp_path,
        "news",
        "-a",
        f"feed={feeds}",
        "-s",
        f"BOLTWISE_REPLAY_DIR={SITE}",
        "-s",
        "BOLTWISE_DEDUP_ENABLED=False",
    )
    assert result.returncode == 0, result.log
    assert sorted(item["site"] for item in result.items) == [
        "nachrichten.example",
        "presseticker.example",
    ]
    headline = seed_lines("003_84c19c9baf8032c0.txt")[0]
    assert all(item["title"] == headline for item in result.items)
    original = next(item for item in result.items if item["site"] == "nachrichten.example")
    assert original["text"].split("\n") == body_lines("003_84c19c9baf8032c0.txt")


def test_replay_miss_is_a_logged_counted_404(tmp_path):
    url = "https://nachrichten.example/gibt-es-nicht.html"
    result = crawl(tmp_path, "news", "-a", f"url={url}", "-s", f"BOLTWISE_REPLAY_DIR={SITE}")
    assert result.returncode == 0
    assert result.items == []
    assert result.stat("boltwise/replay/miss") == 1
    assert f"Replay miss (not in the saved pages), answered 404: {url}" in result.log


def test_replay_overlay_directory_serves_the_update(tmp_path):
    update = FIXTURES / "site-update"
    url = "https://www.it-boltwise.de/nato-generalsekretaer-rutte-sucht-in-washington-nach-loesungen-fuer-ukraine-konflikt.html"
    result = crawl(tmp_path, "news", "-a", f"url={url}", "-s", f"BOLTWISE_REPLAY_DIR={SITE},{update}")
    [item] = result.items
    assert item["modified"] == "2025-04-29T08:20:00+02:00"
    assert "Update vom 29. April" in item["text"]


class _Site(BaseHTTPRequestHandler):
    """A tiny live site on 127.0.0.1: a feed, a redirect, a gzip-encoded article."""

    article = (
        SITE / "nachrichten.example" / "politik" / "rutte-trump-nato-ukraine-gespraech-4711.html"
    ).read_bytes()

    def do_GET(self):
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/feed.xml":
            body = f"<rss><channel><item><link>{base}/kurz/4711</link></item></channel></rss>".encode()
            self._send(200, body, [("Content-Type", "application/rss+xml")])
        elif self.path == "/kurz/4711":
            self._send(301, b"", [("Location", f"{base}/artikel.html")])
        elif self.path == "/artikel.html":
            self._send(
                200,
                gzip.compress(self.article),
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
            )
        else:
            self._send(404, b"not found", [("Content-Type", "text/plain")])

    _send = respond

    def log_message(self, *args):
        pass


def _recorded_live(tmp_path, record: str) -> tuple[CrawlResult, str]:
    """A live crawl of the test's own site, from its feed, recorded with ``record`` (a setting)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    feed = f"http://127.0.0.1:{server.server_port}/feed.xml"
    try:
        live = crawl(
            tmp_path, "news", "-a", f"feed={feed}", "-s", record, "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "BOLTWISE_EGRESS_ALLOW=127.0.0.1",  # the test's own server
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    return live, feed


def test_record_then_replay_round_trip(tmp_path):
    record = tmp_path / "recorded"
    live, feed = _recorded_live(tmp_path, f"BOLTWISE_RECORD_DIR={record}")
    assert live.returncode == 0, live.log
    [item] = live.items
    # source: the URL requested (before the redirect); url: where the redirect led, because the
    # page's canonical link names another site, which only a syndication partner may
    assert item["source"].endswith("/kurz/4711")
    assert item["url"] == feed.replace("/feed.xml", "/artikel.html")
    assert (
        item["declared_canonical"]
        == "https://nachrichten.example/politik/rutte-trump-nato-ukraine-gespraech-4711.html"
    )
    assert live.stat("boltwise/record/saved") == 4  # robots.txt (a 404), feed, redirect, article
    replayed = crawl(tmp_path, "news", "-a", f"feed={feed}", "-s", f"BOLTWISE_REPLAY_DIR={record}")
    assert replayed.returncode == 0, replayed.log
    assert replayed.items == live.items
    assert replayed.stat("boltwise/replay/miss") is None
    meta = next(record.rglob("artikel.html.meta.json"))
    saved = json.loads(meta.read_text())
    assert saved["status"] == 200 and "Content-Encoding" not in saved["headers"]
    assert b"Rutte diskutierte" in (meta.parent / saved["body"]).read_bytes()  # stored decoded
    redirect = json.loads(next(record.rglob("4711*.meta.json")).read_text())
    assert redirect["status"] == 301 and redirect["headers"]["Location"].endswith("/artikel.html")


def test_a_crawl_recorded_as_warc_replays_to_the_same_items(tmp_path):
    warc = tmp_path / "recorded" / "crawl.warc.gz"
    live, feed = _recorded_live(tmp_path, f"BOLTWISE_RECORD_WARC={warc}")
    base = feed.removesuffix("/feed.xml")
    assert live.returncode == 0, live.log
    assert len(live.items) == 1 and live.stat("boltwise/record_warc/saved") == 4
    # what other WARC tools see: warcio's own reader, one gzip member per record
    with warc.open("rb") as stream:
        records = [
            (r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(stream)
        ]
    assert {headers.protocol for _, headers, _, _ in records} == {"WARC/1.1"}
    assert [kind for kind, *_ in records] == ["warcinfo"] + ["response", "request"] * 4
    assert _gzip_members(warc.read_bytes()) == len(records)
    responses = {
        headers.get_header("WARC-Target-URI"): (http, body)
        for kind, headers, http, body in records
        if kind == "response"
    }
    assert sorted(responses) == sorted(
        f"{base}{path}" for path in ("/robots.txt", "/feed.xml", "/kurz/4711", "/artikel.html")
    )
    http, body = responses[f"{base}/artikel.html"]
    # kept as sent, content-encoded; warcio's content_stream() decodes it, as replay does
    assert http.get_header("Content-Encoding") == "gzip" and b"Rutte diskutierte" in body
    assert responses[f"{base}/kurz/4711"][0].get_statuscode() == "301"
    ids = {headers.get_header("WARC-Record-ID") for kind, headers, _, _ in records if kind == "response"}
    requests = [(headers, http) for kind, headers, http, _ in records if kind == "request"]
    assert {headers.get_header("WARC-Concurrent-To") for headers, _ in requests} == ids
    assert all(
        http.protocol == "GET" and http.get_header("User-Agent").startswith("boltwise/") for _, http in requests
    )
    # offline, from the WARC file alone
    replayed = crawl(tmp_path, "news", "-a", f"feed={feed}", "-s", f"BOLTWISE_REPLAY_DIR={warc}")
    assert replayed.returncode == 0, replayed.log
    assert replayed.items == live.items
    assert replayed.stat("boltwise/replay/hit") == 4 and replayed.stat("boltwise/replay/miss") is None


def _gzip_members(data: bytes) -> int:
    members = 0
    while data:
        inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        inflate.decompress(data)
        assert inflate.eof, "a gzip member cut short"
        data, members = inflate.unused_data, members + 1
    return members


def test_warc_in_replay_dir_is_served(tmp_path):
    page = (SITE / "nachrichten.example" / "politik" / "rutte-trump-nato-ukraine-gespraech-4711.html").read_bytes()
    url = "https://archiv.example/2025/rutte.html"
    write_warc(
        tmp_path / "crawl.warc.gz",
        [
            (
                "https://archiv.example/robots.txt",
                200,
                [("Content-Type", "text/plain")],
                b"User-agent: *\nDisallow:\n",
            ),
            (url, 200, [("Content-Type", "text/html; charset=utf-8")], page),
        ],
    )
    result = crawl(tmp_path, "news", "-a", f"url={url}", "-s", f"BOLTWISE_REPLAY_DIR={tmp_path}")
    assert result.returncode == 0, result.log
    [item] = result.items
    assert item["source"] == url and item["text"].split("\n") == body_lines("003_84c19c9baf8032c0.txt")


def test_files_spider_reports_bad_files_and_goes_on(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(ARTICLES / "003_84c19c9baf8032c0.txt", inbox / "good.txt")
    page = (SITE / "nachrichten.example" / "politik" / "rutte-trump-nato-ukraine-gespraech-4711.html").read_bytes()
    (inbox / "page.html.gz").write_bytes(gzip.compress(page))
    write_warc(
        inbox / "archive.warc",
        [("https://archiv.example/a", 200, [("Content-Type", "text/html")], page)],
    )
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "broken.html.gz").write_bytes(b"\x1f\x8b\x08garbage")
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (inbox / "notes.json").write_text("{}")
    # the three good files hold one article: dedup would rightly keep one of them
    result = crawl(tmp_path, "files", "-a", f"path={inbox}", "-s", "BOLTWISE_DEDUP_ENABLED=False")
    assert result.returncode == 0, result.log
    assert sorted(item["source"] for item in result.items) == sorted(
        ["https://archiv.example/a", str(inbox / "good.txt"), str(inbox / "page.html.gz")]
    )
    assert result.stat("boltwise/files/error/empty") == 1
    assert result.stat("boltwise/files/error/broken") == 1
    assert result.stat("boltwise/files/error/undecodable") == 1
    assert result.stat("boltwise/files/unsupported") == 1
    assert f"Cannot ingest {inbox / 'empty.txt'}" in result.log


def test_pages_over_the_extraction_time_limit_are_dropped_with_the_reason(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for page in sorted((SITE / "www.it-boltwise.de").glob("nato-*.html"))[:3]:
        shutil.copy(page, inbox / page.name)
    result = crawl(tmp_path, "files", "-a", f"path={inbox}", "-s", "BOLTWISE_EXTRACT_TIMEOUT=0.001")
    assert result.returncode == 0, result.log
    assert result.items == []
    assert result.stat("boltwise/extract/timeout") == 3
    assert result.stat("boltwise/workers/replaced/timeout") == 3
    assert "took longer than 0.001 s (BOLTWISE_EXTRACT_TIMEOUT)" in result.log


class _Conditional(BaseHTTPRequestHandler):
    """A live site whose feed re-announces an unchanged article; the article honours If-None-Match."""

    article = (
        SITE / "nachrichten.example" / "politik" / "rutte-trump-nato-ukraine-gespraech-4711.html"
    ).read_bytes()
    pub_date = "Fri, 14 Mar 2025 18:40:00 +0100"
    seen_if_none_match: ClassVar[list[str]] = []

    def do_GET(self):
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/feed.xml":
            body = f"<rss><channel><item><link>{base}/a.html</link><pubDate>{self.pub_date}</pubDate></item></channel></rss>"
            self._send(200, body.encode(), [("Content-Type", "application/rss+xml")])
        elif self.path == "/a.html":
            condition = self.headers.get("If-None-Match")
            if condition:
                type(self).seen_if_none_match.append(condition)
            if condition == '"v1"':
                self._send(304, b"", [("ETag", '"v1"')])
            else:
                self._send(200, self.article, [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')])
        else:
            self._send(404, b"", [("Content-Type", "text/plain")])

    _send = _Site._send
    log_message = _Site.log_message


def test_pages_without_metadata_get_it_from_their_google_news_sitemap_and_feed(tmp_path):
    bare = "https://meldungen.example/"
    result = crawl(
        tmp_path, "news", "-a", f"sitemap={bare}news-sitemap.xml", "-a", f"feed={bare}feed/",
        "-s", f"BOLTWISE_REPLAY_DIR={SITE}",
    )  # fmt: skip
    assert result.returncode == 0, result.log
    got = {
        item["url"].removeprefix(bare): (item["title"], item["published"], item["tags"]) for item in result.items
    }
    assert got == {
        "lokales/hafen-erweitert-terminal": (
            "Hafen erweitert sein Containerterminal", "2025-04-02T08:15:00+02:00", ["Hafen", "Logistik", "Wirtschaft"],
        ),
        "lokales/stadtbibliothek-oeffnet-sonntags": (
            "Stadtbibliothek öffnet künftig auch sonntags", "2025-04-03T11:30:00+02:00", ["Kultur", "Bibliothek"],
        ),
        "sport/ruderclub-gewinnt-regatta": (  # from the feed: title, pubDate, categories
            "Ruderclub gewinnt die Frühjahrsregatta", "2025-04-05T17:45:00+02:00", ["Sport", "Rudern"],
        ),
    }  # fmt: skip
    assert all(item["language"] == "de" for item in result.items)


def test_recrawl_asks_conditionally_and_keeps_the_stored_article_on_304(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Conditional)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    args = (
        "news",
        "-a",
        f"feed=http://127.0.0.1:{server.server_port}/feed.xml",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "BOLTWISE_EGRESS_ALLOW=127.0.0.1",  # the test's own server
    )
    store = f"BOLTWISE_STORE_URI=sqlite:///{tmp_path}/state.sqlite3"
    try:
        first = crawl(tmp_path, *args, "-s", store)
        assert len(first.items) == 1 and _Conditional.seen_if_none_match == []
        _Conditional.pub_date = "Sat, 15 Mar 2025 09:00:00 +0100"  # the feed says: changed
        second = crawl(tmp_path, *args, "-s", store)
    finally:
        server.shutdown()
        server.server_close()
    assert second.returncode == 0, second.log
    assert _Conditional.seen_if_none_match == ['"v1"']
    assert second.items == []
    assert second.stat("boltwise/recrawl/changed") == 1
    assert second.stat("boltwise/recrawl/not_modified") == 1


def test_a_crawl_logs_a_summary_and_little_else_by_default(tmp_path):
    result = crawl(tmp_path, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={SITE}", log_level=None)
    assert result.returncode == 0 and len(result.items) == 4
    assert " DEBUG: " not in result.log  # no request or item dumped line by line
    assert "Crawl summary: 19 responses to 19 requests; 4 items; items dropped: DuplicateUrl 2" in result.log
    # robots.txt is read once: by Scrapy's robots middleware, and handed to the spider for its sitemaps
    assert result.stat("robotstxt/request_count") == 1 and result.stat("boltwise/robots/shared") == 1


def test_robots_txt_that_forbids_what_the_crawl_needs_says_so(tmp_path):
    closed = tmp_path / "closed"
    text = [("Content-Type", "text/plain")]
    save(closed, SavedResponse("https://closed.example/robots.txt", 200, text, b"User-agent: *\nDisallow: /\n"))
    result = crawl(
        tmp_path, "news", "-a", "site=https://closed.example/", "-a", "feed=https://closed.example/feed/",
        "-s", f"BOLTWISE_REPLAY_DIR={closed}",
    )  # fmt: skip
    assert result.returncode == 0 and result.items == []
    forbidden = [line for line in result.log.splitlines() if "WARNING: robots.txt forbids" in line]
    # the home page, the feed and the usual sitemap paths tried when robots.txt names none
    assert len(forbidden) == 5 and all(
        line.endswith("which this crawl needs (ROBOTSTXT_OBEY)") for line in forbidden
    )
    assert result.stat("boltwise/fetch/dropped/robots") == 5


def test_unfetchable_articles_are_not_requested_again_at_the_next_start(tmp_path):
    site = tmp_path / "gone"
    missing = "".join(f"<url><loc>https://gone.example/{n}.html</loc></url>" for n in range(30))
    xml = [("Content-Type", "application/xml")]
    save(site, SavedResponse("https://gone.example/sitemap.xml", 200, xml, f"<urlset>{missing}</urlset>".encode()))
    store = f"BOLTWISE_STORE_URI=sqlite:///{tmp_path}/state.sqlite3"
    args = (
        "news",
        "-a",
        "sitemap=https://gone.example/sitemap.xml",
        "-s",
        f"BOLTWISE_REPLAY_DIR={site}",
        "-s",
        store,
    )
    first = crawl(tmp_path, *args)
    assert first.stat("boltwise/replay/miss") == 31 and first.stat("boltwise/fetch/dropped/http_404") == 30
    again = crawl(tmp_path, *args)
    assert again.stat("boltwise/ledger/resumed") is None  # dropped, with the reason: not unfinished
    assert again.stat("boltwise/recrawl/skipped_unchanged") == 30
    assert again.stat("downloader/request_count") == 2  # robots.txt and the sitemap


class _Folders(BaseHTTPRequestHandler):
    """A page that is also the folder of another page: /x.html and /x.html/amp/."""

    def do_GET(self):
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/feed.xml":
            links = "".join(f"<item><link>{base}{path}</link></item>" for path in ("/x.html", "/x.html/amp/"))
            respond(
                self,
                200,
                f"<rss><channel>{links}</channel></rss>".encode(),
                [("Content-Type", "application/rss+xml")],
            )
        elif self.path in ("/x.html", "/x.html/amp/"):
            page = _Site.article.replace(b"Rutte diskutierte", b"Rutte diskutierte (" + self.path.encode() + b")")
            respond(self, 200, page, [("Content-Type", "text/html; charset=utf-8")])
        else:
            respond(self, 404, b"", [("Content-Type", "text/plain")])

    log_message = _Site.log_message


def test_recording_keeps_a_page_that_is_also_a_folder(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Folders)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    feed = f"http://127.0.0.1:{server.server_port}/feed.xml"
    record = tmp_path / "recorded"
    no_dedup = ("-s", "BOLTWISE_DEDUP_ENABLED=False")
    try:
        live = crawl(
            tmp_path, "news", "-a", f"feed={feed}", "-s", f"BOLTWISE_RECORD_DIR={record}", *no_dedup,
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "BOLTWISE_EGRESS_ALLOW=127.0.0.1",
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert live.returncode == 0 and len(live.items) == 2, live.log
    assert live.stat("boltwise/record/saved") == 4 and live.stat("boltwise/record/failed") is None
    replayed = crawl(tmp_path, "news", "-a", f"feed={feed}", "-s", f"BOLTWISE_REPLAY_DIR={record}", *no_dedup)
    # the live order is the network's; the items are the same
    assert by_source(replayed.items) == by_source(live.items) and replayed.stat("boltwise/replay/miss") is None


@pytest.mark.parametrize("start", ["ftp://x.example/", "http://[oops/", "not a url"])
def test_a_start_url_that_is_no_http_url_stops_the_crawl_with_a_clear_error(tmp_path, start):
    result = crawl(tmp_path, "news", "-a", f"url={start}")
    assert result.returncode == 1
    assert f"not a usable http(s) URL: {start!r}" in result.log and "RuntimeError" not in result.log


@pytest.mark.parametrize("kind", ["sitemap", "feed"])
def test_a_text_sitemap_and_a_json_feed_are_followed(tmp_path, kind):
    """``-a sitemap=`` of a text sitemap (one URL per line), ``-a feed=`` of a JSON Feed."""
    from boltwise.bench.sitegen import HOST, article_url, generate_site

    site = tmp_path / "site"
    generate_site(site, 4, sitemaps=1)
    urls = [article_url(n) for n in range(4)]
    if kind == "sitemap":
        url, body, content_type = f"{HOST}sitemap.txt", "\n".join(urls).encode(), "text/plain"
    else:
        items = [{"id": u, "url": u, "date_published": "2026-11-20T08:00:00Z"} for u in urls]
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Gen", "items": items}
        url, body, content_type = f"{HOST}feed.json", json.dumps(feed).encode(), "application/feed+json"
    save(site, SavedResponse(url, 200, [("Content-Type", content_type)], body))
    result = crawl(tmp_path, "news", "-a", f"{kind}={url}", "-s", f"BOLTWISE_REPLAY_DIR={site}")
    assert result.returncode == 0, result.log[-2000:]
    assert sorted(item["url"] for item in result.items) == sorted(urls)
    assert result.stat(f"boltwise/discovery/malformed_{kind}") is None


def test_a_site_whose_robots_names_no_sitemap_is_found_through_the_feed_its_home_page_announces(tmp_path):
    from boltwise.bench.sitegen import HOST, article_url, generate_site

    site = tmp_path / "site"
    generate_site(site, 3, sitemaps=1)
    for saved in site.rglob("sitemap_index.xml*"):  # one of the usual WordPress sitemap paths
        saved.unlink()
    robots = b"User-agent: *\nDisallow: /private/\n"
    save(site, SavedResponse(f"{HOST}robots.txt", 200, [("Content-Type", "text/plain")], robots))
    feeds = f'<link rel="alternate" type="application/rss+xml" href="{HOST}feed/">'
    feeds += f'<link rel="alternate" type="application/rss+xml" href="{HOST}comments/feed/">'
    # a feed service's copy on another host is not followed, nor one robots.txt forbids
    feeds += '<link rel="alternate" type="application/rss+xml" href="https://feeds.service.example/gen">'
    feeds += f'<link rel="alternate" type="application/atom+xml" href="{HOST}private/atom.xml">'
    for url, more in ((HOST, f'<link rel="next" href="{HOST}page/2/">'), (f"{HOST}page/2/", "")):
        page = f"<html><head>{feeds}{more}</head><body></body></html>"  # both pages announce the feed
        save(site, SavedResponse(url, 200, [("Content-Type", "text/html; charset=utf-8")], page.encode()))
    items = "".join(f"<item><link>{article_url(n)}</link></item>" for n in range(3))
    rss = f"<rss><channel>{items}</channel></rss>".encode()
    save(site, SavedResponse(f"{HOST}feed/", 200, [("Content-Type", "application/rss+xml")], rss))
    result = crawl(tmp_path, "news", "-a", f"site={HOST}", "-s", f"BOLTWISE_REPLAY_DIR={site}")
    assert result.returncode == 0, result.log[-2000:]
    assert sorted(item["url"] for item in result.items) == sorted(article_url(n) for n in range(3))
    assert result.stat("boltwise/discovery/feed") == 1 and result.stat("boltwise/discovery/feed_found") == 2
    assert f"Feed found on {HOST}: {HOST}feed/" in result.log
    assert result.stat("boltwise/discovery/offsite") == 1 and "feeds.service.example" not in result.log
    # announced, not needed: no warning that robots.txt forbids what the crawl needs
    assert result.stat("boltwise/fetch/dropped/robots") == 1 and "robots.txt forbids" not in result.log
    assert result.stat("boltwise/discovery/listing") == 2  # the second listing page was read too


def test_files_spider_keeps_one_domains_articles_from_a_cc_news_like_warc(tmp_path):
    hosts = ("www.zeitung.example", "region.zeitung.example", "www.blatt.example", "anderes.example")
    made = cc_news_warc(tmp_path / "CC-NEWS-20250301.warc.gz", hosts)
    run = crawl(
        tmp_path, "files", "-a", f"path={tmp_path / 'CC-NEWS-20250301.warc.gz'}", "-a", "domains=zeitung.example",
        "-s", "LOGSTATS_INTERVAL=0.05",
    )  # fmt: skip
    assert run.returncode == 0, run.log
    # both hosts of the domain, each with its four articles (one served without Content-Type);
    # none of the listing pages, whether they say so, are known by their links or by their URL
    assert sorted(item["url"] for item in run.items) == sorted(made[hosts[0]] + made[hosts[1]])
    assert run.stat("boltwise/extract/listing") == run.stat("item_dropped_reasons_count/NotAnArticle") == 2 * 4
    responses = 4 * (8 + 2)  # eight pages, an image and a redirect per host
    assert run.stat("boltwise/files/skipped/filtered") == responses / 2  # the other two hosts' responses
    assert run.stat("boltwise/files/skipped/not_html") == 2 * 2
    assert run.stat("boltwise/files/skipped/request") == run.stat("boltwise/files/skipped/metadata") == 4 * 8
    assert run.stat("boltwise/files/records") == 1 + responses + 4 * (2 * 8 + 1)  # warcinfo, revisits
    # the progress line counts records, not downloads
    assert "Read " in run.log and " records (at " in run.log and "Crawled 0 pages" not in run.log
    # a pattern over the URLs, on every host
    march = crawl(tmp_path, "files", "-a", f"path={tmp_path}", "-a", "url_pattern=/2025/0[12]/")
    assert march.returncode == 0, march.log
    assert sorted(item["url"] for item in march.items) == sorted(
        u for u in made["articles"] if "/2025/01/" in u or "/2025/02/" in u
    )


def test_files_spider_refuses_a_url_pattern_that_is_no_regex(tmp_path):
    run = crawl(tmp_path, "files", "-a", f"path={tmp_path}", "-a", "url_pattern=(unclosed")
    assert run.returncode != 0 and "url_pattern='(unclosed' is not a regular expression" in run.log
