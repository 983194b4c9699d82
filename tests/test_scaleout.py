"""Many processes, one PostgreSQL: the same stored result as one process, whichever process dies.

A generated site (1,000 articles, 50 exact copies, 50 truncated copies, then an update revising
20 articles) is crawled once by one process into one schema, and by three processes into another
while one process group (crawler and extraction workers) is SIGKILLed at a seeded moment and
started again. Both stores must hold the same articles, revisions, ledger states with the same
copies' originals, and learned-boilerplate counts.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from boltwise.bench.sitegen import generate_site

from .conftest import POSTGRES, REPO, sitemap_replay

pytestmark = pytest.mark.skipif(
    not POSTGRES, reason="set BOLTWISE_TEST_POSTGRES_URI (.ci/run starts a server and sets it)"
)

ARTICLES, COPIES, EXCERPTS, REVISED = 1000, 50, 50, 20
TERMINAL = {"stored", "duplicate", "dropped"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[str, str]:
    """(replay directories of the site, of the site and its update), and the sitemap URL."""
    base, update = tmp_path_factory.mktemp("site"), tmp_path_factory.mktemp("update")
    sitemap = generate_site(base, ARTICLES, copies=COPIES, excerpts=EXCERPTS)
    generate_site(update, ARTICLES, copies=COPIES, excerpts=EXCERPTS, updated=REVISED)
    return str(base), f"{base},{update}", sitemap


def _schema() -> tuple[str, str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    separator = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{separator}options=-csearch_path%3D{name}", name


def _start(replay: str, sitemap: str, uri: str, log: Path) -> subprocess.Popen:
    args = [
        *sitemap_replay(replay, sitemap, uri),
        *("-s", "BOLTWISE_WORKERS=1", "-s", "BOLTWISE_LEASE_SECONDS=5", "-s", "LOG_LEVEL=INFO"),
    ]
    with log.open("w") as stderr:  # the child has its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", *args],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
        )  # fmt: skip


def _kill_moment(schema: str, pids: list[int], progress: float) -> int:
    """Wait until the run has ``progress`` of the site's pages done and one of the processes
    ``pids`` holds committed leases — work that its death leaves to others — and return it: the
    first of ``pids`` that does (which of them is busy at that moment is the scheduler's choice)."""
    pages = ARTICLES + COPIES + EXCERPTS
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        for _ in range(1200):
            done, owners = 0, []
            if _has_frontier(conn, schema):
                done = conn.execute(f"SELECT count(*) FROM {schema}.frontier WHERE state = 'done'").fetchone()[0]
                owners = [
                    row[0] for row in conn.execute(f"SELECT owner FROM {schema}.frontier WHERE state = 'leased'")
                ]
            holding = [pid for pid in pids if any(f":{pid}:" in (owner or "") for owner in owners)]
            if done >= progress * pages and holding:
                return holding[0]
            time.sleep(0.05)
    pytest.fail(f"no crawler of {pids} held a lease when {progress:.0%} of the pages were done")


def _has_frontier(conn: psycopg.Connection, schema: str) -> bool:
    return conn.execute("SELECT to_regclass(%s)", (f"{schema}.frontier",)).fetchone() != (None,)


def _finish(procs: list[subprocess.Popen], logs: list[Path]) -> str:
    for proc in procs:
        assert proc.wait(timeout=600) == 0
    return "\n".join(log.read_text() for log in logs)


def _stat(log: str, name: str) -> int:
    return sum(int(n) for n in re.findall(rf"'{re.escape(name)}': (\d+)", log))


def _export(uri: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "boltwise-export", "-s", f"BOLTWISE_STORE_URI={uri}"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout


def _contents(name: str) -> dict[str, list[tuple]]:
    """What a store decided: ledger states and reasons, revisions, learned boilerplate."""
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        return {
            table: conn.execute(f"SELECT {columns} FROM {name}.{table} ORDER BY 1, 2").fetchall()
            for table, columns in (
                ("ledger", "url, state, reason"),
                ("article_revisions", "url, revision, item"),
                ("boilerplate_sites", "site, articles"),
                ("boilerplate_lines", "site, line_hash, articles"),
            )
        }


@pytest.fixture(scope="module")
def one_process(site, tmp_path_factory) -> tuple[str, dict]:
    base, updated, sitemap = site
    uri, name = _schema()
    logs = tmp_path_factory.mktemp("one")
    for replay in (base, updated):
        _finish([_start(replay, sitemap, uri, logs / "crawl.log")], [logs / "crawl.log"])
    return _export(uri), _contents(name)


@pytest.mark.parametrize("seed", [1, 7])  # kill crawler 0, then crawler 1
def test_three_processes_with_one_killed_store_what_one_process_stores(site, one_process, tmp_path, seed):
    base, updated, sitemap = site
    uri, name = _schema()
    rng = random.Random(seed)
    logs = [tmp_path / f"crawler-{i}.log" for i in range(3)]
    procs = [_start(base, sitemap, uri, log) for log in logs]
    first = rng.randrange(3)  # the first choice of victim; the others in turn if it holds no lease
    pids = [procs[(first + i) % 3].pid for i in range(3)]
    killed = _kill_moment(name, pids, rng.uniform(0.05, 0.6))  # while it fetches and decides
    victim = next(i for i, proc in enumerate(procs) if proc.pid == killed)
    os.killpg(procs[victim].pid, signal.SIGKILL)  # the crawler and its workers, no goodbye
    procs[victim].wait()
    restarted = tmp_path / "restarted.log"
    procs[victim] = _start(base, sitemap, uri, restarted)
    log = _finish(procs, [*logs[:victim], *logs[victim + 1 :], restarted])
    assert _stat(log, "boltwise/frontier/reclaimed") >= 1, "the kill hit no live work"
    # the update, with three processes again
    logs = [tmp_path / f"update-{i}.log" for i in range(3)]
    _finish([_start(updated, sitemap, uri, log) for log in logs], logs)

    export, contents = _export(uri), _contents(name)
    single_export, single = one_process
    assert export == single_export  # the same articles, texts and revisions, each once
    assert len(export.splitlines()) == ARTICLES + EXCERPTS - EXCERPTS  # the excerpts are near copies
    for table in single:
        assert contents[table] == single[table], table
    states = {state for _, state, _ in contents["ledger"]}
    assert states <= TERMINAL, states
    copies = [reason for _, state, reason in contents["ledger"] if state == "duplicate"]
    assert len(copies) == COPIES + EXCERPTS
    assert sum(1 for url, revision, _ in contents["article_revisions"] if revision == 2) == REVISED
    print(f"\nseed {seed}: killed crawler {victim}, {_stat(log, 'boltwise/frontier/reclaimed')} leases reclaimed")


def test_status_shows_an_open_run_with_its_leases(site, tmp_path):
    base, _, sitemap = site
    uri, name = _schema()
    proc = _start(base, sitemap, uri, tmp_path / "crawl.log")
    _kill_moment(name, [proc.pid], 0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    status = subprocess.run(
        [sys.executable, "-m", "scrapy", "boltwise-status", "-s", f"BOLTWISE_STORE_URI={uri}"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert '\nopen run 1: ["news", [["sitemap", "https://gen.example/sitemap_index.xml"]]]\n' in status
    pending = re.search(r"pending (\d+), leased (\d+), waiting for the decider (\d+)", status)
    assert pending and int(pending[1]) > 0 and int(pending[2]) > 0, status
    assert re.search(rf"\nleased\tboltwise:[^:]+:{proc.pid}:\w+\t\d+\n", status), status  # the dead one's


def test_an_interrupted_process_stops_cleanly_and_the_run_resumes(site, tmp_path):
    """Ctrl-C: the heartbeat and the decider stop between two statements, before the store
    closes; the same command then finishes the run."""
    base, _, sitemap = site
    uri, name = _schema()
    proc = _start(base, sitemap, uri, tmp_path / "interrupted.log")
    _kill_moment(name, [proc.pid], 0.3)
    proc.send_signal(signal.SIGINT)
    log = _finish([proc], [tmp_path / "interrupted.log"])
    assert "Spider closed (shutdown)" in log and " ERROR: " not in log, log
    log = _finish([_start(base, sitemap, uri, tmp_path / "resumed.log")], [tmp_path / "resumed.log"])
    assert "Joined run 1 " in log and "Run 1 is finished" in log
    assert len(_export(uri).splitlines()) == ARTICLES


def test_two_crawl_jobs_on_one_store_store_each_story_once(site, tmp_path):
    """Two jobs at once (each sitemap of the site crawled by its own command), each with its own
    run and decider, and stories in both: each story is stored once, whichever job gets it first."""
    base, _, _ = site
    uri, _ = _schema()
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    procs = [
        _start(base, f"https://gen.example/post-sitemap{n}.xml", uri, log)
        for n, log in ((1, logs[0]), (2, logs[1]))
    ]
    log = _finish(procs, logs)
    assert log.count("This process is the decider of run") == 2  # one per run: both decided
    assert len(_export(uri).splitlines()) == ARTICLES
    with psycopg.connect(uri) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM ledger GROUP BY state").fetchall())
    assert states == {"stored": ARTICLES, "duplicate": COPIES + EXCERPTS}
