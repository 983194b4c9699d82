"""Regression on real German pages: cleaning must not cost recall nor precision vs bare trafilatura."""

import gzip
import json
import re
from pathlib import Path

import pytest
import trafilatura

from .conftest import CORPUS, crawl, needs_corpus


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def score(texts: dict[str, str], gold: list[dict]) -> tuple[float, float]:
    """Precision and recall as the corpus README defines them (trafilatura's evaluation)."""
    tp = fp = fn = 0
    for page in gold:
        text = normalise(texts.get(page["file"], ""))
        found = [normalise(s) in text for s in page["with"]]
        tp, fn = tp + sum(found), fn + found.count(False)
        fp += sum(normalise(s) in text for s in page["without"])
    return tp / (tp + fp), tp / (tp + fn)


@needs_corpus
@pytest.mark.parametrize("comments", [False, True], ids=["comments-off", "comments-on"])
def test_cleaning_keeps_recall_and_precision_of_bare_trafilatura(tmp_path, comments):
    """Extraction configured like the bare call; what differs is cleaning, which must cost nothing.

    comments-off is boltwise's default; comments-on is ``trafilatura.extract()``'s own default.
    """
    gold = [json.loads(line) for line in (CORPUS / "gold.jsonl").read_text("utf-8").splitlines()]
    bare = {}
    for page in gold:
        html = gzip.decompress((CORPUS / page["file"]).read_bytes())
        bare[page["file"]] = trafilatura.extract(html, include_comments=comments) or ""
    result = crawl(
        tmp_path, "files", "-a", f"path={CORPUS / 'html'}", "-s", f"BOLTWISE_EXTRACT_COMMENTS={comments}"
    )
    assert result.returncode == 0, result.log
    ours = {Path(item["source"]).relative_to(CORPUS).as_posix(): item["text"] for item in result.items}
    (bare_p, bare_r), (our_p, our_r) = score(bare, gold), score(ours, gold)
    print(f"\ncomments={comments}: bare trafilatura precision {bare_p:.4f} recall {bare_r:.4f}")
    print(
        f"comments={comments}: boltwise files   precision {our_p:.4f} recall {our_r:.4f} ({len(ours)}/{len(gold)} pages)"
    )
    assert our_r >= bare_r
    assert our_p >= bare_p
