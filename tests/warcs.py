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
