"""``scrapy boltwise-export``: the store's articles through Scrapy's feed exporters, and Parquet."""

import csv
import gzip
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from .conftest import FIXTURES, REPO, crawl


def export(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "boltwise-export", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The replay fixture's store: four articles (one of them in two revisions), two copies by URL."""
    tmp = tmp_path_factory.mktemp("export")
    uri = f"sqlite:///{tmp}/state.sqlite3"
    result = crawl(
        tmp, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={FIXTURES / 'site'}", "-s", f"BOLTWISE_STORE_URI={uri}"
    )
    assert result.returncode == 0 and len(result.items) == 4
    # and the update of one article: its revision 2
    update = crawl(
        tmp, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={FIXTURES / 'site'},{FIXTURES / 'site-update'}",
        "-s", f"BOLTWISE_STORE_URI={uri}",
    )  # fmt: skip
    assert [item["revision"] for item in update.items] == [2]
    return f"BOLTWISE_STORE_URI={uri}", sorted(item["url"] for item in result.items)


def read_back(path):
    name = path.name
    if name.endswith(".csv"):
        with path.open(encoding="utf-8", newline="") as f:
            return [row["url"] for row in csv.DictReader(f)]
    if name.endswith(".xml"):
        return [item.findtext("url") for item in ET.parse(path).getroot().iter("item")]
    if name.endswith(".json"):
        return [item["url"] for item in json.loads(path.read_text("utf-8"))]
    if name.endswith(".jsonl"):
        return [json.loads(line)["url"] for line in path.read_text("utf-8").splitlines()]
    return pq.read_table(path).column("url").to_pylist()


@pytest.mark.parametrize("name", ["a.csv", "a.xml", "a.json", "a.jsonl", "a.parquet"])
def test_each_format_is_written_as_its_extension_says(tmp_path, store, name):
    setting, urls = store
    done = export("-s", setting, "-O", str(tmp_path / name))
    assert done.returncode == 0, done.stderr
    assert read_back(tmp_path / name) == urls  # by URL, as the store orders them
    assert f"Exported 4 articles to {tmp_path / name}" in done.stderr


def test_parquet_keeps_the_types_of_the_fields(tmp_path, store):
    setting, _ = store
    export("-s", setting, "-O", str(tmp_path / "a.parquet"))
    table = pq.read_table(tmp_path / "a.parquet")
    assert str(table.schema.field("tags").type) == "list<element: string>"
    assert str(table.schema.field("word_count").type) == "int64"
    row = table.to_pylist()[0]
    assert row["tags"] and isinstance(json.loads(row["dateline"]), dict)


def test_o_appends_capital_o_overwrites_and_t_names_the_format(tmp_path, store):
    setting, urls = store
    out = tmp_path / "out.jsonl"
    export("-s", setting, "-O", str(out))
    export("-s", setting, "-o", str(out))
    assert read_back(out) == urls + urls
    export("-s", setting, "-O", str(out))
    assert read_back(out) == urls
    assert export("-s", setting, "-O", str(tmp_path / "articles.data"), "-t", "csv").returncode == 0
    with (tmp_path / "articles.data").open(encoding="utf-8", newline="") as f:
        assert [row["url"] for row in csv.DictReader(f)] == urls
    # -t alone: to stdout
    assert [row["url"] for row in csv.DictReader(export("-s", setting, "-t", "csv").stdout.splitlines())] == urls


def test_feeds_setting_is_honoured(tmp_path, store):
    setting, urls = store
    feeds = {str(tmp_path / "few.jsonl"): {"format": "jsonl", "fields": ["url", "title"]}}
    assert export("-s", setting, "-s", f"FEEDS={json.dumps(feeds)}").returncode == 0
    rows = [json.loads(line) for line in (tmp_path / "few.jsonl").read_text("utf-8").splitlines()]
    assert [row["url"] for row in rows] == urls and all(set(row) == {"url", "title"} for row in rows)


def test_filters_revisions_and_duplicates(store):
    setting, urls = store
    out = export("-s", setting, "--site", "it-boltwise.de")
    assert [json.loads(line)["url"] for line in out.stdout.splitlines()] == urls
    assert export("-s", setting, "--site", "other.example").stdout == ""
    published = sorted(json.loads(line)["published"] for line in export("-s", setting).stdout.splitlines())
    first, last = published[0][:10], published[-1][:10]
    since = export("-s", setting, "--since", last).stdout.splitlines()
    until = export("-s", setting, "--until", first).stdout.splitlines()  # that whole day
    assert (len(since), len(until)) == (1, 1) and first < last
    assert len(export("-s", setting, "--since", first, "--until", last).stdout.splitlines()) == 4
    bad = export("-s", setting, "--since", "1.5.2025")
    assert bad.returncode == 2 and "--since is an ISO date" in bad.stderr
    revisions = [json.loads(line) for line in export("-s", setting, "--revisions").stdout.splitlines()]
    assert sorted(item["revision"] for item in revisions) == [1, 1, 1, 1, 2]
    copies = [json.loads(line) for line in export("-s", setting, "--duplicates").stdout.splitlines()]
    assert len(copies) == 2 and all(copy["url"].split("?")[0] == copy["duplicate_of"] for copy in copies)
    refused = export("-s", setting, "--duplicates", "--site", "it-boltwise.de")
    assert refused.returncode == 2 and "do not apply" in refused.stderr


def test_whole_file_formats_are_not_appended_to_and_csv_keeps_one_header(tmp_path, store):
    setting, urls = store
    for name in ("a.json", "a.parquet", "a.xml"):
        export("-s", setting, "-O", str(tmp_path / name))
        before = (tmp_path / name).read_bytes()
        appended = export("-s", setting, "-o", str(tmp_path / name))
        assert appended.returncode == 2 and "cannot be appended to" in appended.stderr
        assert (tmp_path / name).read_bytes() == before
    export("-s", setting, "-O", str(tmp_path / "a.csv"))
    export("-s", setting, "-o", str(tmp_path / "a.csv"))
    assert read_back(tmp_path / "a.csv") == urls + urls


def test_stdout_unknown_formats_feed_uri_parameters_and_post_processing(tmp_path, store):
    setting, urls = store
    assert [json.loads(line)["url"] for line in export("-s", setting, "-o", "-").stdout.splitlines()] == urls
    unknown = export("-s", setting, "-t", "yaml")
    assert unknown.returncode == 2 and "yaml" in unknown.stderr
    feeds = {str(tmp_path / "%(name)s.jsonl.gz"): {"format": "jsonl", "postprocessing": [
        "scrapy.extensions.postprocessing.GzipPlugin"]}}  # fmt: skip
    assert export("-s", setting, "-s", f"FEEDS={json.dumps(feeds)}", "--spider", "boltwise").returncode == 0
    lines = gzip.decompress((tmp_path / "boltwise.jsonl.gz").read_bytes()).decode().splitlines()
    assert [json.loads(line)["url"] for line in lines] == urls


def test_parquet_without_pyarrow_names_the_extra_and_writes_nothing(tmp_path, store):
    setting, _ = store
    script = (
        "import sys; sys.modules['pyarrow'] = None; from scrapy.cmdline import execute;"
        f" execute(['scrapy', 'boltwise-export', '-s', {setting!r}, '-O', {str(tmp_path / 'a.parquet')!r}])"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and "boltwise[parquet]" in done.stderr
    assert not (tmp_path / "a.parquet").exists()


def test_a_reader_that_stops_reading_ends_the_export_quietly(store):
    setting, _ = store
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "boltwise-export", "-s", setting, "--revisions", "-t", "csv"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    process.stdout.read(10)
    process.stdout.close()  # as `| head -c 10` does
    stderr = process.stderr.read().decode()
    process.stderr.close()
    process.wait(timeout=60)
    assert "Traceback" not in stderr


def test_a_missing_store_is_not_created_and_the_existing_ones_are_named(tmp_path):
    stores = tmp_path / ".boltwise"
    stores.mkdir()
    (stores / "boltwise.sqlite3").write_bytes(b"")
    for command in ("boltwise-export", "boltwise-status"):
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", command, "--spider", "boltwsie",
             "-s", "BOLTWISE_STORE_URI=sqlite:///.boltwise/%(name)s.sqlite3"],
            cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
        )  # fmt: skip
        assert done.returncode != 0
        assert "No store at .boltwise/boltwsie.sqlite3" in done.stderr and "boltwise.sqlite3" in done.stderr
    assert sorted(p.name for p in stores.iterdir()) == ["boltwise.sqlite3"]


@pytest.mark.parametrize("store_uri", ["postgresql"], indirect=True)
def test_a_postgresql_database_without_a_store_is_refused(store_uri):
    done = export("-s", f"BOLTWISE_STORE_URI={store_uri}")
    assert done.returncode != 0 and "No boltwise store in the PostgreSQL database" in done.stderr


def peak_rss_mb(command, cwd):
    """The peak RSS of a command's own process (VmHWM after its exec), read until it exits."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            break
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
        time.sleep(0.05)
    assert process.wait() == 0
    return peak / 1024


def test_export_memory_does_not_grow_with_the_store(tmp_path):
    from boltwise.bench.export import build

    peaks = {}
    for size in (2_000, 20_000):
        store = tmp_path / f"store-{size}.sqlite3"
        build(store, size, 250)
        command = [sys.executable, "-m", "scrapy", "boltwise-export", "-s", f"BOLTWISE_STORE_URI=sqlite:///{store}",
                   "-O", str(tmp_path / f"out-{size}.jsonl")]  # fmt: skip
        peaks[size] = peak_rss_mb(command, REPO)
    # ten times the articles (2 MB of text read whole would be 50 MB more): the same peak
    assert peaks[20_000] - peaks[2_000] < 10, peaks


def test_parquet_columns_do_not_depend_on_the_first_batch(tmp_path):
    from boltwise.exporters import ParquetItemExporter

    path = tmp_path / "a.parquet"
    with path.open("wb") as file:
        exporter = ParquetItemExporter(file, batch_size=2)
        exporter.start_exporting()
        for n in range(6):
            item = {"url": f"https://a.example/{n}", "text": "Text", "tags": ["a"], "dateline": {"places": ["X"]}}
            item["rank"] = n if n < 3 else "hoch"  # not an Article field, its type changing
            if n >= 2:
                item["publisher"] = "Verlag"  # an Article field the first batch lacked
                item["later"] = "x"  # neither: it comes after the columns are fixed
            exporter.export_item(item)
        exporter.finish_exporting()
    rows = pq.read_table(path).to_pylist()
    assert [row["publisher"] for row in rows] == [None, None, *["Verlag"] * 4]
    assert json.loads(rows[0]["dateline"]) == {"places": ["X"]} and rows[0]["tags"] == ["a"]
    assert [row["rank"] for row in rows] == ["0", "1", "2", "hoch", "hoch", "hoch"]  # as text
    assert "later" not in rows[0]  # left out, and logged
