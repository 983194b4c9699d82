"""Undoing HTTP content codings (gzip, deflate, brotli) with a cap on the decoded size: a body of a
few kilobytes can inflate to gigabytes, so nothing here inflates more than it was asked for."""

from __future__ import annotations

import zlib
from typing import Any, Protocol

try:  # Scrapy depends on brotli for its own decompression; without it, "br" is not supported
    import brotli
except ImportError:  # pragma: no cover
    brotli = None


class Unsupported(ValueError):
    """A content coding this module does not know."""


class TooLarge(ValueError):
    """The decoded body would be larger than the cap."""


class Undecodable(ValueError):
    """The body is not what its coding says: damaged, or cut off before its end."""


class Decoder(Protocol):
    """Fed a body piece by piece: each call returns at most ``limit`` decoded bytes (0: all)."""

    def __call__(self, piece: bytes, limit: int) -> bytes: ...

    @property
    def complete(self) -> bool:
        """Whether the coded stream has ended (a body cut off short has not)."""
        ...


def decoder(coding: str) -> Decoder:
    """A decoder for one ``Content-Encoding`` value."""
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        return _Identity()
    if coding in ("gzip", "x-gzip", "deflate"):
        return _Inflate()
    if coding == "br" and brotli is not None:
        return _Brotli()
    raise Unsupported(f"Content-Encoding {coding!r} is not supported")


def decode(body: bytes, coding: str, max_bytes: int) -> bytes:
    """``body`` decoded; raises :class:`TooLarge` past ``max_bytes`` (0: no cap),
    :class:`Unsupported` or :class:`Undecodable`."""
    decode_piece = decoder(coding)
    try:
        decoded = decode_piece(body, max_bytes + 1 if max_bytes else 0)
    except Exception as exc:  # zlib's and brotli's own error types
        raise Undecodable(f"{type(exc).__name__}: {exc}") from exc
    if max_bytes and len(decoded) > max_bytes:
        raise TooLarge(f"decoded body larger than {max_bytes} bytes")
    if not decode_piece.complete:
        raise Undecodable("the coded stream ends before its end")
    return decoded


class _Identity:
    complete = True

    def __call__(self, piece: bytes, limit: int) -> bytes:
        return piece[:limit] if limit else piece


class _Brotli:
    def __init__(self) -> None:
        self.decompressor = brotli.Decompressor()

    @property
    def complete(self) -> bool:
        return self.decompressor.is_finished()

    def __call__(self, piece: bytes, limit: int) -> bytes:
        if limit:
            return self.decompressor.process(piece, output_buffer_limit=limit)
        return self.decompressor.process(piece)


class _Inflate:
    """gzip, zlib or raw deflate (servers send all three as gzip/deflate). A gzip stream of several
    members (``cat a.gz b.gz``) is read through; bytes after the last member are ignored, as
    Scrapy's own gunzip ignores them."""

    def __init__(self) -> None:
        self.inflater: Any = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
        self.started = self.done = False

    @property
    def complete(self) -> bool:
        return self.started and (self.done or self.inflater is None or self.inflater.eof)

    def __call__(self, piece: bytes, limit: int) -> bytes:
        if not self.started:
            self.started = True
            try:
                return self._inflate(piece, limit)
            except zlib.error:
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # no header: raw deflate
        return self._inflate(piece, limit)

    def _inflate(self, piece: bytes, limit: int) -> bytes:
        out = b""
        while piece and not self.done:
            if self.inflater is None:  # between members: another one, or the end
                if not piece.startswith(b"\x1f\x8b"):
                    self.done = True
                    break
                self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += self.inflater.decompress(piece, limit - len(out) if limit else 0)
            if (limit and len(out) >= limit) or not self.inflater.eof:
                break
            piece, self.inflater = self.inflater.unused_data, None
        return out
