"""CPU time per stage, as ``boltwise/cpu/<stage>`` stats (seconds), for the benchmark's shares."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any, TypeVar

from scrapy.statscollectors import StatsCollector

T = TypeVar("T")


@contextmanager
def charged(stats: StatsCollector, stage: str) -> Iterator[None]:
    """Charge the reactor thread's CPU time inside the block to ``stage``."""
    start = time.thread_time()
    try:
        yield
    finally:
        stats.inc_value(f"boltwise/cpu/{stage}", time.thread_time() - start)


async def off_reactor(
    stats: StatsCollector, stage: str, executor: Executor | None, fn: Callable[..., T], *args: Any
) -> T:
    """``fn(*args)`` in ``executor``'s thread, so the reactor thread stays free, charging its CPU
    time to ``stage``; without an executor, right here. Meant for lxml parsing: lxml lets go of
    the GIL while it parses."""
    if executor is None:
        with charged(stats, stage):
            return fn(*args)

    def timed() -> tuple[T | None, BaseException | None, float]:
        start = time.thread_time()
        try:
            return fn(*args), None, time.thread_time() - start
        except Exception as exc:  # handed back to the caller, with the time it cost
            return None, exc, time.thread_time() - start

    result, error, cpu = await asyncio.get_running_loop().run_in_executor(executor, timed)
    stats.inc_value(f"boltwise/cpu/{stage}", cpu)
    if error is not None:
        raise error
    return result  # type: ignore[return-value]
