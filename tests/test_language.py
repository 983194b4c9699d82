"""Language identification: py3langid's answers, from the unpacked model we cache."""

import numpy as np
import py3langid
import pytest

from boltwise.clean.language import detect_language, load_identifier

from .conftest import FIXTURES

TEXTS = {
    "de": "Die Bundesregierung hat am Montag neue Regeln für den Handel mit Drittstaaten beschlossen.",
    "en": "The government announced new rules for trade with third countries on Monday, officials said.",
    "fr": "Le gouvernement a annoncé lundi de nouvelles règles pour le commerce avec les pays tiers.",
    "pl": "Rząd ogłosił w poniedziałek nowe zasady dotyczące handlu z krajami trzecimi.",
}


@pytest.fixture(scope="module")
def stock():
    return py3langid.langid.LanguageIdentifier.from_model_file(py3langid.langid.MODEL_FILE, norm_probs=True)


def test_cached_model_answers_exactly_like_the_stock_one(tmp_path, stock):
    samples = [*TEXTS.values(), (FIXTURES / "articles" / "001_bbbc0ff35450de96.txt").read_text("utf-8")[:4000]]
    built = load_identifier(tmp_path / "model")  # unpacks and writes the cache
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "classes.npy", "nextmove.npy", "nextmove_row.npy", "out_feat.npy", "pc.npy", "ptc.npy"
    ]  # fmt: skip
    mapped = load_identifier(tmp_path / "model")  # reads the cache
    for text in samples:
        assert np.array_equal(built._decide(text), stock._decide(text))
        assert np.array_equal(mapped._decide(text), stock._decide(text))
        assert mapped.classify(text) == stock.classify(text)


def test_unwritable_cache_falls_back_to_unpacking_in_memory(tmp_path, stock, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    fallback = load_identifier(blocker / "model")
    assert "unpacking the model in memory" in caplog.text
    assert fallback.classify(TEXTS["de"]) == stock.classify(TEXTS["de"])


@pytest.mark.parametrize("language", TEXTS)
def test_detect_language(language):
    assert detect_language(TEXTS[language]) == language


def test_too_little_text_has_no_language():
    assert detect_language("Kurz und knapp") is None


def test_damaged_cache_falls_back_to_unpacking_in_memory(tmp_path, stock, caplog):
    load_identifier(tmp_path / "model")
    (tmp_path / "model" / "ptc.npy").write_bytes(b"\x93NUMPY truncated")
    fallback = load_identifier(tmp_path / "model")
    assert "unpacking the model in memory" in caplog.text
    assert fallback.classify(TEXTS["en"]) == stock.classify(TEXTS["en"])
