"""A pool of worker processes for CPU-heavy stages, so they never block the reactor thread."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def _init_worker() -> None:
    # trafilatura logs every page it discards at WARNING; the pipeline reports those itself
    logging.getLogger("trafilatura").setLevel(logging.ERROR)


class WorkerPool:
    """Runs picklable functions in ``size`` processes; ``size`` 0 means one per CPU."""

    def __init__(self, size: int = 0) -> None:
        self.size = size or os.cpu_count() or 1
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        # forkserver: forking the crawler process itself would copy the reactor and its sockets
        self._executor = ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=_init_worker,
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            raise RuntimeError("WorkerPool.run() before start()")
        return await asyncio.wrap_future(self._executor.submit(fn, *args))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
