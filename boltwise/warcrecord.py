"""Writing what a crawl receives as WARC/1.1 (``BOLTWISE_RECORD_WARC``), via warcio.

Every exchange becomes a ``response`` record followed by its ``request`` record (linked by
``WARC-Concurrent-To``), each its own gzip member in a ``.warc.gz``, as Common Crawl and wget write
them: a reader can start at any member, and a crawl killed mid-write loses only its last record.
Each file starts with a ``warcinfo`` record naming the software. When a file reaches its size
limit the next record goes to the next file of the series: ``NAME.warc.gz``, ``NAME-00001.warc.gz``,
``NAME-00002.warc.gz``, … A file already there is appended to, never overwritten.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from boltwise.warc import SUFFIXES

_SERIES = re.compile(r"^(.*?)(?:-(\d{5}))?(\.warc(?:\.gz)?)$", re.IGNORECASE)


def series_order(path: Path) -> tuple[str, str, int, str]:
    """A sort key that puts the files of a series in the order they were written (``NAME.warc.gz``,
    then ``NAME-00001.warc.gz``, …), other WARC files by name: replay lets later records win."""
    match = _SERIES.match(path.name)
    if match is None:  # no WARC file's name
        return str(path.parent), path.name, 0, ""
    return str(path.parent), match[1], int(match[2] or 0), match[3].lower()


@dataclass(frozen=True)
class Exchange:
    """One request and the response it got, as the crawler saw them."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes  # as received: still content-encoded (gzip, br), no longer chunked
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None


class WarcSeries:
    """Appends exchanges to a series of WARC files of at most ``max_bytes`` each (0: one file)."""

    def __init__(self, path: Path, max_bytes: int, software: str) -> None:
        name = path.name
        suffix = next((s for s in SUFFIXES if name.lower().endswith(s)), None)
        if suffix is None:
            raise ValueError(f"a WARC file's name ends in .warc.gz or .warc, not {name!r}")
        self.directory, self.stem, self.suffix = path.parent, name[: -len(suffix)], name[-len(suffix) :]
        if max_bytes < 0:
            raise ValueError(f"a WARC file's size limit is 0 (none) or more bytes, not {max_bytes}")
        self.max_bytes = max_bytes
        self.software = software
        self.number = 0
        self.stream: BinaryIO | None = None
        self.writer: WARCWriter | None = None

    @property
    def path(self) -> Path:
        """The file the next record goes to."""
        name = self.stem + (f"-{self.number:05d}" if self.number else "") + self.suffix
        return self.directory / name

    def write(self, exchange: Exchange) -> Path:
        """Write ``exchange``; return the file it went to. Raises OSError (a full disk)."""
        writer = self._writer()
        path = self.path
        status = StatusAndHeaders(_status_line(exchange.status), exchange.response_headers, exchange.protocol)
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.body),
            length=len(exchange.body),
            warc_headers_dict={"WARC-IP-Address": exchange.ip_address} if exchange.ip_address else {},
            http_headers=status,
        )
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=StatusAndHeaders(_request_line(exchange), exchange.request_headers, is_http_request=True),
        )
        assert self.stream is not None
        # processes of a shared crawl started with the same setting append to the same file: the
        # lock keeps each pair whole, and flushing inside it puts every record on disk, so a crawl
        # killed later loses none of them
        with _locked(self.stream):
            writer.write_request_response_pair(request, response)
            size = os.fstat(self.stream.fileno()).st_size
        if self.max_bytes and size >= self.max_bytes:
            self.close()
            self.number += 1
        return path

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = self.writer = None

    def _writer(self) -> WARCWriter:
        if self.writer is None:
            # files a crawl before this one filled are skipped, and the series goes on after them
            while self.max_bytes and self.path.exists() and self.path.stat().st_size >= self.max_bytes:
                self.number += 1
            self.directory.mkdir(parents=True, exist_ok=True)
            self.stream = self.path.open("ab")
            self.writer = WARCWriter(self.stream, gzip=self.suffix.lower() == ".warc.gz", warc_version="1.1")
            info = {"software": self.software, "format": "WARC File Format 1.1"}
            with _locked(self.stream):
                self.writer.write_record(self.writer.create_warcinfo_record(self.path.name, info))
        return self.writer


@contextmanager
def _locked(stream: BinaryIO) -> Iterator[None]:
    """Hold the file's lock while writing, and flush before letting go of it."""
    fcntl.flock(stream, fcntl.LOCK_EX)
    try:
        yield
        stream.flush()
    finally:
        fcntl.flock(stream, fcntl.LOCK_UN)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:  # a status code no standard names
        return str(status)


def _request_line(exchange: Exchange) -> str:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{exchange.method} {target} {exchange.protocol}"
