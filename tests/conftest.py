from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpora" / "de-news"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared is not beside the checkout"
)
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora/de-news is absent")


def seed_lines(name: str) -> list[str]:
    """A saved article's non-empty lines (trafilatura 2.3.1 text output has no empty lines)."""
    text = (FIXTURES / "articles" / name).read_text("utf-8")
    return [line for line in text.split("\n") if line.strip()]


class CrawlResult:
    def __init__(self, returncode: int, log: str, items: list[dict]) -> None:
        self.returncode, self.log, self.items = returncode, log, items

    def stat(self, name: str) -> int | None:
        """A counter from the stats dump at the end of the log."""
        marker = f"'{name}': "
        for line in self.log.splitlines():
            line = line.strip().lstrip("{")
            if line.startswith(marker):
                return int(line[len(marker) :].rstrip(",}"))
        return None


def crawl(tmp_path: Path, *args: str, wrapper: list[str] | None = None) -> CrawlResult:
    """Run ``scrapy crawl ARGS -O out.jsonl`` in a subprocess, as a user would."""
    out = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}.jsonl"
    proc = subprocess.run(
        [
            *(wrapper or []),
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            *args,
            "-O",
            str(out),
            "-s",
            "LOG_LEVEL=INFO",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    items = (
        [json.loads(line) for line in out.read_text("utf-8").splitlines()] if out.exists() else []
    )
    return CrawlResult(proc.returncode, proc.stderr, items)
