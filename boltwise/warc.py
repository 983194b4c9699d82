"""Reading HTTP responses out of WARC files (``.warc`` and ``.warc.gz``), via warcio, defensively.

Web archives come from many crawlers and arrive damaged. So:

* a body is decoded (chunked transfer, gzip/deflate/brotli content) with a cap on its decoded
  size: warcio's own decoding inflates a whole chunk, or 16 MB per read, and a gzip bomb with it;
* records that are not HTTP responses — ``warcinfo``, ``request``, ``metadata``, ``resource``,
  ``revisit`` (a capture whose payload an earlier record holds) and ``dns:`` responses — are
  skipped, named, not treated as errors;
* a record whose file ends before its declared length, or whose length does not end where the
  next record begins, is reported as truncated instead of passed on as a whole page;
* after a record warcio cannot parse, the reader looks for where the next record starts and
  goes on from there.

What the reader finds is yielded, never raised: :class:`WarcResponse`, :class:`WarcSkip`, or
:class:`WarcProblem`.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.recordloader import ArcWarcRecord

from boltwise import contentcoding

SUFFIXES = (".warc", ".warc.gz")
# decoded here, so they no longer describe the body handed on
_DECODED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_PIECE = 64 * 1024


@dataclass
class WarcResponse:
    uri: str
    date: str | None  # WARC-Date, ISO 8601
    status: int
    headers: list[tuple[str, str]]
    offset: int  # where the record starts, to read it again later
    body: bytes | None = None  # None when read with bodies=False


@dataclass
class WarcSkip:
    """A record that is not an HTTP response: nothing wrong with it, nothing to ingest."""

    offset: int
    uri: str | None
    kind: str  # warcinfo, request, metadata, resource, revisit, dns, ...


@dataclass
class WarcProblem:
    offset: int
    uri: str | None
    reason: str  # broken | truncated | too_large | encoding: short and stable, for stats names
    detail: str

    def __str__(self) -> str:
        return f"WARC record at offset {self.offset}{f' ({self.uri})' if self.uri else ''}: {self.detail}"


WarcItem = WarcResponse | WarcSkip | WarcProblem


def iter_records(
    path: Path, max_bytes: int = 0, *, bodies: bool = True, keep: Callable[[str], bool] | None = None
) -> Iterator[WarcItem]:
    """Every record of a WARC file, in file order; bodies decoded up to ``max_bytes`` (0: no cap).

    With ``bodies=False`` responses come without body and their encoding is not decoded (the
    archive is only indexed); truncation is still detected. A response whose URI ``keep`` refuses
    is a :class:`WarcSkip` of kind ``filtered``, its body not even decoded.
    """
    with path.open("rb") as stream:
        position = 0
        while position >= 0:
            stream.seek(position)
            records = ArchiveIterator(stream)
            start = position
            try:
                for record in records:
                    start = records.offset
                    item = _item(records, record, start, max_bytes, bodies, keep)
                    yield item
                    if isinstance(item, WarcProblem) and item.reason == "truncated":
                        raise _Resync  # a gzip member cut short hides the records after it
                return
            except Exception as exc:  # warcio raises many types for a damaged archive
                if not isinstance(exc, _Resync):
                    start = max(start, records.offset)  # the record it could not parse
                    yield _unparseable(start, exc)
                position = _next_record_start(stream, start + 1)


def read_response(path: Path, offset: int, max_bytes: int = 0) -> WarcResponse | WarcProblem:
    """The response record that starts at ``offset`` (from :func:`iter_records`), body decoded."""
    with path.open("rb") as stream:
        stream.seek(offset)
        records = ArchiveIterator(stream)
        try:
            item = _item(records, next(records), offset, max_bytes, bodies=True, keep=None)
        except Exception as exc:
            return _unparseable(offset, exc)
    if isinstance(item, WarcSkip):
        return WarcProblem(offset, item.uri, "broken", f"a {item.kind} record, not a response")
    return item


def _unparseable(offset: int, exc: Exception) -> WarcProblem:
    # warcio quotes the bytes it choked on: escaped and cut short, so the log stays readable text
    return WarcProblem(offset, None, "broken", f"cannot be parsed ({type(exc).__name__}: {str(exc)[:120]!a})")


class _Resync(Exception):
    pass


class _Unreadable(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def _item(
    records: ArchiveIterator,
    record: ArcWarcRecord,
    offset: int,
    max_bytes: int,
    bodies: bool,
    keep: Callable[[str], bool] | None,
) -> WarcItem:
    uri = record.rec_headers.get_header("WARC-Target-URI")
    http = record.http_headers
    if record.format != "warc":  # warcio reads any line of words as an old ARC record header
        return WarcProblem(offset, None, "broken", f"not a WARC record ({record.format} header)")
    if record.rec_type != "response" or http is None:
        kind = record.rec_type if record.rec_type != "response" else (uri or "").partition(":")[0] or "unknown"
        return WarcSkip(offset, uri, kind)
    if keep is not None and not keep(uri or ""):
        return WarcSkip(offset, uri, "filtered")  # ArchiveIterator skips the rest of the record
    body = None
    errors = records.err_count
    try:
        status = int(http.get_statuscode())
        if bodies:
            body = _decoded_body(record, max_bytes)
    except _Unreadable as exc:
        return WarcProblem(offset, uri, exc.reason, str(exc))
    except (TypeError, ValueError):
        return WarcProblem(offset, uri, "broken", f"HTTP status {http.get_statuscode()!r} is not a number")
    finally:
        _drain(record)  # the raw rest only: nothing more is decoded
    if record.raw_stream.limit > 0:
        return WarcProblem(offset, uri, "truncated", f"{record.raw_stream.limit} of {record.length} bytes missing")
    records.read_to_end()
    if records.err_count != errors:  # its length does not end where the next record starts
        return WarcProblem(offset, uri, "truncated", "the declared length does not match the record")
    return WarcResponse(
        uri=uri,
        date=record.rec_headers.get_header("WARC-Date"),
        status=status,
        headers=[(k, v) for k, v in http.headers if k.lower() not in _DECODED_HEADERS],
        offset=offset,
        body=body,
    )


def _decoded_body(record: ArcWarcRecord, max_bytes: int) -> bytes:
    http = record.http_headers
    raw: BinaryIO = record.raw_stream  # positioned after the HTTP headers
    if "chunked" in (http.get_header("Transfer-Encoding") or "").lower():
        # dechunking holds one chunk at a time, and a chunk is no larger than the record
        raw = ChunkedDataReader(raw)
    try:
        decode = contentcoding.decoder(http.get_header("Content-Encoding") or "")
    except contentcoding.Unsupported as exc:
        raise _Unreadable("encoding", str(exc)) from exc
    limit = max_bytes + 1 if max_bytes else None  # one byte past the cap tells "over it"
    out, size = [], 0
    try:
        while limit is None or size < limit:
            piece = raw.read(_PIECE)
            if not piece:
                break
            piece = decode(piece, limit - size if limit else 0)
            out.append(piece)
            size += len(piece)
    except Exception as exc:  # zlib, brotli and the dechunker each raise their own types
        raise _Unreadable("encoding", f"body does not decode ({type(exc).__name__}: {exc})") from exc
    if limit is not None and size >= limit:
        raise _Unreadable("too_large", f"decoded body larger than {max_bytes} bytes")
    if out and not decode.complete:  # a crawler saved a response that was cut off
        raise _Unreadable("truncated", "the body's compressed stream ends before its end")
    return b"".join(out)


def _drain(record: ArcWarcRecord) -> None:
    while record.raw_stream.read(_PIECE):
        pass


def _next_record_start(stream: BinaryIO, after: int) -> int:
    """Where the next record may start after ``after``: a gzip member in a .warc.gz, a WARC
    version line in a .warc; -1 when there is none."""
    stream.seek(0)
    gzipped = stream.read(2) == b"\x1f\x8b"
    try:
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return data.find(b"\x1f\x8b\x08" if gzipped else b"WARC/1.", after)
    except ValueError:  # an empty file cannot be mapped
        return -1
