"""Bytes to text: every encoding Python knows, wrong declarations, and telling HTML without a type."""

import pytest

from boltwise.textcodec import decode, sniff_html

PAGE = "<html><head><title>Nachrichten</title></head><body><p>Heute: {}</p></body></html>"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-16-le", "Grüße"),
        ("utf-16-be", "Grüße"),
        ("euc_jp", "日本語のニュース"),
        ("euc_kr", "한국어 뉴스"),
        ("iso2022_jp", "日本語のニュース"),
        ("mac-roman", "Grüße"),
        ("cp1252", "Grüße – „Zitat“"),
    ],
)
def test_encodings_lxml_does_not_know_are_decoded_by_python(encoding, text):
    page = PAGE.format(text)
    assert decode(page.encode(encoding), content_type=f"text/html; charset={encoding}") == page


def test_a_bom_wins_over_everything():
    page = PAGE.format("Grüße")
    assert decode("\ufeff".encode("utf-16-le") + page.encode("utf-16-le"), content_type="text/html") == page
    assert decode(b"\xef\xbb\xbf" + page.encode(), content_type="text/html; charset=iso-8859-1") == page


def test_latin1_bytes_declared_as_utf8_come_out_right():
    page = PAGE.format("Grüße")
    assert decode(page.encode("latin-1"), content_type="text/html; charset=utf-8") == page
    meta = '<meta charset="utf-8">' + page
    assert decode(meta.encode("latin-1")) == meta  # declared in the page, not the header


def test_valid_utf8_wins_over_a_charset_that_contradicts_it():
    """A page saved as UTF-8 that still declares its old charset (found on real news pages): the
    declaration would turn every umlaut into two characters."""
    meta = '<meta charset="iso-8859-1">' + PAGE.format("Grüße – „Zitat“")
    assert decode(meta.encode("utf-8")) == meta
    assert decode(PAGE.format("Grüße").encode(), content_type="text/html; charset=windows-1252") == PAGE.format(
        "Grüße"
    )
    ascii_page = '<meta charset="iso-8859-1">' + PAGE.format("Gruesse")  # nothing to contradict
    assert decode(ascii_page.encode()) == ascii_page
    latin1 = '<meta charset="iso-8859-1">' + PAGE.format("Grüße")  # not valid UTF-8: the declaration stands
    assert decode(latin1.encode("latin-1")) == latin1


def test_unknown_charset_names_fall_back():
    page = PAGE.format("Grüße")
    assert decode(page.encode(), content_type="text/html; charset=x-no-such-thing") == page


@pytest.mark.parametrize(
    ("body", "is_html"),
    [
        (b"<!DOCTYPE html><html>", True),
        (b"\n  <html lang='de'>", True),
        (b"<HTML>", True),
        (b"\xef\xbb\xbf<html>", True),
        ("<html>".encode("utf-16"), True),
        (b"<!-- generated --><div>", True),
        (b"<p>only a paragraph</p>", True),
        (b'<?xml version="1.0"?><rss>', False),
        (b'{"json": true}', False),
        (b"<abbr>not a signature</abbr>", False),
        (b"\x89PNG\r\n", False),
        (b"", False),
    ],
)
def test_sniff_html_follows_the_mime_sniffing_standard(body, is_html):
    assert sniff_html(body) is is_html
