"""Export benchmark: peak memory and time of ``scrapy boltwise-export`` as the store grows.

    python -m boltwise.bench.export --sizes 10000,1000000 --formats jsonl,csv,parquet

Builds, per size, a SQLite store of synthetic articles (distinct German-looking texts of
``--words`` words, with title, tags and dateline, written in both ``articles`` and
``article_revisions`` as the store stage writes them), then runs the export command on it in a
subprocess per format, as a user would, and prints the command's peak RSS (``wait4``), its wall
time and the output's size. Flat memory means the peak does not grow with the size.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORDS = [
    "Regierung",
    "Bundestag",
    "Koalition",
    "Haushalt",
    "Schulden",
    "Energie",
    "Strompreis",
    "Wärmepumpe",
    "Klima",
    "Gesetz",
    "Kommission",
    "Brüssel",
    "Berlin",
    "München",
    "Hamburg",
    "Wahl",
    "Umfrage",
    "Partei",
    "Minister",
    "Kanzler",
    "Opposition",
    "Debatte",
    "Reform",
    "Rente",
    "Pflege",
    "Krankenhaus",
    "Schule",
    "Lehrer",
    "Bahn",
    "Streik",
    "Gewerkschaft",
    "Tarif",
    "Lohn",
    "Inflation",
    "Zinsen",
    "Bank",
    "Börse",
    "Unternehmen",
    "Export",
    "Industrie",
    "Auto",
    "Batterie",
    "Forschung",
    "Universität",
    "Studie",
    "Daten",
    "Internet",
    "Sicherheit",
]


def build(path: Path, articles: int, words: int, seed: int = 1) -> None:
    """A store of ``articles`` synthetic articles (its schema made by the store itself)."""
    import asyncio

    from boltwise.store import open_store

    async def create() -> None:
        store = await open_store(f"sqlite:///{path}")
        await store.close()

    asyncio.run(create())
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    batch_a, batch_r = [], []
    for n in range(articles):
        url = f"https://news{n % 50}.example/artikel/{n:08d}.html"
        item = {
            "source": url, "url": url, "site": f"news{n % 50}.example",
            "title": " ".join(rng.choices(WORDS, k=8)), "text": " ".join(rng.choices(WORDS, k=words)),
            "published": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T08:00:00+01:00", "language": "de",
            "tags": rng.sample(WORDS, 3), "categories": ["Politik"], "word_count": words, "revision": 1,
            "dateline": {"places": ["BERLIN"], "source": "dpa"}, "supersedes": [],
        }  # fmt: skip
        document = json.dumps(item, ensure_ascii=False, sort_keys=True)
        batch_a.append((url, item["site"], item["title"], item["published"], None, 1, document, "2025"))
        batch_r.append((url, 1, document, "2025"))
        if len(batch_a) == 10_000 or n == articles - 1:
            db.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch_a)
            db.executemany("INSERT INTO article_revisions VALUES (?, ?, ?, ?)", batch_r)
            db.commit()
            batch_a, batch_r = [], []
    db.close()


def export(store: Path, out: Path) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of one ``scrapy boltwise-export -O out``.

    The child's peak counts from before its exec, when it shares this process's pages: this
    process stays small (the stores are built in processes of their own)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "boltwise-export", "-s", f"BOLTWISE_STORE_URI=sqlite:///{store}",
         "-O", str(out)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"export to {out} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return usage.ru_maxrss / 1024, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="articles per store, comma-separated")
    parser.add_argument("--formats", default="jsonl,csv,parquet")
    parser.add_argument("--words", type=int, default=250, help="words per article (250: a short news item)")
    parser.add_argument("--dir", help="where the stores and outputs go (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print("articles\tstore MB\tformat\tpeak RSS MB\tseconds\toutput MB")
        for size in map(int, args.sizes.split(",")):
            store = Path(tmp) / f"store-{size}.sqlite3"
            builder = multiprocessing.get_context("spawn").Process(target=build, args=(store, size, args.words))
            builder.start()
            builder.join()
            for fmt in args.formats.split(","):
                out = Path(tmp) / f"out-{size}.{fmt}"
                rss, seconds = export(store, out)
                print(
                    f"{size}\t{store.stat().st_size / 1e6:.0f}\t{fmt}\t{rss:.0f}\t{seconds:.1f}"
                    f"\t{out.stat().st_size / 1e6:.0f}",
                    flush=True,
                )
                out.unlink()
            store.unlink()


if __name__ == "__main__":
    main()
