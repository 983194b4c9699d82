"""The template-site generator (boltwise.bench.templatesites): enough sites, repeatable, golds that hold,
teaser slots that reach bare trafilatura's text, descriptions of the page's own article."""

import gzip
import json
import re
from collections import defaultdict
from pathlib import Path

import lxml.html
import pytest
import trafilatura

from boltwise.bench.quality import score
from boltwise.bench.templatesites import generate
from boltwise.textcodec import decode

from .conftest import CORPUS, crawl, needs_corpus

pytestmark = needs_corpus


def page_text(path: Path) -> str:
    """The page's text as a reader's browser has it: no script or style, whitespace collapsed."""
    doc = lxml.html.document_fromstring(path.read_bytes())
    return re.sub(r"\s+", " ", " ".join(doc.xpath("//text()[not(ancestor::script or ancestor::style)]"))).strip()


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> tuple[Path, list[str], list[dict]]:
    out = tmp_path_factory.mktemp("sites")
    names = generate(CORPUS, out, seed=0)
    gold = [json.loads(line) for line in (out / "gold.jsonl").read_text("utf-8").splitlines()]
    return out, names, gold


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_at_least_five_templates_of_twenty_pages_each(sites):
    out, names, gold = sites
    pages = defaultdict(list)
    for page in gold:
        pages[page["file"].split("/")[0]].append(page)
    assert len(names) >= 5
    assert sorted(pages) == sorted(names)
    assert all(len(pages[name]) >= 20 for name in names)
    assert all((out / page["file"]).is_file() for page in gold)


def test_same_seed_same_bytes(sites, tmp_path):
    out, names, _ = sites
    assert generate(CORPUS, tmp_path, seed=0) == names
    ours = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert ours == sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert all((tmp_path / p).read_bytes() == (out / p).read_bytes() for p in ours)


def test_golds_are_in_the_page_and_never_overlap(sites):
    out, _, gold = sites
    for page in gold:
        text = page_text(out / page["file"])
        assert len(page["with"]) >= 3, page["file"]
        assert page["without"], page["file"]
        for s in page["with"]:
            assert s in text, (page["file"], s)
        for s in page["without"]:
            assert s in text, (page["file"], s)
        for w in page["with"]:
            for o in page["without"]:
                assert w not in o and o not in w, (page["file"], w, o)


def test_a_template_is_one_site_from_one_donor_and_donors_differ(sites):
    out, names, gold = sites
    donors = defaultdict(set)
    for page in gold:
        name, n = page["file"].removesuffix(".html").split("/")
        donors[name].add(page["donor"])
        url = f"https://{name}.example/artikel/{n}.html"
        assert page["url"] == url
        doc = lxml.html.document_fromstring((out / page["file"]).read_bytes())
        assert set(doc.xpath("//link[@rel='canonical']/@href")) == {url}  # a donor may have two
    assert all(len(donors[name]) == 1 for name in names)
    assert len(set.union(*donors.values())) == len(names)


def test_every_template_leaks_slot_headlines_into_bare_trafilatura(sites):
    """The default set is of leaky donors: on each template bare trafilatura keeps slot headlines."""
    out, names, gold = sites
    kept = defaultdict(int)
    for page in gold:
        text = normalise(trafilatura.extract((out / page["file"]).read_bytes(), include_comments=False) or "")
        kept[page["file"].split("/")[0]] += sum(normalise(s) in text for s in page["without"])
    assert all(kept[name] >= 10 for name in names), dict(kept)


def own_description(file: str) -> str | None:
    """A de-news page's description: ``<meta name="description">``, else ``og:description``."""
    html = decode(gzip.decompress((CORPUS / file).read_bytes()))
    # as text: its bytes may declare another charset than the one they are in
    doc = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", html))
    for name in ("description", "og:description"):
        for meta in doc.iter("meta"):
            if meta_name(meta) == name and normalise(meta.get("content") or ""):
                return normalise(meta.get("content"))
    return None


def meta_name(meta) -> str:
    return (meta.get("name") or meta.get("property") or "").strip().lower()


def test_descriptions_are_the_inserted_articles_or_absent(sites):
    out, _, gold = sites
    described = 0
    for page in gold:
        assert page["article"] != page["donor"]
        expected = own_description(page["article"])
        doc = lxml.html.document_fromstring((out / page["file"]).read_bytes())
        found = [
            normalise(meta.get("content") or "")
            for meta in doc.iter("meta")
            if meta_name(meta) in ("description", "og:description", "twitter:description")
        ]
        for script in doc.xpath("//script[@type='application/ld+json']"):
            try:
                data = json.loads(script.text or "")
            except ValueError:
                continue
            for obj in data if isinstance(data, list) else [data, *data.get("@graph", [])]:
                if isinstance(obj, dict) and (
                    "headline" in obj or str(obj.get("@type", "")).endswith(("Article", "Page"))
                ):
                    found += [normalise(obj["description"])] if "description" in obj else []
        if expected is None:
            assert found == [], page["file"]
        else:
            assert set(found) <= {expected}, page["file"]
            described += bool(found)
    assert described >= len(gold) / 2  # most donors declare a description, most articles have one
    assert len({page["article"] for page in gold}) == len(gold)


def test_the_template_learner_takes_slot_headlines_and_no_article_text(sites, tmp_path):
    """One crawl of all the generated sites with learned templates, one without: with them the
    teaser headlines go (precision up) and no article text with them (recall held)."""
    out, _, gold = sites
    texts = {}
    for learner in (True, False):
        result = crawl(tmp_path, "files", "-a", f"path={out}", "-s", f"BOLTWISE_CLEAN_TEMPLATES_ENABLED={learner}")
        assert result.returncode == 0, result.log
        texts[learner] = {Path(item["source"]).relative_to(out).as_posix(): item["text"] for item in result.items}
        if learner:
            assert result.stat("boltwise/clean/removed/template") > 0
    (p_with, r_with, _), (p_without, r_without, _) = score(texts[True], gold), score(texts[False], gold)
    print(
        f"\ntemplate sites: with learner P {p_with:.3f} R {r_with:.3f}; without P {p_without:.3f} R {r_without:.3f}"
    )
    assert p_with >= p_without + 0.02
    assert r_with >= r_without
