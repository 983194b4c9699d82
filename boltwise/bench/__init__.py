"""Benchmarks: ``python -m boltwise.bench PAGES_DIR`` (throughput and memory against bare trafilatura),
``python -m boltwise.bench.dedup`` (dedup index cost and size as it grows) and
``python -m boltwise.bench.scaleout POSTGRESQL_URI`` (a shared crawl with 1, 2 and 4 processes)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def saved_articles() -> list[str]:
    """The saved articles of ``fixtures/articles``: real German text for generated benchmark data."""
    return [path.read_text("utf-8") for path in sorted((REPO / "fixtures" / "articles").glob("*.txt"))]
