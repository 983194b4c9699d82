"""Turning saved bytes into text without guessing silently."""

from __future__ import annotations

import contextlib

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom


class UndecodableError(ValueError):
    """No encoding decodes the bytes: neither a declared one, UTF-8, nor a detected one."""


def decode(data: bytes, *, content_type: str | None = None, html: bool = True) -> str:
    """Decode ``data``: BOM, valid UTF-8, declared charset (header, HTML meta), then detection.

    Each strategy either decodes all of ``data`` strictly or gives way to the next: a BOM before
    bytes it does not fit, or a declared name that is no codec for text (``undefined``,
    ``punycode``, ``base64``), is only a wrong guess.
    """
    bom_encoding, bom = read_bom(data)
    if bom_encoding:
        try:
            return data[len(bom) :].decode(bom_encoding).lstrip("\ufeff")  # and a BOM doubled
        except UnicodeDecodeError:
            data = data[len(bom) :]  # a BOM before bytes it does not fit: the rest decides
    if not data.isascii():
        # bytes that are valid UTF-8 and not ASCII are UTF-8, whatever a header or a <meta> says
        # (a page saved as UTF-8 keeps its old meta charset=iso-8859-1): legacy multi-byte text is
        # next to never valid UTF-8, and lxml would otherwise turn it into mojibake
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-8")
    declared = http_content_type_encoding(content_type) if content_type else None
    if declared is None and html:
        declared = html_body_declared_encoding(data)
    for encoding in (declared, "utf-8"):
        if encoding is None:
            continue
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeError):  # no such codec, no text codec (base64), bytes it refuses
            continue
    guess = from_bytes(data).best()
    if guess is None or guess.encoding is None:
        raise UndecodableError("no encoding decodes it (not UTF-8, no declared or detectable charset)")
    return str(guess)


# the HTML signatures of the WHATWG MIME Sniffing Standard ("rules for identifying a resource with
# an unknown MIME type"): written out here because the libraries that sniff types (libmagic and its
# wrappers) would be a native dependency for a dozen byte patterns, and Scrapy's own guess looks for
# "<html>" and "<!doctype html>" only, missing every <html lang="…">
_HTML_SIGNATURES = (
    "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font", "<table",
    "<a", "<style", "<title", "<b", "<body", "<br", "<p",
)  # fmt: skip


def is_html(content_type: str | None, data: bytes) -> bool:
    """Whether a response or saved record is an HTML page: by its declared type, else sniffed.

    The declared type, not Scrapy's response class: Scrapy makes a PNG an HtmlResponse when its URL
    ends in .html."""
    mime = (content_type or "").split(";")[0].strip().lower()
    return "html" in mime if mime else sniff_html(data)


def sniff_html(data: bytes) -> bool:
    """Whether bytes without a declared type are an HTML document, as browsers decide it."""
    prefix = data[:1024]
    bom_encoding, _ = read_bom(prefix)
    text = prefix.decode(bom_encoding or "latin-1", "ignore").lstrip("\ufeff\t\n\f\r ").lower()
    if text.startswith("<!--"):
        return True
    return any(text.startswith(sig) and text[len(sig) : len(sig) + 1] in (" ", ">") for sig in _HTML_SIGNATURES)
