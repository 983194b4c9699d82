"""Extraction quality: bare trafilatura against ``scrapy crawl files``, on de-news and on template sites.

    python -m boltwise.bench.quality [--corpus ../shared/corpora/de-news] [--templates 6] [--pages 25] [--seed 0]

Prints markdown tables of precision, recall and F1 as the corpus README defines them (each gold
``with`` string found is a true positive, each one missed a false negative, each ``without``
string found a false positive), and the share of ``without`` strings that the text kept:

(a) **de-news**, every page once: bare ``trafilatura.extract(html, include_comments=False)``
    and ``scrapy crawl files`` with default settings;
(b) **template sites** (:mod:`boltwise.bench.templatesites`, generated into a temporary
    folder): per template and overall, bare trafilatura, one crawl of all the sites with
    ``BOLTWISE_CLEAN_TEMPLATES_ENABLED=False`` (without the learner of site templates) and one
    with default settings (with it). There the ``without`` strings are the headlines put into
    the pages' teaser slots, so their share kept is how much of a site's teasers ends up in
    its articles. Two sets, of the same seed and size: first the **leaky** one (the default of
    ``generate``: donors whose teaser slots reach bare trafilatura's text, what the learner is
    for), then one of **any donor** (``leaky=False``), where bare trafilatura keeps almost no
    slot headline: what the learner costs where there is nothing for it to remove.

Each crawl runs as ``scrapy crawl`` does for a user, in a subprocess with a fresh store; a page
that yields no item (dropped as a duplicate, nothing extracted) scores as an empty text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import trafilatura

from boltwise.bench import REPO
from boltwise.bench.templatesites import generate

CORPUS = REPO.parent / "shared" / "corpora" / "de-news"
WITHOUT_LEARNER = ("-s", "BOLTWISE_CLEAN_TEMPLATES_ENABLED=False")


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _counts(texts: dict[str, str], gold: list[dict]) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for page in gold:
        text = normalise(texts.get(page["file"], ""))
        found = [normalise(s) in text for s in page["with"]]
        tp, fn = tp + sum(found), fn + found.count(False)
        fp += sum(normalise(s) in text for s in page["without"])
    return tp, fp, fn


def score(texts: dict[str, str], gold: list[dict]) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``texts`` (by gold ``file``) as the corpus README defines them
    (trafilatura's evaluation): whitespace-normalised substring tests."""
    tp, fp, fn = _counts(texts, gold)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _kept(texts: dict[str, str], gold: list[dict]) -> str:
    """How many of the ``without`` strings the texts hold."""
    _, fp, _ = _counts(texts, gold)
    total = sum(len(page["without"]) for page in gold)
    return f"{fp}/{total} ({100 * fp / total:.1f} %)" if total else "-"


def read_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _bare_one(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return trafilatura.extract(data, include_comments=False) or ""


def bare(root: Path, gold: list[dict]) -> dict[str, str]:
    """Bare trafilatura's text of each gold page below ``root``, one process per CPU."""
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        texts = pool.map(_bare_one, [root / page["file"] for page in gold], chunksize=8)
        return {page["file"]: text for page, text in zip(gold, texts, strict=True)}


def crawl(path: Path, root: Path, tmp: Path, settings: Iterable[str] = ()) -> dict[str, str]:
    """``scrapy crawl files -a path=PATH``'s text of each page, by its path relative to ``root``."""
    tmp.mkdir(parents=True)
    out = tmp / "out.jsonl"
    command = [
        sys.executable, "-m", "scrapy", "crawl", "files", "-a", f"path={path}",
        "-s", f"BOLTWISE_STORE_URI=sqlite:///{tmp}/x.sqlite3", "-s", "LOG_LEVEL=WARNING",
        *settings, "-O", str(out),
    ]  # fmt: skip
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    return {Path(item["source"]).relative_to(root).as_posix(): item["text"] for item in items}


def _prf(texts: dict[str, str], gold: list[dict]) -> str:
    return " | ".join(f"{value:.3f}" for value in score(texts, gold))


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(row) + " |" for row in lines)


def denews(corpus: Path, tmp: Path) -> str:
    gold = read_gold(corpus / "gold.jsonl")
    runs = {
        "bare trafilatura": bare(corpus, gold),
        "scrapy crawl files": crawl(corpus / "html", corpus, tmp / "de-news"),
    }
    rows = [
        [name, _prf(texts, gold), _kept(texts, gold), str(sum(bool(t.strip()) for t in texts.values()))]
        for name, texts in runs.items()
    ]
    header = ["extraction", "precision", "recall", "F1", "`without` strings kept", "pages with text"]
    return f"### de-news ({len(gold)} pages)\n\n" + _table(header, rows)


def template_sites(corpus: Path, tmp: Path, templates: int, pages: int, seed: int, leaky: bool) -> str:
    kind = "leaky" if leaky else "any"
    out = tmp / f"sites-{kind}"
    names = generate(corpus, out, templates=templates, pages=pages, seed=seed, leaky=leaky)
    gold = read_gold(out / "gold.jsonl")
    # one crawl over all the sites per configuration: a site is its pages' canonical host
    runs = {
        "bare trafilatura": bare(out, gold),
        "without learner": crawl(out, out, tmp / f"without-{kind}", WITHOUT_LEARNER),
        "with learner": crawl(out, out, tmp / f"with-{kind}"),
    }
    groups = [(name, [page for page in gold if page["file"].startswith(f"{name}/")]) for name in names]
    groups.append(("**all**", gold))
    quality = [[name, str(len(sub)), *(_prf(texts, sub) for texts in runs.values())] for name, sub in groups]
    kept = [[name, *(_kept(texts, sub) for texts in runs.values())] for name, sub in groups]
    header = ["template", "pages"]
    for run in runs:
        header += [f"{run} P", "R", "F1"]
    title = (
        "leaky donors (teaser slots reach bare trafilatura's text; `generate(leaky=True)`, the default)"
        if leaky
        else "any donor (`generate(leaky=False)`)"
    )
    return (
        f"### template sites, {title}: {len(names)} templates × {pages} pages, seed {seed}\n\n"
        + _table(header, quality)
        + "\n\nslot headlines (`without` strings) kept in the text:\n\n"
        + _table(["template", *runs], kept)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--templates", type=int, default=6)
    parser.add_argument("--pages", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    if not (corpus / "gold.jsonl").is_file():
        sys.exit(f"no de-news corpus at {corpus} (--corpus names its folder)")
    with tempfile.TemporaryDirectory(prefix="boltwise-quality-") as name:
        tmp = Path(name).resolve()  # items name their files by the resolved path
        print(denews(corpus, tmp), end="\n\n")
        print(template_sites(corpus, tmp, args.templates, args.pages, args.seed, leaky=True), end="\n\n")
        print(template_sites(corpus, tmp, args.templates, args.pages, args.seed, leaky=False))


if __name__ == "__main__":
    main()
