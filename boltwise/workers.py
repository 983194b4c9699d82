"""A pool of worker processes for CPU-heavy stages, so they never block the reactor thread.

Each worker process is driven by one thread of the crawler process that sends it a job, waits for
the answer with a time limit and hands the result to the event loop. A job that overruns the limit
gets its worker killed and replaced (:class:`JobTimeout`); so does a job that ran into the worker's
memory ceiling (:class:`OutOfMemory`, :mod:`boltwise.memlimit`), and a worker that dies mid-job (a
crash in lxml, the OOM killer) is replaced too (:class:`WorkerCrashed`). Nothing waits forever.

At most ``2 × size`` jobs are in the pool at once — one running and one waiting per worker —
so memory stays flat however fast pages arrive: further callers wait in :meth:`WorkerPool.run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from boltwise.memlimit import MemoryCeiling

T = TypeVar("T")
logger = logging.getLogger(__name__)

# modules every worker needs: imported once in the fork server, so workers start in milliseconds
PRELOAD = ["boltwise.preload"]


class JobTimeout(Exception):
    """A job ran longer than the pool's time limit; its worker was replaced."""


class WorkerCrashed(Exception):
    """The worker process died while running a job; it was replaced."""


class OutOfMemory(Exception):
    """A job needed more memory than the worker's ceiling allows; its worker was replaced."""


def _serve(conn: Connection, max_memory: int) -> None:
    """A worker process: run jobs until the pipe closes, reporting CPU time per job, and whether
    the worker should be replaced after it (it ran into its memory ceiling, or kept too much)."""
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # we report discarded pages ourselves
    ceiling = MemoryCeiling(max_memory)
    while True:
        try:
            fn, args = conn.recv()
        except EOFError:
            return
        except MemoryError:  # the job itself does not fit
            fn, args = _too_big, ()
        started = time.process_time()
        try:
            result: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:  # handed to the caller, who decides what it means
            result = (False, exc)
        if isinstance(result[1], MemoryError) or ceiling.reached():
            result = (False, OutOfMemory(f"needed more than {max_memory // 2**20} MB"))
        retire = ceiling.reached() or ceiling.bloated()
        try:
            conn.send((*result, time.process_time() - started, retire))
        except Exception as exc:  # an unpicklable result or exception
            conn.send((False, RuntimeError(f"worker could not send its result: {exc!r}"), 0.0, retire))


def _too_big() -> None:
    raise MemoryError


class _Worker:
    """One worker process and the thread that feeds it."""

    def __init__(self, pool: WorkerPool, number: int) -> None:
        self.pool = pool
        self.number = number
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.thread = threading.Thread(target=self._loop, name=f"boltwise-worker-{number}", daemon=True)

    def _spawn(self) -> None:
        parent, child = self.pool.context.Pipe()
        self.process = self.pool.context.Process(target=_serve, args=(child, self.pool.max_memory), daemon=True)
        self.process.start()
        child.close()
        self.conn = parent

    def _kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
        if (
            self.process is not None and self.process.pid is not None
        ):  # a process that never started cannot be joined
            self.process.join()
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None

    def _loop(self) -> None:
        try:
            self._spawn()  # at once, so workers boot while the crawl starts up
        except Exception:
            logger.exception("Could not start extraction worker %d; retrying with its first job", self.number)
        while True:
            job = self.pool.jobs.get()
            if job is None:
                self._kill()
                return
            fn, args, deliver = job
            try:
                ok, value, cpu = self._run(fn, args)
            except Exception as exc:  # no worker could be started, or the job could not be sent
                self._kill()
                ok, value, cpu = False, exc, 0.0
            deliver(ok, value, cpu)

    def _run(self, fn: Callable[..., Any], args: tuple) -> tuple[bool, Any, float]:
        if self.process is None or not self.process.is_alive():
            self._spawn()
        assert self.conn is not None
        try:
            self.conn.send((fn, args))
            if self.conn.poll(self.pool.timeout):
                ok, value, cpu, retire = self.conn.recv()
                if retire:
                    self._kill()  # the next job gets a fresh worker
                    self.pool.replaced("memory" if isinstance(value, OutOfMemory) else "recycled")
                return ok, value, cpu
        except (EOFError, OSError):
            self._kill()
            self.pool.replaced("crash")
            return False, WorkerCrashed("the worker process died"), 0.0
        self._kill()
        self.pool.replaced("timeout")
        return False, JobTimeout(f"took longer than {self.pool.timeout:g} s"), self.pool.timeout


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: forking the crawler itself would copy the reactor, its threads and sockets
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload())
    return context


def preload() -> list[str]:
    """What the fork server imports: PRELOAD, and what each worker would import again otherwise.

    Every new process re-runs the parent's main script (multiprocessing's spawn preparation; a
    ``python -m`` main module is left alone). Scrapy's ``scrapy`` console script imports
    scrapy.cmdline, 0.25 s of CPU per worker; imported once in the fork server, it is already
    there when a worker re-runs the script.
    """
    main = sys.modules["__main__"]
    if getattr(main, "__spec__", None) is None and getattr(main, "__file__", None):
        return [*PRELOAD, "scrapy.cmdline"]
    return PRELOAD


def warm_up() -> None:
    """Start the fork server now, so it imports the preloaded modules while the crawler starts."""
    _context()
    forkserver.ensure_running()


class WorkerPool:
    """Runs picklable functions in ``size`` processes (0: one per CPU) with a time limit per job
    and, with ``max_memory`` (bytes; 0 for none), a memory ceiling per worker above what it
    holds at start."""

    def __init__(self, size: int = 0, timeout: float = 60.0, max_memory: int = 0) -> None:
        self.size = size or os.cpu_count() or 1
        self.timeout = timeout
        self.max_memory = max_memory
        self.context = _context()
        self.jobs: queue.Queue = queue.Queue()
        self.workers = [_Worker(self, n) for n in range(self.size)]
        self.cpu_seconds = 0.0  # spent by the workers on finished jobs
        self.replacements: dict[str, int] = {"timeout": 0, "crash": 0, "memory": 0, "recycled": 0}
        self._slots: asyncio.Semaphore | None = None

    def start(self) -> None:
        for worker in self.workers:
            worker.thread.start()

    def replaced(self, why: str) -> None:
        self.replacements[why] += 1
        # a worker recycled for the memory a big page left it is routine, not a warning
        logger.log(
            logging.INFO if why == "recycled" else logging.WARNING, "Replaced an extraction worker (%s)", why
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._slots is None:
            self._slots = asyncio.Semaphore(2 * self.size)
        loop = asyncio.get_running_loop()
        async with self._slots:
            future: asyncio.Future[T] = loop.create_future()

            def deliver(ok: bool, value: Any, cpu: float) -> None:
                def settle() -> None:
                    self.cpu_seconds += cpu
                    if future.cancelled():
                        return
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)

                with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
                    loop.call_soon_threadsafe(settle)

            self.jobs.put((fn, args, deliver))
            return await future

    def close(self) -> None:
        for _ in self.workers:
            self.jobs.put(None)
        for worker in self.workers:
            if worker.thread.is_alive():
                worker.thread.join()
