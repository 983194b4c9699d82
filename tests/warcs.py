"""Writing small WARC files for tests (warcio's writer)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def write_warc(path: Path, records: list[tuple[str, int, list[tuple[str, str]], bytes]]) -> Path:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=path.name.endswith(".gz"))
        for url, status, headers, body in records:
            http = StatusAndHeaders(f"{status} OK", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=BytesIO(body), length=len(body), http_headers=http
            )
            writer.write_record(record)
    return path
