"""CPU time per stage, as ``boltwise/cpu/<stage>`` stats (seconds), for the benchmark's shares."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from scrapy.statscollectors import StatsCollector


@contextmanager
def charged(stats: StatsCollector, stage: str) -> Iterator[None]:
    """Charge the reactor thread's CPU time inside the block to ``stage``."""
    start = time.thread_time()
    try:
        yield
    finally:
        stats.inc_value(f"boltwise/cpu/{stage}", time.thread_time() - start)
