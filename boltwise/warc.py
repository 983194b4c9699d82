"""Reading HTTP responses out of WARC files (``.warc`` and ``.warc.gz``), via warcio."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

# warcio's content_stream() has already undone these, so they no longer describe the body
_DECODED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


@dataclass
class WarcResponse:
    uri: str
    date: str | None  # WARC-Date, ISO 8601
    status: int
    headers: list[tuple[str, str]]
    offset: int  # where the record starts, to read it again later
    body: bytes | None = None  # None when iterated with bodies=False


def iter_responses(path: Path, *, bodies: bool = True) -> Iterator[WarcResponse]:
    """Yield every HTTP response record of a WARC file, in file order."""
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type != "response":
                continue
            # the body first: asking warcio for the offset before reading it empties the stream
            body = record.content_stream().read() if bodies else None
            yield _response(record, records.get_record_offset(), body)


def read_response(path: Path, offset: int) -> WarcResponse:
    """Read the response record that starts at ``offset`` (from :func:`iter_responses`)."""
    with path.open("rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream):
            return _response(record, offset, record.content_stream().read())
    raise ValueError(f"no WARC record at offset {offset} of {path}")


def _response(record: ArcWarcRecord, offset: int, body: bytes | None) -> WarcResponse:
    http = record.http_headers
    uri = record.rec_headers.get_header("WARC-Target-URI")
    if http is None or not uri:
        raise ValueError(f"response record at offset {offset} has no target URI or HTTP headers")
    return WarcResponse(
        uri=uri,
        date=record.rec_headers.get_header("WARC-Date"),
        status=int(http.get_statuscode() or 0),
        headers=[(k, v) for k, v in http.headers if k.lower() not in _DECODED_HEADERS],
        offset=offset,
        body=body,
    )
