"""Throughput benchmark: bare trafilatura, its parallel CLI and the whole boltwise pipeline, same pages, one run.

    python -m boltwise.bench PAGES_DIR [--rounds 3] [-s NAME=VALUE ...] [--replay 1000,10000]

1. **bare**: a fresh Python process runs the plain single-process loop — read each page, decode,
   ``trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)`` — timed from
   process start to exit.
2. **ceiling**: one such process per CPU, side by side, each on its share of the pages, timed
   until the last exits: what the machine gives to any multi-process extraction right now (on a
   shared virtual machine the second core is sometimes worth far less than the first).
3. **trafilatura CLI**: ``trafilatura --input-dir PAGES_DIR --output-dir OUT --parallel CPUS
   --with-metadata --no-comments`` — the tool a user would pick instead of boltwise — timed from
   process start to exit. It is given PAGES_DIR as is: it reads ``.html.gz`` itself (its
   ``decode_file`` sniffs the gzip magic bytes), so nothing is decompressed for it beforehand.
   ``--no-comments`` because the bare loop and boltwise leave comments out too. OUT is fresh each
   round, and the run fails unless it holds a file for at least 90 % of the pages: the CLI exits 0
   whatever goes wrong in its workers, and writes nothing for a page without an article.
4. **boltwise**: ``scrapy crawl files -a path=PAGES_DIR`` with a fresh store — extraction in
   worker processes, cleaning, dedup, storage — timed from process start to exit.

The four take turns for ``--rounds`` rounds, so that the drift in CPU speed of a shared machine
(easily ±20 % over a minute) hits them alike; each round and the medians are printed. Also
printed: the ratios of the medians (boltwise / bare, CLI time / boltwise time, ceiling / bare),
each stage's share of the CPU time in the median crawl (extraction in the workers, the rest on
the reactor thread; from the crawl's ``boltwise/cpu/*`` stats) and peak memory. With
``--replay``, generated sites of those sizes are replayed through ``scrapy crawl news`` to show
that peak memory stays flat as pages grow.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from boltwise.bench import REPO
from boltwise.bench.sitegen import generate_site

# the bare loop over every SHARE-th page from the START-th: (0, 1) is all pages
BARE = """
import gzip, sys, time
from pathlib import Path
import trafilatura
from boltwise.textcodec import decode
start, share = int(sys.argv[2]), int(sys.argv[3])
pages = 0
for path in sorted(p for p in Path(sys.argv[1]).rglob('*') if p.is_file())[start::share]:
    data = path.read_bytes()
    if path.name.endswith('.gz'):
        data = gzip.decompress(data)
    trafilatura.bare_extraction(decode(data), with_metadata=True, include_comments=False)
    pages += 1
print(pages)
"""


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout


def bare_parallel(pages_dir: Path, processes: int) -> float:
    """Wall time of ``processes`` bare loops, each over its share of the pages, run side by side."""
    start = time.perf_counter()
    running = [
        subprocess.Popen(
            [sys.executable, "-c", BARE, str(pages_dir), str(n), str(processes)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )
        for n in range(processes)
    ]
    if any(process.wait() for process in running):
        raise RuntimeError("a bare extraction loop failed")
    return time.perf_counter() - start


def trafilatura_cli(pages_dir: Path, output_dir: Path, processes: int, pages: int) -> float:
    """Wall time of trafilatura's own command line over the pages with ``processes`` workers."""
    # the console script next to our interpreter: the same environment as the other runs, and no
    # version-manager shim (pyenv's is a shell script) adding its own start-up to the time
    command = [str(Path(sys.executable).with_name("trafilatura")), "--input-dir", str(pages_dir)]
    command += ["--output-dir", str(output_dir), "--parallel", str(processes), "--with-metadata", "--no-comments"]
    start = time.perf_counter()
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    # its exit code says nothing: extraction errors only go to stderr and the pool's results are
    # never read. Files are named by a hash of their text (pages with the same text make one
    # file), in numbered subfolders past 1,000 pages
    written = sum(1 for path in output_dir.rglob("*") if path.is_file())
    if written < 0.9 * pages:
        raise RuntimeError(f"trafilatura CLI wrote {written} files for {pages} pages:\n{run.stderr[-2000:]}")
    return seconds


def crawl(args: list[str], workdir: Path, name: str) -> tuple[float, dict]:
    stats_file = workdir / f"{name}-stats.json"
    command = [sys.executable, "-m", "scrapy", "crawl", *args, "-O", str(workdir / f"{name}.jsonl")]
    command += [
        "-s",
        f"BOLTWISE_STORE_URI=sqlite:///{workdir}/{name}.sqlite3",
        "-s",
        f"BOLTWISE_STATS_FILE={stats_file}",
    ]
    command += ["-s", "LOG_LEVEL=WARNING", "-s", "MEMUSAGE_CHECK_INTERVAL_SECONDS=0.5"]  # a true peak
    seconds, _ = timed(command)
    return seconds, json.loads(stats_file.read_text())


def throughput(pages_dir: Path, workdir: Path, rounds: int, settings: list[str]) -> None:
    cpus = os.cpu_count() or 1
    bare: list[float] = []
    ceiling: list[float] = []
    cli: list[float] = []
    ours: list[tuple[float, dict]] = []
    for round_ in range(rounds):
        seconds, out = timed([sys.executable, "-c", BARE, str(pages_dir), "0", "1"])
        bare.append(seconds)
        pages = int(out.strip())
        ceiling.append(bare_parallel(pages_dir, cpus))
        cli.append(trafilatura_cli(pages_dir, workdir / f"cli-{round_}", cpus, pages))
        command = ["files", "-a", f"path={pages_dir}", *(arg for setting in settings for arg in ("-s", setting))]
        ours.append(crawl(command, workdir, f"files-{round_}"))
    print(f"pages: {pages} from {pages_dir}; {rounds} rounds, the four runs in turn; {cpus} CPUs")
    if settings:
        print(f"boltwise crawl with: {' '.join(settings)}")
    print(f"\n| round | bare, one process | bare, {cpus} processes side by side (ceiling) |"
          f" trafilatura CLI, --parallel {cpus} | boltwise `scrapy crawl files` | boltwise / bare |"
          " trafilatura CLI time / boltwise time | ceiling / bare |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for round_, (b, c, t, (o, _)) in enumerate(zip(bare, ceiling, cli, ours, strict=True), 1):
        print(f"| {round_} | {b:.1f} s | {c:.1f} s | {t:.1f} s | {o:.1f} s |"
              f" {b / o:.2f}x | {t / o:.2f}x | {b / c:.2f}x |")  # fmt: skip
    bare_median, ceiling_median = statistics.median(bare), statistics.median(ceiling)
    cli_median = statistics.median(cli)
    ours_median, stats = sorted(ours, key=lambda run: run[0])[len(ours) // 2]
    print("\n| run (median of the rounds) | wall time (process start to exit) | pages/s |")
    print("|---|---:|---:|")
    print(f"| bare trafilatura, one process | {bare_median:.1f} s | {pages / bare_median:.1f} |")
    print(
        f"| bare trafilatura, {cpus} processes (ceiling) | {ceiling_median:.1f} s | {pages / ceiling_median:.1f} |"
    )
    print(f"| trafilatura CLI, --parallel {cpus} | {cli_median:.1f} s | {pages / cli_median:.1f} |")
    print(f"| boltwise `scrapy crawl files` | {ours_median:.1f} s | {pages / ours_median:.1f} |")
    # every ratio ≥ 1.0 means boltwise (in the last, the ceiling) is the faster
    print(f"\nratio boltwise / bare (medians): {bare_median / ours_median:.2f}x;"
          f" trafilatura CLI time / boltwise time: {cli_median / ours_median:.2f}x;"
          f" ceiling / bare: {bare_median / ceiling_median:.2f}x")  # fmt: skip
    cpu = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("boltwise/cpu/")}
    total = sum(cpu.values())
    print("\n| stage (median crawl) | CPU seconds | share |")
    print("|---|---:|---:|")
    for stage, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(f"| {stage} | {seconds:.2f} | {seconds / total:.0%} |")
    peak = max(run[1].get("memusage/max", 0) for run in ours) / 2**20
    # the workers' own peak is not measured: they are the fork server's children, not ours
    print(f"\npeak memory of the crawler process: {peak:.0f} MB")


def replay_memory(sizes: list[int], workdir: Path) -> None:
    print("\n| replayed pages | wall time | pages/s | crawler peak RSS | RSS growth per 1,000 pages |")
    print("|---:|---:|---:|---:|---:|")
    baseline: tuple[int, float] | None = None
    for size in sizes:
        site = workdir / f"site-{size}"
        sitemap = generate_site(site, size)
        seconds, stats = crawl(
            ["news", "-a", f"sitemap={sitemap}", "-s", f"BOLTWISE_REPLAY_DIR={site}"],
            workdir,
            f"replay-{size}",
        )
        peak = stats.get("memusage/max", 0) / 2**20
        growth = "" if baseline is None else f"{(peak - baseline[1]) / (size - baseline[0]) * 1000:+.1f} MB"
        baseline = baseline or (size, peak)
        print(f"| {size:,} | {seconds:.1f} s | {size / seconds:.1f} | {peak:.0f} MB | {growth} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", type=Path, help="a folder of saved pages (.html, .html.gz)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the four runs (medians are reported)")
    parser.add_argument(
        "-s", dest="settings", action="append", default=[], metavar="NAME=VALUE", help="a setting for the crawl"
    )
    parser.add_argument("--replay", default="", help="comma-separated sizes of generated sites to replay")
    args = parser.parse_args()
    # boltwise's modules as bytecode, like every installed package (pip compiles them, trafilatura's
    # included): with PYTHONDONTWRITEBYTECODE set, as on this project's machines, the crawl and its
    # fork server would each compile them again every run (0.1 s of start-up)
    compileall.compile_dir(REPO / "boltwise", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        throughput(args.pages.resolve(), Path(tmp), args.rounds, args.settings)
        if args.replay:
            replay_memory([int(s) for s in args.replay.split(",")], Path(tmp))


if __name__ == "__main__":
    main()
