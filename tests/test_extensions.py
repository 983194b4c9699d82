"""The boltwise extensions: the stats file and the quick exit."""

import gc
import json

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from boltwise.extensions import QuickExit, StatsFile


def test_stats_file_is_written_when_the_engine_stops(tmp_path):
    crawler = get_crawler(settings_dict={"BOLTWISE_STATS_FILE": str(tmp_path / "stats.json")})
    crawler.stats.set_value("boltwise/extract/ok", 3)
    StatsFile.from_crawler(crawler).write()
    assert json.loads((tmp_path / "stats.json").read_text())["boltwise/extract/ok"] == 3


def test_stats_file_is_off_by_default():
    with pytest.raises(NotConfigured):
        StatsFile.from_crawler(get_crawler())


def test_quick_exit_freezes_the_heap_at_exit_once(monkeypatch):
    registered = []
    monkeypatch.setattr("atexit.register", registered.append)
    monkeypatch.setattr("atexit.unregister", lambda fn: registered.remove(fn) if fn in registered else None)
    extension = QuickExit.from_crawler(get_crawler())
    extension.engine_stopped()
    extension.engine_stopped()  # a second crawl in the same process
    assert registered == [gc.freeze]


def test_quick_exit_can_be_switched_off():
    with pytest.raises(NotConfigured):
        QuickExit.from_crawler(get_crawler(settings_dict={"BOLTWISE_QUICK_EXIT_ENABLED": False}))
