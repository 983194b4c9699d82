from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpora" / "de-news"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside the checkout")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora/de-news is absent")


BOLTWISE_SEEDS = [
    "000_8393ffbcd8907b3d.txt",
    "001_bbbc0ff35450de96.txt",
    "002_d0fef97fb407ba67.txt",
    "004_c11d6f5acf65279e.txt",
]
# where the IT BOLTWISE furniture starts in every saved article; what comes before is the article
FURNITURE_START = "- Die besten Bücher rund um KI & Robotik!"


def seed_lines(name: str) -> list[str]:
    """A saved article's non-empty lines (trafilatura 2.3.1 text output has no empty lines)."""
    text = (FIXTURES / "articles" / name).read_text("utf-8")
    return [line for line in text.split("\n") if line.strip()]


def body_lines(name: str) -> list[str]:
    """The article paragraphs of a saved article, as a reader would mark them by hand."""
    lines = seed_lines(name)
    if name in BOLTWISE_SEEDS:
        return lines[: lines.index(FURNITURE_START)]
    return lines[1:]  # 003: the first line is its headline


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


def crawl(
    tmp_path: Path, *args: str, wrapper: list[str] | None = None, log_level: str | None = "INFO"
) -> CrawlResult:
    """Run ``scrapy crawl ARGS -O out.jsonl`` in a subprocess, as a user would (``log_level``
    None: the project's own)."""
    run = len(list(tmp_path.glob("out-*")))
    out = tmp_path / f"out-{run}.jsonl"
    if not any(arg.startswith("BOLTWISE_STORE_URI=") for arg in args):
        # a fresh store per crawl unless the test shares one on purpose: crawl state must not
        # leak between crawls or into the checkout
        args = (*args, "-s", f"BOLTWISE_STORE_URI=sqlite:///{tmp_path}/store-{run}.sqlite3")
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
            *(["-s", f"LOG_LEVEL={log_level}"] if log_level else []),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()] if out.exists() else []
    return CrawlResult(proc.returncode, proc.stderr, items)


def respond(handler, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
    """Answer a request in a test's own HTTP server (a BaseHTTPRequestHandler)."""
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def sitemap_replay(site: Path, sitemap: str, store_uri: str) -> list[str]:
    """The arguments of ``scrapy crawl`` for a replay of a generated site (boltwise.bench.sitegen)."""
    return [
        "news",
        "-a",
        f"sitemap={sitemap}",
        "-s",
        f"BOLTWISE_REPLAY_DIR={site}",
        "-s",
        f"BOLTWISE_STORE_URI={store_uri}",
    ]


def exported_urls(store_uri: str) -> list[str]:
    """The URLs of the articles ``scrapy boltwise-export`` gives from a store, in its order."""
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "boltwise-export", "-s", f"BOLTWISE_STORE_URI={store_uri}"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [json.loads(line)["url"] for line in out.stdout.splitlines()]


POSTGRES = os.environ.get("BOLTWISE_TEST_POSTGRES_URI")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_uri(request, tmp_path):
    """A fresh, empty store of each kind: SQLite always, PostgreSQL when a server is configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.sqlite3"
        return
    if not POSTGRES:
        pytest.skip(
            "PostgreSQL tests need a server: set BOLTWISE_TEST_POSTGRES_URI=postgresql://USER:PASSWORD@127.0.0.1/DB"
            " (.ci/run installs and starts one and sets it)"
        )
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES else "?"
    yield f"{POSTGRES}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
