"""Reading WARC files that are hostile or damaged: bombs, other record types, truncation, garbage."""

from __future__ import annotations

import gzip
import resource
import zlib

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from boltwise import warc
from boltwise.savedfiles import Page, Skipped, Truncated, read
from boltwise.snapshot import Snapshot, Unservable

from .warcs import add, http, write_warc

HTML = [("Content-Type", "text/html; charset=utf-8")]
GOOD = ("https://w.example/good", 200, HTML, b"<html><body><p>Ein guter Artikel.</p></body></html>")


def zeros_gzipped(megabytes: int) -> bytes:
    """gzip of ``megabytes`` MiB of zeros, made without holding them: about 1 KB per MiB."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    mib = bytes(2**20)
    return b"".join([*(packer.compress(mib) for _ in range(megabytes)), packer.flush()])


def chunked(data: bytes, size: int) -> bytes:
    pieces = [b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size]) for i in range(0, len(data), size)]
    return b"".join([*pieces, b"0\r\n\r\n"])


def responses(path) -> list:
    return list(warc.iter_records(path, 2**20))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("name", ["bomb.warc", "bomb.warc.gz"])
@pytest.mark.parametrize("transfer", ["identity", "one chunk"])
def test_a_decompression_bomb_is_reported_and_the_next_record_read(tmp_path, name, transfer):
    bomb = zeros_gzipped(512)  # 512 MiB of zeros in 0.5 MB
    headers = [*HTML, ("Content-Encoding", "gzip")]
    if transfer == "one chunk":  # warcio itself would inflate a whole chunk at once
        bomb, headers = chunked(bomb, len(bomb)), [*headers, ("Transfer-Encoding", "chunked")]
    path = write_warc(tmp_path / name, [("https://w.example/bomb", 200, headers, bomb), GOOD])
    before = peak_rss_mb()
    problem, good = responses(path)
    assert isinstance(problem, warc.WarcProblem) and problem.reason == "too_large"
    assert "larger than 1048576 bytes" in str(problem) and "https://w.example/bomb" in str(problem)
    assert isinstance(good, warc.WarcResponse) and good.body == GOOD[3]
    assert peak_rss_mb() - before < 100  # a cap of 1 MiB decoded: far from the 512 MiB


def test_gzip_and_chunked_bodies_under_the_cap_are_decoded(tmp_path):
    page = b"<html><body><p>" + "Grüße ".encode() * 1000 + b"</p></body></html>"
    path = write_warc(
        tmp_path / "enc.warc",
        [
            ("https://w.example/gz", 200, [*HTML, ("Content-Encoding", "gzip")], gzip.compress(page)),
            ("https://w.example/deflate", 200, [*HTML, ("Content-Encoding", "deflate")], zlib.compress(page)),
            ("https://w.example/chunked", 200, [*HTML, ("Transfer-Encoding", "Chunked")], chunked(page, 1000)),
            ("https://w.example/zstd", 200, [*HTML, ("Content-Encoding", "zstd")], b"\x28\xb5\x2f\xfd"),
        ],
    )
    *decoded, unsupported = responses(path)
    assert [r.body for r in decoded] == [page] * 3
    assert all(("Content-Encoding" not in dict(r.headers)) for r in decoded)  # the body is decoded now
    assert unsupported.reason == "encoding" and "zstd" in unsupported.detail


def test_records_that_are_no_http_responses_are_skipped_by_kind(tmp_path):
    path = tmp_path / "types.warc.gz"
    ok, request = http(200, GOOD[2]), StatusAndHeaders("GET /good HTTP/1.1", [], is_http_request=True)
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record("types.warc.gz", {"software": "test"}))
        add(
            writer,
            "dns:w.example",
            "response",
            b"w.example. 60 IN A 93.184.215.14\n",
            warc_content_type="text/dns",
        )
        add(writer, GOOD[0], "request", b"", http_headers=request)
        response = add(writer, GOOD[0], "response", GOOD[3], http_headers=ok)
        add(writer, GOOD[0], "metadata", b"via: test\n", warc_content_type="application/warc-fields")
        digest = response.rec_headers.get_header("WARC-Payload-Digest")
        writer.write_record(
            writer.create_revisit_record(GOOD[0], digest, GOOD[0], "2026-11-21T06:00:00Z", http_headers=ok)
        )
        add(writer, "https://w.example/logo.png", "resource", b"\x89PNG", warc_content_type="image/png")
    items = responses(path)
    assert [type(i).__name__ for i in items].count("WarcResponse") == 1
    assert [i.kind for i in items if isinstance(i, warc.WarcSkip)] == [
        "warcinfo",
        "dns",
        "request",
        "metadata",
        "revisit",
        "resource",
    ]
    # the files spider gets the page and a reason for each of the others; replay does not abort
    results = list(read(path, 2**20))
    assert [r.source for r in results if isinstance(r, Page)] == [GOOD[0]]
    assert Skipped("dns") in results and Skipped("revisit") in results
    snapshot = Snapshot([tmp_path])
    assert len(snapshot) == 1 and snapshot.get(GOOD[0]).body == GOOD[3] and snapshot.skipped["dns"] == 1


def test_a_truncated_record_is_reported_not_passed_on_as_a_whole_page(tmp_path):
    path = write_warc(
        tmp_path / "cut.warc", [GOOD, ("https://w.example/long", 200, HTML, b"<p>" + b"x" * 50_000 + b"</p>")]
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 20_000])  # the file ends in the second record's body
    good, cut = responses(path)
    assert good.body == GOOD[3]
    assert isinstance(cut, warc.WarcProblem) and cut.reason == "truncated" and "bytes missing" in cut.detail
    assert isinstance(list(read(path, 2**20))[-1], Truncated)


def test_damage_inside_a_gzip_member_costs_only_its_record(tmp_path):
    records = [GOOD, ("https://w.example/2", 200, HTML, b"<p>" + bytes(range(256)) * 200 + b"</p>"), GOOD]
    path = write_warc(tmp_path / "damaged.warc.gz", [(*r[:3], r[3]) for r in records])
    members = _gzip_members(path.read_bytes())
    second = bytearray(members[1])
    second[len(second) // 2 : len(second) // 2 + 100] = bytes(100)  # 100 zeroed bytes mid-member
    path.write_bytes(members[0] + bytes(second) + members[2])
    items = responses(path)
    assert isinstance(items[0], warc.WarcResponse) and isinstance(items[-1], warc.WarcResponse)
    assert any(isinstance(i, warc.WarcProblem) for i in items[1:-1])


def test_garbage_between_records_and_broken_headers_are_skipped(tmp_path):
    first = write_warc(tmp_path / "a.warc", [GOOD]).read_bytes()
    no_uri = write_warc(tmp_path / "b.warc", [("https://w.example/x", 200, HTML, b"<p>x</p>")]).read_bytes()
    no_uri = no_uri.replace(b"WARC-Target-URI: https://w.example/x", b"X-Target-Gone: https://w.example/x")
    status = write_warc(tmp_path / "c.warc", [("https://w.example/y", 200, HTML, b"<p>y</p>")]).read_bytes()
    status = status.replace(b"HTTP/1.1 200 OK", b"HTTP/1.1 abc OK")
    path = tmp_path / "mixed.warc"
    path.write_bytes(first + b"\x00\xffgarbage that is no record\r\n" * 20 + no_uri + status + first)
    items = responses(path)
    assert [type(i).__name__ for i in items] == [
        "WarcResponse",
        "WarcProblem",
        "WarcProblem",
        "WarcProblem",
        "WarcResponse",
    ]
    assert "abc" in items[3].detail


def test_replay_refuses_records_over_its_cap(tmp_path):
    write_warc(
        tmp_path / "big.warc",
        [("https://w.example/big", 200, [*HTML, ("Content-Encoding", "gzip")], zeros_gzipped(64)), GOOD],
    )
    snapshot = Snapshot([tmp_path], max_bytes=2**20)
    assert len(snapshot) == 2  # indexing reads no body
    with pytest.raises(Unservable) as refused:
        snapshot.get("https://w.example/big")
    assert refused.value.reason == "too_large"
    assert snapshot.get(GOOD[0]).body == GOOD[3]


def test_a_record_without_content_type_is_sniffed(tmp_path):
    page = b"<!DOCTYPE html><html lang='de'><body><p>ohne Typ</p></body></html>"
    path = write_warc(
        tmp_path / "untyped.warc",
        [("https://w.example/untyped", 200, [], page), ("https://w.example/blob", 200, [], b"\x00\x01binary")],
    )
    results = list(read(path, 2**20))
    assert [r.source for r in results if isinstance(r, Page)] == ["https://w.example/untyped"]
    assert results[1] == Skipped("not_html")


def _gzip_members(data: bytes) -> list[bytes]:
    starts = [i for i in range(len(data) - 2) if data[i : i + 3] == b"\x1f\x8b\x08"]
    members, position = [], 0
    for start in starts[1:]:
        try:
            zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[position:start])
        except zlib.error:
            continue
        members.append(data[position:start])
        position = start
    return [*members, data[position:]]
