"""Dedup index benchmark: lookup+insert cost and index size per article as the index grows.

    python -m boltwise.bench.dedup --sizes 10000,100000,1000000

Synthetic articles are fed through :class:`~boltwise.dedup.index.DedupIndex` over the real
SQLite store (WAL, ``synchronous=FULL``, writes committed in groups, as in a crawl).
Signatures are synthetic — random MinHash values, with 3% exact copies and 5% near copies (10% of
the values changed) — because hashing a million texts would measure MinHash, not the index; the
cost of fingerprinting a real article is measured separately on the saved articles. Each size
starts from an empty store. Printed per size: mean lookup+insert time over the last 1,000
articles (the cost at that size), store bytes per indexed article, LSH candidates per lookup,
decisions, and the process's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from boltwise.bench import saved_articles
from boltwise.dedup.fingerprint import NUM_PERM, Fingerprint, fingerprint
from boltwise.dedup.index import DedupIndex
from boltwise.store.sqlite import SQLiteStore


class CountingStore(SQLiteStore):
    """The real store, counting the LSH candidates it returns."""

    candidates = 0

    async def by_buckets(self, buckets):  # type: ignore[no-untyped-def]
        found = await super().by_buckets(buckets)
        self.candidates += len(found)
        return found


def synthetic(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    kept: list[Fingerprint] = []
    for i in range(n):
        roll = rng.random()
        if kept and roll < 0.03:
            fp = kept[int(rng.integers(len(kept)))]
        elif kept and roll < 0.08:
            base = kept[int(rng.integers(len(kept)))]
            signature = base.signature.copy()
            changed = rng.choice(NUM_PERM, NUM_PERM // 10, replace=False)
            signature[changed] = rng.integers(0, 2**32, len(changed), dtype=np.uint64).astype(np.uint32)
            fp = Fingerprint(int(rng.integers(-(2**63), 2**63 - 1)), signature, base.shingles, base.words)
        else:
            signature = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64).astype(np.uint32)
            words = int(rng.integers(150, 900))
            fp = Fingerprint(int(rng.integers(-(2**63), 2**63 - 1)), signature, words - 2, words)
            if len(kept) < 10_000:
                kept.append(fp)
        yield f"https://bench.example/{i}", fp


async def run(size: int, directory: Path) -> dict:
    path = directory / f"dedup-{size}.sqlite3"
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)  # each size starts from an empty store
    store = CountingStore(path)
    await store.setup()
    index = DedupIndex(store)
    decisions: Counter[str] = Counter()
    tail_from = max(0, size - 1000)
    tail = 0.0
    for i, (key, fp) in enumerate(synthetic(size)):
        if i == tail_from:
            store.candidates = 0
        start = time.perf_counter()
        decisions[(await index.check_fingerprint(key, fp, None)).kind] += 1
        if i >= tail_from:
            tail += time.perf_counter() - start
        if i % 100 == 99:
            await asyncio.sleep(0)  # let the grouped commits of the store run, as in a crawl
    await store.close()
    indexed = decisions["new"] + decisions["revision"]
    return {
        "size": size,
        "ms_per_article": tail / (size - tail_from) * 1000,
        "bytes_per_article": path.stat().st_size / indexed,
        "candidates_per_lookup": store.candidates / (size - tail_from),
        "decisions": dict(decisions),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--dir", type=Path, help="where the stores go (default: a temporary folder)")
    args = parser.parse_args()
    texts = saved_articles()
    start = time.process_time()  # CPU time: wall time on a shared machine varies twofold
    for _ in range(200):
        for text in texts:
            fingerprint(text)
    per_text = (time.process_time() - start) / (200 * len(texts)) * 1000
    print(f"fingerprint (shingles + MinHash, {NUM_PERM} permutations) of a saved article: {per_text:.2f} ms CPU")
    print("| articles | lookup+insert per article | store bytes per article | candidates per lookup | peak RSS |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        for size in (int(s) for s in args.sizes.split(",")):
            r = asyncio.run(run(size, directory))
            print(
                f"| {size:,} | {r['ms_per_article']:.2f} ms | {r['bytes_per_article']:,.0f} B "
                f"| {r['candidates_per_lookup']:.2f} | {r['peak_rss_mb']:.0f} MB |",
                flush=True,
            )


if __name__ == "__main__":
    main()
