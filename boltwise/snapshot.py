"""Saved pages for replay and record: a human-readable directory layout, plus WARC files.

Layout: every saved response is two files side by side,

* ``NAME`` — the body, exactly as received (after undoing gzip/deflate transfer compression);
* ``NAME.meta.json`` — ``{"url": ..., "status": 200, "headers": {...}, "body": "NAME"}``.

Where files live inside the directory does not matter: the URL in the meta file is what replay
matches on. Recording names them ``<host>/<path>`` so that people can find and edit them. Any
``.warc`` / ``.warc.gz`` file in the directory is served as well. When several directories are
given, later ones win, so a small directory of changed pages can be laid over a full snapshot.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from w3lib.url import canonicalize_url

from boltwise import contentcoding, warc
from boltwise.warcrecord import series_order

META_SUFFIX = ".meta.json"


@dataclass
class SavedResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def replay_key(url: str) -> str:
    """URLs that any server would answer alike (query order, fragment) share one key."""
    return canonicalize_url(url, keep_fragments=False)


class Unservable(Exception):
    """A saved response that cannot be served: over the size cap, or damaged."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # too_large | broken | truncated | encoding


class Snapshot:
    """A read-only index over one or more replay directories (or WARC files); bodies are read on demand, each up
    to ``max_bytes`` (0: no cap), as a download is capped by ``DOWNLOAD_MAXSIZE``.

    Saved responses that cannot be indexed (a damaged WARC record, a meta file that is not JSON)
    are left out and listed in :attr:`problems`; WARC records that are no HTTP responses are
    counted per kind in :attr:`skipped`.
    """

    def __init__(self, directories: Iterable[Path], max_bytes: int = 0) -> None:
        self.max_bytes = max_bytes
        self.problems: list[str] = []
        self.skipped: Counter[str] = Counter()
        self._index: dict[str, tuple[Path, int | None]] = {}
        for source in directories:
            warcs, metas = _saved_files(source)
            for path in warcs:
                for record in warc.iter_records(path, bodies=False):
                    if isinstance(record, warc.WarcResponse):
                        self._add(record.uri, path, record.offset, f"{path} at offset {record.offset}")
                    elif isinstance(record, warc.WarcSkip):
                        self.skipped[record.kind] += 1
                    else:
                        self.problems.append(f"{path}: {record}")
            for path in metas:
                url = _saved_url(path)
                if isinstance(url, str):
                    self._add(url, path, None, str(path))
                else:
                    self.problems.append(f"{path}: not a meta file with a URL")

    def _add(self, url: str, path: Path, offset: int | None, where: str) -> None:
        try:
            self._index[replay_key(url)] = (path, offset)
        except ValueError as exc:  # "http://[oops": no request could ask for it anyway
            self.problems.append(f"{where}: not a URL ({url!r}: {exc})")

    def __len__(self) -> int:
        return len(self._index)

    def get(self, url: str) -> SavedResponse | None:
        """The response saved for ``url``; None when there is none. Raises :class:`Unservable`."""
        try:
            entry = self._index.get(replay_key(url))
        except ValueError:  # not a URL: nothing was saved under it
            return None
        if entry is None:
            return None
        path, offset = entry
        if offset is not None:
            record = warc.read_response(path, offset, self.max_bytes)
            if isinstance(record, warc.WarcProblem):
                raise Unservable(record.reason, f"{path}: {record}")
            return SavedResponse(url, record.status, record.headers, record.body or b"")
        try:
            meta = json.loads(path.read_text("utf-8"))
            status, headers = int(meta.get("status", 200)), _header_list(meta)
            body_path = path.with_name(meta.get("body") or path.name.removesuffix(META_SUFFIX))
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise Unservable("broken", f"{path}: {type(exc).__name__}: {exc}") from exc
        body = b""
        if body_path.is_file():
            if self.max_bytes and body_path.stat().st_size > self.max_bytes:
                raise Unservable("too_large", f"{body_path}: larger than {self.max_bytes} bytes")
            body = body_path.read_bytes()
        return SavedResponse(url, status, headers, body)


def save(directory: Path, response: SavedResponse, max_bytes: int = 0) -> Path:
    """Write ``response`` in the replay layout below ``directory``; return the meta file's path.

    The readable name (``host/path``) cannot hold a URL that is both a page and a folder of others
    (``/x.html`` and ``/x.html/amp/``), nor one too long for the file system: such a response is
    saved as ``host/<hash of the URL>.<ext>`` instead. A compressed body is saved decoded when it
    decodes within ``max_bytes`` (0: no cap).
    """
    headers = list(response.headers)
    body = _decode_body(headers, response.body, max_bytes)
    if body is not response.body:
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
    readable = _relative_name(response.url, headers)
    try:
        return _write(directory / readable, response, headers, body)
    except OSError:  # NotADirectoryError, IsADirectoryError, ENAMETOOLONG
        digest = hashlib.sha1(response.url.encode()).hexdigest()[:16]
        return _write(directory / readable.parts[0] / f"{digest}{readable.suffix}", response, headers, body)


def _write(body_path: Path, response: SavedResponse, headers: list[tuple[str, str]], body: bytes) -> Path:
    meta_path = body_path.with_name(body_path.name + META_SUFFIX)
    if meta_path.exists() and _saved_url(meta_path) != response.url:
        # two URLs mapped to one name (e.g. "/a" and "/a.html"): keep both, distinguished
        digest = hashlib.sha1(response.url.encode()).hexdigest()[:10]
        body_path = body_path.with_name(f"{body_path.stem}__{digest}{body_path.suffix}")
        meta_path = body_path.with_name(body_path.name + META_SUFFIX)
    body_path.parent.mkdir(parents=True, exist_ok=True)
    body_path.write_bytes(body)
    grouped: dict[str, str | list[str]] = {}
    for name, value in headers:
        previous = grouped.get(name)
        if previous is None:
            grouped[name] = value
        else:
            grouped[name] = [*([previous] if isinstance(previous, str) else previous), value]
    meta = {
        "url": response.url,
        "status": response.status,
        "headers": grouped,
        "body": body_path.name,
    }
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return meta_path


def _saved_files(source: Path) -> tuple[list[Path], list[Path]]:
    """The WARC files and meta files below a replay directory; or one WARC file by itself."""
    if source.is_file() and source.name.lower().endswith(warc.SUFFIXES):
        return [source], []  # as BOLTWISE_RECORD_WARC wrote it
    if not source.is_dir():
        raise FileNotFoundError(f"replay directory {source} does not exist")
    warcs = sorted([*source.rglob("*.warc"), *source.rglob("*.warc.gz")], key=series_order)
    return warcs, sorted(source.rglob("*" + META_SUFFIX))


def _saved_url(meta_path: Path) -> str | None:
    try:
        return json.loads(meta_path.read_text("utf-8"))["url"]
    except (OSError, ValueError, KeyError, TypeError):  # damaged: whatever it held, it is not ours
        return None


def _header_list(meta: Mapping[str, object]) -> list[tuple[str, str]]:
    headers = meta.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise TypeError(f"headers must be an object, not {type(headers).__name__}")
    pairs: list[tuple[str, str]] = []
    for name, value in headers.items():
        for one in [value] if isinstance(value, str) else value:
            pairs.append((name, str(one)))
    return pairs


def _decode_body(headers: list[tuple[str, str]], body: bytes, max_bytes: int) -> bytes:
    """Undo gzip/deflate/brotli so saved bodies stay readable; a body that does not decode, or
    would decode past ``max_bytes``, is kept as sent (with its header: replay decodes it as a
    download would, cap included)."""
    coding = next((v for k, v in headers if k.lower() == "content-encoding"), "")
    if not coding.strip():
        return body
    try:
        return contentcoding.decode(body, coding, max_bytes)
    except ValueError:  # Unsupported, TooLarge, Undecodable
        return body


_EXTENSIONS = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/rss+xml": ".xml",
    "application/atom+xml": ".xml",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "text/plain": ".txt",
    "application/json": ".json",
}


def _relative_name(url: str, headers: list[tuple[str, str]]) -> Path:
    parts = urlsplit(url)
    segments = [_safe(unquote(s)) for s in parts.path.split("/") if s not in ("", ".", "..")]
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    extension = _EXTENSIONS.get(content_type.split(";")[0].strip().lower(), ".bin")
    if not segments or parts.path.endswith("/"):
        segments.append("index" + extension)
    elif "." not in segments[-1]:
        segments[-1] += extension
    if parts.query:
        stem, dot, suffix = segments[-1].rpartition(".")
        digest = hashlib.sha1(parts.query.encode()).hexdigest()[:10]
        segments[-1] = f"{stem}__q{digest}{dot}{suffix}" if dot else f"{suffix}__q{digest}"
    return Path(_safe(parts.netloc.lower()), *segments)


def _safe(segment: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_.~@+" else "_" for c in segment)
    return cleaned[:120] or "_"
