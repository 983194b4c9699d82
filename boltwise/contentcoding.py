"""Undoing HTTP content codings (gzip, deflate, brotli) with a cap on the decoded size: a body of a
few kilobytes can inflate to gigabytes, so nothing here inflates more than it was asked for."""

from __future__ import annotations

import zlib
from collections.abc import Callable

try:  # Scrapy depends on brotli for its own decompression; without it, "br" is not supported
    import brotli
except ImportError:  # pragma: no cover
    brotli = None


class Unsupported(ValueError):
    """A content coding this module does not know."""


class TooLarge(ValueError):
    """The decoded body would be larger than the cap."""


Decoder = Callable[[bytes, int], bytes]  # (a coded piece, most bytes to return or 0 for all) -> decoded


def decoder(coding: str) -> Decoder:
    """A decoder for one ``Content-Encoding`` value, fed the body piece by piece."""
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        return lambda piece, limit: piece[:limit] if limit else piece
    if coding in ("gzip", "x-gzip", "deflate"):
        return _Inflate()
    if coding == "br" and brotli is not None:
        decompressor = brotli.Decompressor()
        return lambda piece, limit: (
            decompressor.process(piece, output_buffer_limit=limit) if limit else decompressor.process(piece)
        )
    raise Unsupported(f"Content-Encoding {coding!r} is not supported")


def decode(body: bytes, coding: str, max_bytes: int) -> bytes:
    """``body`` decoded; raises :class:`TooLarge` past ``max_bytes`` (0: no cap), :class:`Unsupported`,
    or the decoder's own error for a body that does not decode."""
    decoded = decoder(coding)(body, max_bytes + 1 if max_bytes else 0)
    if max_bytes and len(decoded) > max_bytes:
        raise TooLarge(f"decoded body larger than {max_bytes} bytes")
    return decoded


class _Inflate:
    """gzip, zlib or raw deflate (servers send all three as gzip/deflate), never more out than asked."""

    def __init__(self) -> None:
        self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
        self.started = False

    def __call__(self, piece: bytes, limit: int) -> bytes:
        if not self.started:
            self.started = True
            try:
                return self.inflater.decompress(piece, limit)
            except zlib.error:
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate
        return self.inflater.decompress(piece, limit)
