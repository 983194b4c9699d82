"""The hostile corpus (tests/hostile.py) through a replayed crawl and through the files spider:
every case finishes, is counted, and is either salvaged or reported with its URL or path, while
the good page beside them is stored."""

from __future__ import annotations

from collections import Counter

from .conftest import crawl
from .hostile import SETTINGS, Case, build_files, build_site


def settings() -> list[str]:
    return [arg for name, value in SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def check(cases: list[Case], result) -> None:
    assert result.returncode == 0, result.log[-3000:]
    by_source = {item["source"]: item for item in result.items}
    for case in cases:
        if case.stored is not None:
            item = by_source.get(case.where)
            assert item is not None, f"{case.name}: nothing stored from {case.where}"
            assert case.stored in item["text"], f"{case.name}: {item['text'][:200]!r}"
            assert "\ufffd" not in item["text"], f"{case.name}: decoded with replacement characters"
        elif case.log is not None:  # (records that are simply no pages, like a warcinfo, are only counted)
            lines = [line for line in result.log.splitlines() if case.where in line and case.log in line]
            assert lines, f"{case.name}: no log line with {case.where} and {case.log!r}"
    needed = Counter(case.stat for case in cases)
    for stat, count in needed.items():
        assert (result.stat(stat) or 0) >= count, f"{stat}: {result.stat(stat)}, {count} cases count on it"
    assert "Traceback" not in result.log and "Spider error" not in result.log


def test_hostile_site_replayed(tmp_path):
    cases, args = build_site(tmp_path / "site")
    result = crawl(tmp_path, "news", *args, "-s", f"BOLTWISE_REPLAY_DIR={tmp_path / 'site'}", *settings())
    check(cases, result)
    assert "Crawl summary:" in result.log


def test_hostile_files(tmp_path):
    cases = build_files(tmp_path / "inbox")
    result = crawl(tmp_path, "files", "-a", f"path={tmp_path / 'inbox'}", *settings())
    check(cases, result)
