"""A hostile corpus, generated at test time: a replayable site and a folder of saved files, each case
a page, feed, sitemap, archive or file that once cost boltwise a crawl, a page or its memory.

Every case says what must come of it: ``stored`` (salvaged: an item whose text holds this) or
``log`` (reported: a log line naming its URL or path), and the ``boltwise/…`` stat that counts
it. Big inputs are made here, when the test runs, and kept small where size is not the point.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from boltwise.snapshot import SavedResponse, save

from .conftest import FIXTURES
from .warcs import add, http, write_warc

HOST = "https://hostile.example"
GOOD_TEXT = "Mark Rutte dankte Donald Trump"  # in the good article, stored in the same run as every case
GOOD = (
    FIXTURES / "site" / "nachrichten.example" / "politik" / "rutte-trump-nato-ukraine-gespraech-4711.html"
).read_text("utf-8")
# a good page stripped of its metadata (canonical, JSON-LD, og:*): an article because a sitemap lists it
BODY = GOOD[GOOD.index("<body") : GOOD.index("</body>") + 7]
TEXT = "Die Stadt hat am Montag neue Regeln für den Verkehr in der Innenstadt beschlossen, sagte die Sprecherin. "
ASCII = "Der Rat der Stadt hat am Montag neue Regeln beschlossen, sagte eine Sprecherin am Abend. "
HTML = [("Content-Type", "text/html; charset=utf-8"), ("Date", "Sat, 21 Nov 2026 06:00:00 GMT")]
XML = [("Content-Type", "application/xml")]
# settings the crawls of this corpus run with: small caps, so that big cases stay small
SETTINGS = {
    "DOWNLOAD_MAXSIZE": str(4 * 2**20),
    "BOLTWISE_DISCOVERY_MAX_LINKS": "50",
    "BOLTWISE_WORKER_MAX_MEMORY": "300",
    "BOLTWISE_FILES_MAX_BYTES": str(4 * 2**20),
    "BOLTWISE_DEDUP_ENABLED": "False",  # several cases hold the same text on purpose
}


@dataclass(frozen=True)
class Case:
    name: str
    where: str  # the URL or file path it comes from
    stat: str  # the boltwise/… stat that counts it
    stored: str | None = None  # salvaged: an item from ``where`` whose text holds this
    log: str | None = None  # reported: a line holding this (and ``where``)


def page(text: str, head: str = "", lang: str = "de", filler: str = TEXT) -> str:
    paragraphs = "".join(f"<p>{text} {filler}</p>" for _ in range(4))
    return f'<html lang="{lang}"><head><title>Fall</title>{head}</head><body><article>{paragraphs}</article></body></html>'


def zeros_gzipped(megabytes: int) -> bytes:
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join([*(packer.compress(bytes(2**20)) for _ in range(megabytes)), packer.flush()])


def build_site(directory: Path) -> tuple[list[Case], list[str]]:
    """A replayable site of hostile cases; returns the cases and the spider arguments to crawl it."""
    cases: list[Case] = []
    listed: list[str] = []  # article URLs the sitemap lists

    def serve(path: str, body: bytes, headers=HTML, status: int = 200, listed_: bool = True) -> str:
        url = HOST + path
        # bodies are saved decoded where they decode within the cap: the bomb stays a bomb
        save(directory, SavedResponse(url, status, list(headers), body), int(SETTINGS["DOWNLOAD_MAXSIZE"]))
        if listed_:
            listed.append(url)
        return url

    def stored(name, path, body, text, stat="boltwise/extract/ok", headers=HTML):
        cases.append(Case(name, serve(path, body, headers), stat, stored=text))

    def reported(name, path, body, stat, log, headers=HTML, status=200, listed_=True):
        cases.append(Case(name, serve(path, body, headers, status, listed_), stat, log=log))

    good = serve("/good.html", BODY.encode())
    cases.append(Case("good page", good, "boltwise/store/stored", stored=GOOD_TEXT))
    # encodings lxml does not know, and wrong declarations
    for codec, text in (
        ("utf-16-le", "Grüße"),
        ("euc_jp", "日本語のニュース"),
        ("iso2022_jp", "日本語の記事"),
        ("mac-roman", "Größe"),
    ):
        stored(
            f"{codec} page",
            f"/{codec}.html",
            page(text, lang="", filler=ASCII).encode(codec),
            text,
            headers=[("Content-Type", f"text/html; charset={codec}")],
        )
    stored(
        "UTF-16 with a BOM, no charset",
        "/bom16.html",
        page("Straße").encode("utf-16"),
        "Straße",
        headers=[("Content-Type", "text/html")],
    )
    stored(
        "latin-1 declared UTF-8",
        "/latin1.html",
        page("Müller äußert sich").encode("latin-1"),
        "Müller äußert sich",
    )
    stored(
        "a UTF-8 BOM before latin-1 bytes",
        "/bom-latin1.html",
        b"\xef\xbb\xbf" + page("Straße").encode("latin-1"),
        "Straße",
        headers=[("Content-Type", "text/html")],
    )
    reported(  # Scrapy's own decoding fails on it, before any of boltwise's
        "a charset no codec decodes text with",
        "/undefined.html",
        page("Undefiniert").encode(),
        "boltwise/fetch/dropped/undecodable",
        "'undefined' codec",
        headers=[("Content-Type", "text/html; charset=undefined")],
    )
    stored(
        "a Date header past what a datetime holds",
        "/far-future.html",
        page("Zukunft").encode(),
        "Zukunft",
        headers=[("Content-Type", "text/html"), ("Date", "Fri, 31 Dec 9999 23:59:59 -0100")],
    )
    stored("no Content-Type, sniffed", "/untyped.html", page("Ohne Typ").encode(), "Ohne Typ", headers=[])
    # metadata that used to take the page with it
    jsonld = '<script type="application/ld+json">{}</script>'
    hostile_ld = jsonld.format('{"@type": 5}') + jsonld.format("[" * 100_000 + "]" * 100_000)
    stored(
        "JSON-LD with a number for a type, nested 100,000 deep",
        "/jsonld.html",
        page("Daten", hostile_ld).encode(),
        "Daten",
        "boltwise/extract/bad_jsonld",
    )
    victim = "https://victim.example/politik/artikel.html"
    canonical = f'<link rel="canonical" href="{victim}">'
    stored(
        "canonical pointing at another site",
        "/copy.html",
        page("Kopie", canonical).encode(),
        "Kopie",
        "boltwise/extract/canonical_refused",
    )
    stored(
        "broken canonical URL",
        "/badcanonical.html",
        page("Kaputt", '<link rel="canonical" href="http://[oops">').encode(),
        "Kaputt",
        "boltwise/extract/bad_canonical",
    )
    # pages that hold nothing to store
    reported("empty page", "/empty.html", b"", "boltwise/discovery/unparseable", "Unparseable page, skipped")
    reported(
        "image served as a page",
        "/logo.html",
        b"\x89PNG\r\n\x1a\n" + bytes(200),
        "boltwise/discovery/not_html",
        "Not an HTML page, skipped",
        headers=[("Content-Type", "image/png")],
    )
    deep = "<html><body>" + "<div>" * 100_000 + "tief" + "</div>" * 100_000 + "</body></html>"
    reported("100,000 nested divs", "/deep.html", deep.encode(), "boltwise/extract/no_text", "no article text")
    many = "<html><body>" + "<p>Wort</p>" * 250_000 + "</body></html>"  # 2.75 MB, 250,000 elements
    reported(
        "a page too big for a worker's memory",
        "/huge.html",
        many.encode(),
        "boltwise/extract/out_of_memory",
        "BOLTWISE_WORKER_MAX_MEMORY",
    )
    reported(
        "gzip bomb",
        "/bomb.html",
        zeros_gzipped(64),
        "boltwise/fetch/dropped/too_large",
        "exceeded DOWNLOAD_MAXSIZE",
        headers=[*HTML, ("Content-Encoding", "gzip")],
    )
    # servers that say no, or loop
    reported("gone", "/gone.html", b"", "boltwise/fetch/dropped/http_404", "Not fetched (HTTP 404)", status=404)
    reported("unavailable", "/busy.html", b"", "boltwise/fetch/failed/http_503", "Could not fetch", status=503)
    loop_a, loop_b = HOST + "/loop-a.html", HOST + "/loop-b.html"
    save(directory, SavedResponse(loop_b, 302, [("Location", loop_a)], b""))
    reported(
        "redirect loop",
        "/loop-a.html",
        b"",
        "boltwise/fetch/dropped/duplicate",
        "it redirects to a URL this crawl requested already",
        headers=[("Location", loop_b)],
        status=302,
    )
    reported(
        "redirect to another site",
        "/away.html",
        b"",
        "boltwise/fetch/dropped/filtered",
        "dropped by Scrapy without a response",
        headers=[("Location", "https://elsewhere.example/away.html")],
        status=301,
    )
    # discovery documents: one bad entry, a cut-off feed, no XML at all, a bomb, a listing of 5,000 links
    bad_locs = ("http://[oops", "javascript:alert(1)", "http://hostile.example:99999/port.html", "/good.html")
    bad = "".join(f"<url><loc>{loc}</loc></url>" for loc in bad_locs)
    reported(
        "sitemap with bad entries",
        "/bad-sitemap.xml",
        f"<urlset>{bad}</urlset>".encode(),
        "boltwise/discovery/skipped",
        "entries without a usable URL skipped",
        XML,
        listed_=False,
    )
    truncated = (
        b"<rss><channel><item><link>"
        + (HOST + "/good.html").encode()
        + b"</link></item><item><link>https://hostile.exa"
    )
    reported(
        "feed cut off",
        "/cut-feed.xml",
        truncated,
        "boltwise/discovery/malformed_feed",
        "Malformed feed, 2 entries salvaged",
        XML,
        listed_=False,
    )
    reported(
        "feed that is no XML",
        "/no-feed.xml",
        b"\x00\x01 not xml",
        "boltwise/discovery/malformed_feed",
        "Malformed feed, nothing salvaged",
        XML,
        listed_=False,
    )
    reported(
        "gzipped sitemap bomb",
        "/bomb-sitemap.xml.gz",
        zeros_gzipped(64),
        "boltwise/discovery/malformed_sitemap",
        "more than DOWNLOAD_MAXSIZE",
        XML,
        listed_=False,
    )
    reported(
        "gzipped sitemap that is no gzip",
        "/broken-sitemap.xml.gz",
        b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4,
        "boltwise/discovery/malformed_sitemap",
        "not valid gzip",
        XML,
        listed_=False,
    )
    links = "".join(f'<article><h2><a href="/liste/{i}.html">{i}</a></h2></article>' for i in range(5000))
    listing = f'<html><head><meta property="og:type" content="website"></head><body>{links}<a href="http://[oops">x</a></body></html>'
    reported(
        "listing of 5,000 links",
        "/liste/",
        listing.encode(),
        "boltwise/discovery/cut",
        "links over BOLTWISE_DISCOVERY_MAX_LINKS=50 not followed",
        listed_=False,
    )
    # a WARC beside the saved pages: a dns: record and a truncated record must not stop the replay
    archive = directory / "archive.warc"
    with archive.open("wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        add(
            writer,
            "dns:hostile.example",
            "response",
            b"hostile.example. A 1.2.3.4\n",
            warc_content_type="text/dns",
        )
        add(
            writer,
            HOST + "/archived.html",
            "response",
            page("Aus dem Archiv").encode(),
            http_headers=http(200, HTML),
        )
        add(
            writer,
            HOST + "/cut.html",
            "response",
            page("Abgeschnitten" * 500).encode(),
            http_headers=http(200, HTML),
        )
    archive.write_bytes(archive.read_bytes()[:-2000])
    listed.append(HOST + "/archived.html")
    cases.append(
        Case(
            "WARC with a dns: record, in the replay folder",
            HOST + "/archived.html",
            "boltwise/replay/skipped/dns",
            stored="Aus dem Archiv",
        )
    )
    cases.append(
        Case(
            "truncated WARC record, in the replay folder",
            str(archive),
            "boltwise/replay/unindexed",
            log="bytes missing",
        )
    )
    urlset = "".join(f"<url><loc>{url}</loc></url>" for url in listed)
    serve("/sitemap.xml", f"<urlset>{urlset}</urlset>".encode(), XML, listed_=False)
    sitemaps = ",".join(
        HOST + p for p in ("/sitemap.xml", "/bad-sitemap.xml", "/bomb-sitemap.xml.gz", "/broken-sitemap.xml.gz")
    )
    feeds = ",".join(HOST + p for p in ("/cut-feed.xml", "/no-feed.xml"))
    return cases, ["-a", f"sitemap={sitemaps}", "-a", f"feed={feeds}", "-a", f"url={HOST}/liste/"]


def build_files(directory: Path) -> list[Case]:
    """A folder of hostile saved files for the ``files`` spider."""
    cases: list[Case] = []
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "good.html").write_text(GOOD, "utf-8")
    cases.append(Case("good page", str(directory / "good.html"), "boltwise/store/stored", stored=GOOD_TEXT))
    (directory / "latin1.html").write_bytes(page("Müller äußert sich", '<meta charset="utf-8">').encode("latin-1"))
    cases.append(
        Case(
            "latin-1 declared UTF-8",
            str(directory / "latin1.html"),
            "boltwise/extract/ok",
            stored="Müller äußert sich",
        )
    )
    (directory / "utf16.html").write_bytes(page("Straße").encode("utf-16"))
    cases.append(Case("UTF-16 file", str(directory / "utf16.html"), "boltwise/extract/ok", stored="Straße"))
    (directory / "bomb.html.gz").write_bytes(zeros_gzipped(64))
    cases.append(
        Case(
            "gzip bomb file",
            str(directory / "bomb.html.gz"),
            "boltwise/files/error/too_large",
            log="Cannot ingest",
        )
    )
    (directory / "cut.html.gz").write_bytes(gzip.compress(page("Abgeschnitten").encode())[:-30])
    cases.append(
        Case(
            "gzipped page cut off",
            str(directory / "cut.html.gz"),
            "boltwise/files/error/broken",
            log="not valid gzip",
        )
    )
    (directory / "bom-latin1.html").write_bytes(b"\xef\xbb\xbf" + page("Straße").encode("latin-1"))
    cases.append(
        Case(
            "a UTF-8 BOM before latin-1 bytes",
            str(directory / "bom-latin1.html"),
            "boltwise/extract/ok",
            stored="Straße",
        )
    )
    (directory / "binary.txt").write_bytes(bytes(range(256)) * 64)
    cases.append(
        Case(
            "binary text file",
            str(directory / "binary.txt"),
            "boltwise/files/error/undecodable",
            log="Cannot ingest",
        )
    )
    (directory / "empty.html").write_bytes(b"")
    cases.append(
        Case("empty file", str(directory / "empty.html"), "boltwise/files/error/empty", log="Cannot ingest")
    )
    # one WARC holding every kind of trouble, and pages before and after it
    archive = directory / "crawl.warc.gz"
    ok = http(200, HTML)
    with archive.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "hostile"}))
        add(writer, "dns:archiv.example", "response", b"archiv.example. A 1.2.3.4\n", warc_content_type="text/dns")
        request = StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True)
        add(writer, "https://archiv.example/", "request", b"", http_headers=request)
        bomb = http(200, [*HTML, ("Content-Encoding", "gzip")])
        add(writer, "https://archiv.example/bomb.html", "response", zeros_gzipped(64), http_headers=bomb)
        add(
            writer,
            "https://archiv.example/vorher.html",
            "response",
            page("Vor dem Schaden").encode(),
            http_headers=ok,
        )
        untyped = page("Ohne Typ im Archiv").encode()
        add(writer, "https://archiv.example/untyped.html", "response", untyped, http_headers=http(200, []))
        add(
            writer,
            "https://archiv.example/",
            "metadata",
            b"via: hostile\n",
            warc_content_type="application/warc-fields",
        )
    members = archive.read_bytes()
    with archive.open("ab") as stream:
        stream.write(b"\x1f\x8b\x08" + bytes(500))  # a damaged gzip member
        writer = WARCWriter(stream, gzip=True)
        add(
            writer,
            "https://archiv.example/nachher.html",
            "response",
            page("Nach dem Schaden").encode(),
            http_headers=ok,
        )
    assert len(archive.read_bytes()) > len(members)
    for kind in ("dns", "warcinfo", "request", "metadata"):
        cases.append(Case(f"{kind} record", str(archive), f"boltwise/files/skipped/{kind}"))
    cases.append(
        Case(
            "gzip bomb record",
            str(archive),
            "boltwise/files/error/too_large",
            log="https://archiv.example/bomb.html",
        )
    )
    cases.append(Case("damaged gzip member", str(archive), "boltwise/files/error/broken", log="cannot be parsed"))
    for name, url, text in (
        ("record before the damage", "https://archiv.example/vorher.html", "Vor dem Schaden"),
        ("record without Content-Type", "https://archiv.example/untyped.html", "Ohne Typ im Archiv"),
        ("record after the damage", "https://archiv.example/nachher.html", "Nach dem Schaden"),
    ):
        cases.append(Case(name, url, "boltwise/extract/ok", stored=text))
    cut = write_warc(
        directory / "z-cut.warc",
        [("https://archiv.example/cut.html", 200, HTML, page("Abgeschnitten" * 500).encode())],
    )
    cut.write_bytes(cut.read_bytes()[:-3000])
    cases.append(Case("truncated WARC record", str(cut), "boltwise/files/error/truncated", log="bytes missing"))
    (directory / "notes.json").write_text(json.dumps({"not": "an article"}))
    cases.append(
        Case(
            "unsupported file",
            str(directory / "notes.json"),
            "boltwise/files/unsupported",
            log="Not a supported saved-article file",
        )
    )
    (directory / "page.html.gz").write_bytes(gzip.compress(page("Gepackt").encode()))
    cases.append(Case("gzipped page", str(directory / "page.html.gz"), "boltwise/extract/ok", stored="Gepackt"))
    return cases
