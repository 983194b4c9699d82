"""Shared-crawl benchmark: one generated site crawled by 1, 2 and 4 processes against one
PostgreSQL, one run each, same pages.

    python -m boltwise.bench.scaleout postgresql://USER:PASSWORD@HOST/DB [--pages 2000] [--processes 1,2,4]

Each crawl gets a fresh schema and replays the site (no network, so what is measured is
boltwise and PostgreSQL, not the sites). Printed per process count: wall time from the first
process's start to the last one's exit, pages per second, the pages each process fetched, and
the decider's decisions per second (candidates decided / seconds spent deciding them).
``BOLTWISE_WORKERS`` is set so that the processes share the CPUs: CPUs / processes, at least 1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from boltwise.bench import REPO
from boltwise.bench.sitegen import generate_site


def crawl(uri: str, site: Path, sitemap: str, processes: int, out: Path) -> dict:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    store = f"{uri}{'&' if '?' in uri else '?'}options=-csearch_path%3D{schema}"
    workers = max(1, (os.cpu_count() or 1) // processes)
    command = [
        sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sitemap={sitemap}",
        "-s", f"BOLTWISE_REPLAY_DIR={site}", "-s", f"BOLTWISE_STORE_URI={store}",
        "-s", f"BOLTWISE_WORKERS={workers}", "-s", "LOG_LEVEL=WARNING",
    ]  # fmt: skip
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [*command, "-s", f"BOLTWISE_STATS_FILE={out / f'{processes}-{i}.json'}"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(processes)
    ]
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit(f"a crawl with {processes} processes failed")
    wall = time.monotonic() - started
    stats = [json.loads((out / f"{processes}-{i}.json").read_text()) for i in range(processes)]
    with psycopg.connect(uri, autocommit=True) as conn:
        (articles,) = conn.execute(f"SELECT count(*) FROM {schema}.articles").fetchone()
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    decided = sum(s.get("boltwise/decider/decided", 0) for s in stats)
    deciding = sum(s.get("boltwise/decider/seconds", 0) for s in stats)
    return {
        "wall": wall,
        "pages": sum(s.get("downloader/response_count", 0) for s in stats),
        "per_process": [s.get("downloader/response_count", 0) for s in stats],
        "articles": articles,
        "decisions_per_second": decided / deciding if deciding else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("uri", help="a PostgreSQL database the benchmark may create schemas in")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--processes", default="1,2,4")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="boltwise-scaleout-") as tmp:
        site, out = Path(tmp) / "site", Path(tmp)
        sitemap = generate_site(site, args.pages, sitemaps=4, copies=args.pages // 20, excerpts=args.pages // 20)
        print(f"site: {args.pages} articles + {args.pages // 10} copies; {os.cpu_count()} CPUs")
        print("processes\twall s\tpages/s\tspeed-up\tpages per process\tarticles\tdecisions/s")
        base = None
        for processes in (int(n) for n in args.processes.split(",")):
            result = crawl(args.uri, site, sitemap, processes, out)
            rate = result["pages"] / result["wall"]
            base = base or rate
            print(
                f"{processes}\t{result['wall']:.1f}\t{rate:.0f}\t{rate / base:.2f}x\t"
                f"{'/'.join(map(str, result['per_process']))}\t{result['articles']}\t"
                f"{result['decisions_per_second']:.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
