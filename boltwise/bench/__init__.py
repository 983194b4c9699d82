"""Benchmarks: ``python -m boltwise.bench PAGES_DIR`` (throughput and memory against bare trafilatura)
and ``python -m boltwise.bench.dedup`` (dedup index cost and size as it grows)."""
