"""Benchmarks: ``python -m boltwise.bench.dedup`` (dedup index scaling)."""
