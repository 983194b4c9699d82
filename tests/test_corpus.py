"""Regression on real German pages: cleaning must not cost recall nor precision vs bare trafilatura."""

import gzip
import json
from pathlib import Path

import pytest
import trafilatura

from boltwise.bench.quality import score

from .conftest import CORPUS, crawl, needs_corpus


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
    (bare_p, bare_r, _), (our_p, our_r, _) = score(bare, gold), score(ours, gold)
    print(f"\ncomments={comments}: bare trafilatura precision {bare_p:.4f} recall {bare_r:.4f}")
    print(
        f"comments={comments}: boltwise files   precision {our_p:.4f} recall {our_r:.4f} ({len(ours)}/{len(gold)} pages)"
    )
    assert our_r >= bare_r
    assert our_p >= bare_p
