"""The extraction worker pool: same results as in-process, time limits, crashes, no hangs."""

import asyncio
import gzip
import os
import sys
import time
import types

import htmldate.extractors
import justext.core
import pytest
import trafilatura.external

from boltwise.extract import ExtractOptions, extract_article
from boltwise.items import Page
from boltwise.textcodec import decode
from boltwise.workers import PRELOAD, JobTimeout, OutOfMemory, WorkerCrashed, WorkerPool, preload

from .conftest import CORPUS, FIXTURES


def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def die() -> None:
    os._exit(3)  # a worker killed mid-job, as by a segfault or the OOM killer


def hog(megabytes: int) -> int:
    """Take memory as a parser does, a few megabytes at a time; when an allocation fails, give up
    quietly, as lxml and trafilatura often do."""
    taken = []
    try:
        for _ in range(megabytes // 4):
            taken.append(bytearray(4 * 2**20))
    except MemoryError:
        return -1
    return 4 * 2**20 * len(taken)


_kept = []


def keep(megabytes: int) -> int:
    _kept.append(bytearray(megabytes * 2**20))
    return megabytes


def form_class() -> str:
    from trafilatura.utils import load_html

    return type(load_html("<html><body><form><p>x</p></form></body></html>").find(".//form")).__name__


def lazy_setup() -> tuple:
    """What trafilatura and its helpers build on first use, as far as it shows from outside:
    whether jusText's stop words are there, and (hits, misses, size) of the caches for the rest."""
    caches = (
        htmldate.extractors.get_external_parser,
        htmldate.extractors.month_words,
        justext.core.define_stoplist,
    )
    counts = [(info.hits, info.misses, info.currsize) for info in (cache.cache_info() for cache in caches)]
    return (trafilatura.external.JT_STOPLIST is not None, *counts)


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


def extract_all_watching_lazy_setup(todo: list[Page]) -> tuple[tuple, tuple]:
    before = lazy_setup()
    for page in todo:
        extract_article(page, ExtractOptions())
    return before, lazy_setup()


# no metadata and little text: trafilatura falls back to jusText, htmldate hands the date to dateparser
FALLBACK_PAGE = """<html><body><div class="date">am 3. Maerz 2025</div><div>
<div>Die Stadt hat am Montag neue Regeln für den Verkehr in der Innenstadt beschlossen, die ab dem Sommer gelten.</div>
<div>Der Rat stimmte mit großer Mehrheit dafür, wie ein Sprecher der Verwaltung am Abend mitteilte.</div>
</div></body></html>"""


def test_workers_start_with_the_stop_words_ready_and_build_dateparser_when_a_page_needs_it():
    async def watch(pool):
        return await pool.run(
            extract_all_watching_lazy_setup, [Page(source="fallback", html=FALLBACK_PAGE), *pages()]
        )

    (stoplist, *before), (_, *after) = run(WorkerPool(1), watch)
    assert stoplist
    # jusText's stop words are ready; what htmldate builds from dateparser is not (see warm_caches)
    assert [size for _hits, _misses, size in before] == [0, 0, 1]
    # dateparser's parser was built once, for the page that needed it; the stop words not again
    assert after[0][1] == 1 and after[2][1] == before[2][1]
    if CORPUS.is_dir():  # jusText runs on some de-news pages; no fixture page needs it
        assert after[2][0] > before[2][0]  # jusText ran, and found its stop words ready


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


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="the memory ceiling needs Linux's /proc")
def test_a_job_over_the_memory_ceiling_fails_and_its_worker_is_replaced():
    async def scenario(pool):
        small = await pool.run(hog, 20)
        with pytest.raises(OutOfMemory, match="more than 200 MB"):
            await pool.run(hog, 400)  # raises MemoryError in the worker
        with pytest.raises(OutOfMemory):
            await pool.run(hog, 190)  # succeeds just under the ceiling: its result cannot be trusted
        return small, await pool.run(hog, 20)  # a fresh worker, with all its room

    pool = WorkerPool(1, max_memory=200 * 2**20)
    assert run(pool, scenario) == (20 * 2**20, 20 * 2**20)
    assert pool.replacements["memory"] == 2


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="the memory ceiling needs Linux's /proc")
def test_a_small_ceiling_still_leaves_small_jobs_their_room():
    async def scenario(pool):
        return [await pool.run(hog, 8) for _ in range(3)]

    pool = WorkerPool(1, max_memory=64 * 2**20)
    assert run(pool, scenario) == [8 * 2**20] * 3 and pool.replacements["memory"] == 0


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="the memory ceiling needs Linux's /proc")
def test_a_worker_a_big_page_left_bloated_is_recycled():
    async def scenario(pool):
        await pool.run(keep, 350)  # more than half of the 600 MB still held after the job
        return await pool.run(hog, 400)  # fits only in a fresh worker

    pool = WorkerPool(1, max_memory=600 * 2**20)
    assert run(pool, scenario) == 400 * 2**20
    assert pool.replacements == {"timeout": 0, "crash": 0, "memory": 0, "recycled": 1}


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
