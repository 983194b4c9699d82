"""``scrapy boltwise-export``: the store's articles through Scrapy's feed exporters, and Parquet."""

import csv
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
    """The replay fixture's store: four articles, two copies by URL."""
    tmp = tmp_path_factory.mktemp("export")
    uri = f"sqlite:///{tmp}/state.sqlite3"
    result = crawl(
        tmp, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={FIXTURES / 'site'}", "-s", f"BOLTWISE_STORE_URI={uri}"
    )
    assert result.returncode == 0 and len(result.items) == 4
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
    day = published[-1][:10]
    since = export("-s", setting, "--since", day).stdout.splitlines()
    until = export("-s", setting, "--until", day).stdout.splitlines()
    assert len(since) == sum(p[:10] >= day for p in published) and len(until) == 4
    assert len(export("-s", setting, "--revisions").stdout.splitlines()) == 4
    copies = [json.loads(line) for line in export("-s", setting, "--duplicates").stdout.splitlines()]
    assert len(copies) == 2 and all(copy["url"].split("?")[0] == copy["duplicate_of"] for copy in copies)


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
