"""The extraction worker pool: same results as in-process, time limits, crashes, no hangs."""

import asyncio
import gzip
import os
import sys
import time
import types

import pytest

from boltwise.extract import ExtractOptions, extract_article
from boltwise.items import Page
from boltwise.textcodec import decode
from boltwise.workers import PRELOAD, JobTimeout, WorkerCrashed, WorkerPool, preload

from .conftest import CORPUS, FIXTURES


def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def die() -> None:
    os._exit(3)  # a worker killed mid-job, as by a segfault or the OOM killer


def form_class() -> str:
    from trafilatura.utils import load_html

    return type(load_html("<html><body><form><p>x</p></form></body></html>").find(".//form")).__name__


def pages() -> list[Page]:
    found = [Page(source=str(p), html=p.read_text("utf-8")) for p in sorted((FIXTURES / "site").rglob("*.html"))]
    if CORPUS.is_dir():
        found += [
            Page(source=str(p), html=decode(gzip.decompress(p.read_bytes())))
            for p in sorted((CORPUS / "html").glob("*.gz"))
        ]
    return found


def run(pool: WorkerPool, coroutine):
    async def main():
        try:
            return await coroutine(pool)
        finally:
            pool.close()

    pool.start()
    return asyncio.run(main())


def test_pool_output_is_identical_to_in_process_extraction():
    # the workers also parse with lxml's C element lookup (boltwise.preload): same output
    options = ExtractOptions()
    todo = pages()

    async def extract_all(pool):
        return await asyncio.gather(*(pool.run(extract_article, page, options) for page in todo))

    assert run(WorkerPool(2), extract_all) == [extract_article(page, options) for page in todo]


def test_workers_parse_with_the_c_element_lookup():
    async def ask(pool):
        return await pool.run(form_class)

    assert form_class() == "FormElement"  # lxml.html's Python lookup, in this process
    assert run(WorkerPool(1), ask) == "HtmlElement"


def test_a_job_over_the_time_limit_fails_and_its_worker_is_replaced():
    async def scenario(pool):
        with pytest.raises(JobTimeout, match="longer than 1 s"):
            await pool.run(slow, 30)
        return await pool.run(slow, 0)  # the replacement takes the next job

    pool = WorkerPool(1, timeout=1)
    started = time.monotonic()
    assert run(pool, scenario) == "done"
    assert time.monotonic() - started < 20 and pool.replacements["timeout"] == 1


def test_a_crashed_worker_is_replaced():
    async def scenario(pool):
        with pytest.raises(WorkerCrashed):
            await pool.run(die)
        return await asyncio.gather(*(pool.run(slow, 0) for _ in range(4)))

    pool = WorkerPool(2)
    assert run(pool, scenario) == ["done"] * 4
    assert pool.replacements["crash"] == 1


def test_errors_in_jobs_reach_the_caller():
    async def scenario(pool):
        with pytest.raises(ZeroDivisionError):
            await pool.run(divmod, 1, 0)
        return await pool.run(divmod, 7, 2)

    assert run(WorkerPool(1), scenario) == (3, 1)


def test_fork_server_preloads_what_a_script_main_would_make_every_worker_import(monkeypatch):
    script = types.ModuleType("__main__")
    script.__file__ = "/usr/bin/scrapy"  # the console script: __spec__ is None
    script.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", script)
    assert preload() == [*PRELOAD, "scrapy.cmdline"]
    script.__spec__ = object()  # python -m scrapy: multiprocessing leaves the main module alone
    assert preload() == PRELOAD
