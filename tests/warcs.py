"""Writing small WARC files for tests (warcio's writer)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def add(writer: WARCWriter, uri: str, kind: str, payload: bytes, **kwargs) -> ArcWarcRecord:
    """Write one record of any kind (length given: warcio would otherwise spool it to a temp file)."""
    record = writer.create_warc_record(uri, kind, payload=BytesIO(payload), length=len(payload), **kwargs)
    writer.write_record(record)
    return record


def http(status: int, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    return StatusAndHeaders(f"{status} OK", headers, protocol="HTTP/1.1")


def write_warc(path: Path, records: list[tuple[str, int, list[tuple[str, str]], bytes]], mode: str = "wb") -> Path:
    """Response records (URL, status, headers, body), in a .warc or, by its name, a .warc.gz."""
    with path.open(mode) as stream:
        writer = WARCWriter(stream, gzip=path.name.endswith(".gz"))
        for url, status, headers, body in records:
            add(writer, url, "response", body, http_headers=http(status, headers))
    return path


def _article_page(n: int, head: str) -> bytes:
    from boltwise.bench.sitegen import paragraphs

    text = "".join(f"<p>{p}</p>" for p in paragraphs(n))
    return (
        f'<html lang="de"><head><title>Meldung {n}</title>{head}</head><body><nav><a href="/">Start</a>'
        f'<a href="/politik/">Politik</a></nav><article><h1>Meldung {n}</h1>{text}</article></body></html>'
    ).encode()


def _listing_page(head: str, links: list[str]) -> bytes:
    teasers = "".join(f'<article><h2><a href="{link}">Teaser</a></h2><p>Kurz.</p></article>' for link in links)
    return f'<html lang="de"><head><title>Übersicht</title>{head}</head><body>{teasers}</body></html>'.encode()


NEWS_ARTICLE = '<script type="application/ld+json">{"@type": "NewsArticle"}</script>'
OG_WEBSITE = '<meta property="og:type" content="website">'
COLLECTION = '<script type="application/ld+json">{"@type": "CollectionPage"}</script>'


def cc_news_warc(path: Path, hosts: tuple[str, ...]) -> dict[str, list[str]]:
    """A WARC as CC-NEWS files are: many sites' responses, each after its request record and
    before a metadata record, with revisits, redirects and images between. Per host: articles
    (one declared NewsArticle, one declaring nothing, one served without Content-Type, one saying
    only og:type website), and listing pages (a home page, a section known by its links, a
    declared CollectionPage, a tag page known by its URL). Returns each host's article and listing
    URLs."""
    html = [("Content-Type", "text/html; charset=utf-8")]
    made: dict[str, list[str]] = {"articles": [], "listings": []}
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=path.name.endswith(".gz"))
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for h, host in enumerate(hosts):
            base = f"https://{host}"
            articles = [f"{base}/2025/0{i}/meldung-{h}-{i}.html" for i in range(4)]
            pages = [
                (articles[0], html, _article_page(10 * h, NEWS_ARTICLE)),
                (articles[1], html, _article_page(10 * h + 1, "")),
                (articles[2], [], _article_page(10 * h + 2, "")),
                (articles[3], html, _article_page(10 * h + 3, OG_WEBSITE)),
            ]
            listings = [f"{base}/", f"{base}/politik/", f"{base}/archiv/2025/", f"{base}/thema/nato/"]
            pages += [
                (listings[0], html, _listing_page(OG_WEBSITE, articles)),
                (listings[1], html, _listing_page(OG_WEBSITE, articles[:2])),
                (listings[2], html, _listing_page(COLLECTION, [])),
                (listings[3], html, _listing_page("", [])),
            ]
            for url, headers, body in pages:
                request = f"GET {url.partition(host)[2]} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
                add(writer, url, "request", request, warc_content_type="application/http; msgtype=request")
                add(writer, url, "response", body, http_headers=http(200, headers))
                add(writer, url, "metadata", b"fetchTimeMs: 120\r\n", warc_content_type="application/warc-fields")
            add(
                writer,
                f"{base}/logo.png",
                "response",
                b"\x89PNG",
                http_headers=http(200, [("Content-Type", "image/png")]),
            )
            add(writer, f"{base}/alt", "response", b"", http_headers=http(301, [("Location", f"{base}/")]))
            add(
                writer,
                articles[0],
                "revisit",
                b"",
                warc_headers_dict={
                    "WARC-Profile": "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
                },
            )
            made[host] = articles
            made["articles"] += articles
            made["listings"] += listings
    return made
