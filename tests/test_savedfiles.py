import asyncio
import gzip

import pytest
from scrapy.utils.test import get_crawler

from boltwise import savedfiles
from boltwise.items import Article, Page
from boltwise.savedfiles import (
    BrokenFile,
    EmptyFile,
    Skipped,
    TooLarge,
    Undecodable,
    is_supported,
    read,
    walk,
)
from boltwise.spiders.files import FilesSpider

from .conftest import FIXTURES
from .warcs import write_warc

HTML = "<html><head><meta charset='windows-1252'></head><body><p>Gr\xfc\xdfe</p></body></html>"


def only(path, max_bytes=10_000_000):
    results = list(read(path, max_bytes))
    assert len(results) == 1
    return results[0]


def test_text_file_becomes_an_article(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Überschrift\nText mit Umlauten.\n", "utf-8")
    article = only(path)
    assert isinstance(article, Article)
    assert article.text == "Überschrift\nText mit Umlauten.\n"
    assert article.source == str(path) and article.word_count == 4
    assert article.fetched_at.endswith("+00:00")


def test_html_uses_its_declared_charset_and_gz_works(tmp_path):
    (tmp_path / "p.html").write_bytes(HTML.encode("cp1252"))
    (tmp_path / "p.html.gz").write_bytes(gzip.compress(HTML.encode("cp1252")))
    for name in ("p.html", "p.html.gz"):
        result = only(tmp_path / name)
        assert isinstance(result, Page) and "Grüße" in result.html


def test_utf8_bom_is_removed(tmp_path):
    path = tmp_path / "b.txt"
    path.write_bytes("\ufeffHallo Welt".encode("utf-8-sig"))
    assert only(path).text == "Hallo Welt"


def test_bad_files_are_reported_not_raised(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.html").write_bytes(b"  \n ")
    (tmp_path / "broken.html.gz").write_bytes(b"\x1f\x8bnot really gzip")
    (tmp_path / "big.txt").write_bytes(b"x" * 200)
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    assert isinstance(only(tmp_path / "empty.txt"), EmptyFile)
    assert isinstance(only(tmp_path / "blank.html"), EmptyFile)
    assert isinstance(only(tmp_path / "broken.html.gz"), BrokenFile)
    assert isinstance(only(tmp_path / "big.txt", max_bytes=100), TooLarge)
    assert isinstance(only(tmp_path / "binary.txt"), Undecodable)


def test_warc_yields_each_html_response(tmp_path):
    html = [("Content-Type", "text/html; charset=utf-8")]
    path = write_warc(
        tmp_path / "c.warc.gz",
        [
            ("https://w.example/1", 200, html, b"<p>eins</p>"),
            ("https://w.example/logo.png", 200, [("Content-Type", "image/png")], b"\x89PNG"),
            ("https://w.example/old", 301, [("Location", "/1")], b""),
            ("https://w.example/2", 200, html, b""),
        ],
    )
    results = list(read(path, 0))
    assert [r.source for r in results if isinstance(r, Page)] == ["https://w.example/1"]
    assert results[1:] == [Skipped("not_html"), Skipped("not_html"), results[-1]]
    assert isinstance(results[-1], EmptyFile)


def test_damaged_warc_is_reported(tmp_path):
    path = tmp_path / "d.warc"
    path.write_bytes(b"this is not a WARC file at all\r\n\r\n")
    assert any(isinstance(r, BrokenFile) for r in read(path, 0))


def test_walk_is_sorted_and_recursive(tmp_path):
    for name in ("b/2.txt", "a.txt", "b/1.html", "c.json"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in walk(tmp_path)] == [
        "a.txt",
        "b/1.html",
        "b/2.txt",
        "c.json",
    ]
    assert not is_supported(tmp_path / "c.json")
    assert [p.name for p in walk(FIXTURES / "articles")][:1] == ["000_8393ffbcd8907b3d.txt"]


def test_files_spider_reads_a_warc_one_record_at_a_time(tmp_path, monkeypatch):
    html = [("Content-Type", "text/html; charset=utf-8")]
    records = [(f"https://w.example/{n}", 200, html, b"<p>eine Seite</p>") for n in range(50)]
    write_warc(tmp_path / "many.warc", records)
    pulled = []

    def counting(path, max_bytes, keep):
        for result in read(path, max_bytes, keep):
            pulled.append(result)
            yield result

    monkeypatch.setattr(savedfiles, "read", counting)
    crawler = get_crawler(FilesSpider)
    crawler.spider = spider = FilesSpider.from_crawler(crawler, path=str(tmp_path))
    first = asyncio.run(anext(spider.start()))
    assert first.source == "https://w.example/0"
    assert len(pulled) == 1  # not the whole file ahead of the pipelines


def test_the_record_filter_matches_domains_with_their_subdomains_and_a_pattern():
    keep = savedfiles.RecordFilter.parse(" www.Zeitung.example, münchen.example ,", r"/20(24|25)/")
    assert keep.domains == ("zeitung.example", "xn--mnchen-3ya.example")
    assert keep("https://zeitung.example/2025/a.html")
    assert keep("https://region.zeitung.example/2024/b.html")
    assert keep("https://xn--mnchen-3ya.example/2025/c.html")
    assert not keep("https://zeitung.example/2023/a.html")  # the pattern
    assert not keep("https://neuezeitung.example/2025/a.html")  # another domain that ends alike
    assert not keep("not a url")
    assert not savedfiles.RecordFilter.parse("", "") and savedfiles.RecordFilter.parse("", "x")
    with pytest.raises(ValueError, match="not a regular expression"):
        savedfiles.RecordFilter.parse("", "(")
    with pytest.raises(ValueError, match="host names such as"):  # a URL would match nothing, silently
        savedfiles.RecordFilter.parse("https://zeitung.example/", "")


def test_a_filter_leaves_saved_files_without_url_unread(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<p>Text</p>")
    keep = savedfiles.RecordFilter.parse("zeitung.example", "")
    assert list(savedfiles.read(page, 0, keep)) == [savedfiles.Skipped("filtered")]
    assert isinstance(next(savedfiles.read(page, 0, savedfiles.RecordFilter())), Page)
