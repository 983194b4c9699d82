"""The fixtures are what they claim to be."""

import filecmp
import importlib.util
import sys

import pytest
import trafilatura

from .conftest import FIXTURES, SHARED, needs_shared, seed_lines

SITE = FIXTURES / "site"
RECONSTRUCTIONS = {
    "000_8393ffbcd8907b3d.txt": "www.it-boltwise.de/nato-generalsekretaer-trifft-trump-gespraeche-ueber-ukraine-krieg.html",
    "001_bbbc0ff35450de96.txt": "www.it-boltwise.de/nato-generalsekretaer-rutte-sucht-in-washington-nach-loesungen-fuer-ukraine-konflikt.html",
    "002_d0fef97fb407ba67.txt": "www.it-boltwise.de/nato-sicherheitsgarantien-rutte-staerkt-die-ukraine.html",
    "004_c11d6f5acf65279e.txt": "www.it-boltwise.de/nato-plant-sicherheitsgarantien-fuer-die-ukraine.html",
    "003_84c19c9baf8032c0.txt": "nachrichten.example/politik/rutte-trump-nato-ukraine-gespraech-4711.html",
}


@needs_shared
def test_articles_are_the_seeds_verbatim():
    seeds = sorted(p.name for p in (SHARED / "seeds").iterdir())
    assert sorted(p.name for p in (FIXTURES / "articles").iterdir()) == seeds
    for name in seeds:
        assert filecmp.cmp(SHARED / "seeds" / name, FIXTURES / "articles" / name, shallow=False)


@pytest.mark.parametrize(("seed", "page"), RECONSTRUCTIONS.items())
def test_bare_trafilatura_on_reconstruction_returns_the_seed(seed, page):
    # trafilatura 2.3.1's text output never contains empty lines, so the seeds' blank lines
    # cannot come back from any page: every other line must, in order and to the letter
    text = trafilatura.extract((SITE / page).read_text("utf-8"))
    assert text.split("\n") == seed_lines(seed)


def test_committed_snapshots_are_what_build_site_writes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_site", FIXTURES / "build_site.py")
    build_site = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_site", build_site)  # dataclasses look their module up
    spec.loader.exec_module(build_site)
    build_site.main(tmp_path)
    for name in ("site", "site-update"):
        built = sorted(p.relative_to(tmp_path / name) for p in (tmp_path / name).rglob("*") if p.is_file())
        committed = sorted(p.relative_to(FIXTURES / name) for p in (FIXTURES / name).rglob("*") if p.is_file())
        assert built == committed
        for rel in built:
            assert (tmp_path / name / rel).read_bytes() == (FIXTURES / name / rel).read_bytes(), rel
