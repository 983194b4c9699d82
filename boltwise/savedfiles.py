"""Reading saved article files: ``.txt``, ``.html``/``.htm`` (optionally ``.gz``), ``.warc[.gz]``.

Plain functions over paths: the ``files`` spider only adapts them to Scrapy. Every problem with a
file is a :class:`SavedFileError` naming the reason, so the caller can report it per file and go on;
a WARC record that holds no page to ingest (a redirect, an image, a request record) is
:class:`Skipped`, with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from boltwise import contentcoding, warc
from boltwise.items import Article, Page
from boltwise.textcodec import UndecodableError, decode, is_html
from boltwise.urls import on_domains, site_of

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt",)
WARC_SUFFIXES = warc.SUFFIXES
SUPPORTED_SUFFIXES = HTML_SUFFIXES + TEXT_SUFFIXES + WARC_SUFFIXES


class SavedFileError(Exception):
    reason = "error"  # short, stable: used in stats names


class EmptyFile(SavedFileError):
    reason = "empty"


class TooLarge(SavedFileError):
    reason = "too_large"


class Undecodable(SavedFileError):
    reason = "undecodable"


class BrokenFile(SavedFileError):
    reason = "broken"


class Truncated(SavedFileError):
    reason = "truncated"


# what the WARC reader's problems are, as saved-file errors
_WARC_PROBLEMS = {"broken": BrokenFile, "truncated": Truncated, "too_large": TooLarge, "encoding": Undecodable}


@dataclass(frozen=True)
class Skipped:
    """A record with nothing to ingest: ``reason`` is its WARC record type (``request``,
    ``metadata``, ``revisit``, ``dns``, …), ``not_html`` (a redirect, an image, a script) or
    ``filtered`` (not what the record filter keeps)."""

    reason: str


@dataclass(frozen=True)
class RecordFilter:
    """Which records to read, by URL: on one of ``domains`` (subdomains included, ``www.`` or not)
    and matching ``pattern`` (searched anywhere in the URL). No filter set: every record."""

    domains: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, domains: str, pattern: str) -> RecordFilter:
        """From the spider's arguments; raises ValueError for a pattern that is no regex."""
        names = tuple(_domain(d) for d in domains.split(",") if d.strip())
        if bad := [name for name in names if not re.fullmatch(r"[a-z0-9.-]+", name)]:
            raise ValueError(f"domains= takes host names such as zeitung.example, not {', '.join(bad)}")
        try:
            return cls(names, re.compile(pattern) if pattern else None)
        except re.error as exc:
            raise ValueError(f"url_pattern={pattern!r} is not a regular expression: {exc}") from exc

    def __bool__(self) -> bool:
        return bool(self.domains) or self.pattern is not None

    def __call__(self, url: str) -> bool:
        if self.domains and not on_domains(site_of(url), self.domains):
            return False
        return self.pattern is None or self.pattern.search(url) is not None


def _domain(name: str) -> str:
    name = name.strip().strip(".").lower().removeprefix("www.")
    try:
        return name.encode("idna").decode("ascii")  # as WARC files name hosts: münchen.de is xn--mnchen-3ya.de
    except UnicodeError:
        return name


def is_supported(path: Path) -> bool:
    return path.name.lower().endswith(SUPPORTED_SUFFIXES)


def walk(root: Path) -> Iterator[Path]:
    """Every file below ``root`` (or ``root`` itself), sorted, so runs are repeatable."""
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is neither a file nor a directory")
    yield from sorted(p for p in root.rglob("*") if p.is_file())


def read(
    path: Path, max_bytes: int, keep: RecordFilter | None = None
) -> Iterator[Page | Article | SavedFileError | Skipped]:
    """Yield what ``path`` holds: an Article for text, a Page per HTML document, and a
    SavedFileError (yielded, not raised) for the file or WARC record that cannot be read.

    With a filter, only WARC records whose URL it keeps are read; saved text and HTML files have
    no URL to keep, so none of them is (``Skipped("filtered")``, unread)."""
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        yield from _read_warc(path, max_bytes, keep or None)
        return
    if keep:
        yield Skipped("filtered")
        return
    try:
        data = _load(path, max_bytes)
        text = decode(data, html=not name.endswith(TEXT_SUFFIXES))
    except SavedFileError as exc:
        yield exc
        return
    except UndecodableError as exc:
        yield Undecodable(str(exc))
        return
    if not text.strip():
        yield EmptyFile("only white space")
        return
    fetched_at = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
    if name.endswith(TEXT_SUFFIXES):
        yield Article(source=str(path), text=text, word_count=len(text.split()), fetched_at=fetched_at)
    else:
        yield Page(source=str(path), html=text, fetched_at=fetched_at, judge=True)


def _load(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile("0 bytes")
    if max_bytes and size > max_bytes:
        raise TooLarge(f"{size} bytes, more than BOLTWISE_FILES_MAX_BYTES={max_bytes}")
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            data = contentcoding.decode(data, "gzip", max_bytes)
        except contentcoding.TooLarge as exc:
            raise TooLarge(f"more than BOLTWISE_FILES_MAX_BYTES={max_bytes} bytes uncompressed") from exc
        except contentcoding.Undecodable as exc:
            raise BrokenFile(f"not valid gzip ({exc})") from exc
        if not data:
            raise EmptyFile("0 bytes uncompressed")
    return data


def _read_warc(path: Path, max_bytes: int, keep: RecordFilter | None) -> Iterator[Page | SavedFileError | Skipped]:
    """Each HTML page a WARC file holds; every record capped at ``max_bytes`` decoded."""
    for record in warc.iter_records(path, max_bytes, keep=keep):
        if isinstance(record, warc.WarcSkip):
            yield Skipped(record.kind)
            continue
        if isinstance(record, warc.WarcProblem):
            yield _WARC_PROBLEMS[record.reason](str(record))
            continue
        content_type = next((v for k, v in record.headers if k.lower() == "content-type"), None)
        if record.status != 200 or not is_html(content_type, record.body or b""):
            yield Skipped("not_html")  # redirects, images, scripts: not article pages
            continue
        if not record.body:
            yield EmptyFile(f"WARC record {record.uri} has an empty body")
            continue
        try:
            html = decode(record.body, content_type=content_type)
        except UndecodableError as exc:
            yield Undecodable(f"WARC record {record.uri}: {exc}")
            continue
        yield Page(source=record.uri, html=html, url=record.uri, fetched_at=record.date, judge=True)
