import gzip
import json

import pytest

from boltwise.snapshot import SavedResponse, Snapshot, Unservable, replay_key, save

from .warcs import write_warc

HTML = [("Content-Type", "text/html; charset=utf-8"), ("Date", "Sat, 21 Nov 2026 06:00:00 GMT")]


def test_round_trip_keeps_status_headers_and_body(tmp_path):
    meta = save(
        tmp_path,
        SavedResponse(
            "https://a.example/x/",
            200,
            [*HTML, ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
            b"<p>hi</p>",
        ),
    )
    assert meta == tmp_path / "a.example" / "x" / "index.html.meta.json"
    assert json.loads(meta.read_text())["headers"]["Set-Cookie"] == ["a=1", "b=2"]
    got = Snapshot([tmp_path]).get("https://a.example/x/")
    assert got.status == 200 and got.body == b"<p>hi</p>"
    assert ("Set-Cookie", "b=2") in got.headers


def test_redirect_without_body(tmp_path):
    save(
        tmp_path,
        SavedResponse("http://a.example/old", 301, [("Location", "https://a.example/new")], b""),
    )
    got = Snapshot([tmp_path]).get("http://a.example/old")
    assert got.status == 301 and got.body == b"" and ("Location", "https://a.example/new") in got.headers


def test_gzip_bodies_are_saved_readable(tmp_path):
    body = gzip.compress(b"<p>komprimiert</p>")
    save(
        tmp_path,
        SavedResponse(
            "https://a.example/z",
            200,
            [*HTML, ("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))],
            body,
        ),
    )
    got = Snapshot([tmp_path]).get("https://a.example/z")
    assert got.body == b"<p>komprimiert</p>"
    assert not any(k.lower() in ("content-encoding", "content-length") for k, _ in got.headers)


def test_names_that_collide_stay_apart(tmp_path):
    save(tmp_path, SavedResponse("https://a.example/a", 200, HTML, b"one"))
    save(tmp_path, SavedResponse("https://a.example/a.html", 200, HTML, b"two"))
    snap = Snapshot([tmp_path])
    assert snap.get("https://a.example/a").body == b"one"
    assert snap.get("https://a.example/a.html").body == b"two"


def test_query_order_and_fragment_do_not_matter(tmp_path):
    save(tmp_path, SavedResponse("https://a.example/s?b=2&a=1", 200, HTML, b"q"))
    snap = Snapshot([tmp_path])
    assert snap.get("https://a.example/s?a=1&b=2#top").body == b"q"
    assert snap.get("https://a.example/s") is None
    assert replay_key("https://a.example/s?b=2&a=1") == replay_key("https://a.example/s?a=1&b=2")


def test_later_directories_override_earlier(tmp_path):
    base, update = tmp_path / "base", tmp_path / "update"
    save(base, SavedResponse("https://a.example/p", 200, HTML, b"v1"))
    save(base, SavedResponse("https://a.example/q", 200, HTML, b"q1"))
    save(update, SavedResponse("https://a.example/p", 200, HTML, b"v2"))
    snap = Snapshot([base, update])
    assert snap.get("https://a.example/p").body == b"v2"
    assert snap.get("https://a.example/q").body == b"q1"


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_files_are_served(tmp_path, name):
    write_warc(
        tmp_path / name,
        [
            ("https://w.example/", 200, HTML, b"<p>warc</p>"),
            ("https://w.example/r", 302, [("Location", "/")], b""),
        ],
    )
    snap = Snapshot([tmp_path])
    assert len(snap) == 2
    assert snap.get("https://w.example/").body == b"<p>warc</p>"
    assert snap.get("https://w.example/r").status == 302


def test_missing_directory_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Snapshot([tmp_path / "nope"])


@pytest.mark.parametrize("first", ["page", "folder"])
def test_a_url_that_is_a_page_and_a_folder_of_others_keeps_both(tmp_path, first):
    page, folder = "https://a.example/x.html", "https://a.example/x.html/amp/"
    order = [page, folder] if first == "page" else [folder, page]
    for url in order:
        save(tmp_path, SavedResponse(url, 200, HTML, url.encode()))
    snap = Snapshot([tmp_path])
    assert snap.get(page).body == page.encode() and snap.get(folder).body == folder.encode()


def test_a_url_too_long_for_the_file_system_is_saved_under_its_hash(tmp_path):
    url = "https://a.example/" + "/".join(["abschnitt" * 12] * 40)  # 40 segments of 108 characters
    meta = save(tmp_path, SavedResponse(url, 200, HTML, b"<p>lang</p>"))
    assert meta.parent == tmp_path / "a.example" and len(meta.name) < 40
    assert Snapshot([tmp_path]).get(url).body == b"<p>lang</p>"


def test_damaged_meta_files_are_left_out_and_listed(tmp_path):
    save(tmp_path, SavedResponse("https://a.example/ok", 200, HTML, b"ok"))
    (tmp_path / "a.example" / "broken.meta.json").write_text("{not json")
    (tmp_path / "a.example" / "nourl.meta.json").write_text('{"status": 200}')
    (tmp_path / "a.example" / "badstatus.html").write_text("x")
    (tmp_path / "a.example" / "badstatus.html.meta.json").write_text(
        '{"url": "https://a.example/bad", "status": "teapot"}'
    )
    snap = Snapshot([tmp_path])
    assert len(snap) == 2 and len(snap.problems) == 2
    assert all("not a meta file" in problem for problem in snap.problems)
    with pytest.raises(Unservable) as broken:
        snap.get("https://a.example/bad")
    assert broken.value.reason == "broken"
    assert snap.get("https://a.example/ok").body == b"ok"


def test_bodies_over_the_cap_are_not_served(tmp_path):
    save(tmp_path, SavedResponse("https://a.example/big", 200, HTML, b"x" * 2000))
    with pytest.raises(Unservable) as refused:
        Snapshot([tmp_path], max_bytes=1000).get("https://a.example/big")
    assert refused.value.reason == "too_large"


def test_a_saved_url_that_is_no_url_is_left_out(tmp_path):
    (tmp_path / "bad.meta.json").write_text('{"url": "http://[oops/", "status": 200}')
    write_warc(
        tmp_path / "bad.warc", [("http://[oops/x", 200, HTML, b"x"), ("https://w.example/", 200, HTML, b"ok")]
    )
    snap = Snapshot([tmp_path])
    assert len(snap) == 1 and snap.get("https://w.example/").body == b"ok"
    assert len(snap.problems) == 2 and all("not a URL" in problem for problem in snap.problems)
    assert snap.get("http://[oops/") is None


def test_a_rotated_warc_series_replays_its_latest_record_of_a_url(tmp_path):
    url = "https://a.example/x"
    write_warc(tmp_path / "crawl.warc.gz", [(url, 503, [("Content-Type", "text/plain")], b"later")])
    write_warc(tmp_path / "crawl-00001.warc.gz", [(url, 200, [("Content-Type", "text/plain")], b"retried")])
    assert Snapshot([tmp_path]).get(url).status == 200  # written after the first file, so it wins
