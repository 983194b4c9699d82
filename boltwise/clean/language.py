"""Language identification (py3langid) for text that does not declare its language.

py3langid ships its model xz-compressed and unpacks it in every process that classifies: about
a second of CPU, paid by every crawl before its first page is extracted. We keep the unpacked
arrays in the user's cache directory (written on first use) and memory-map them, which takes
milliseconds and lets all worker processes share one copy in the page cache.
"""

from __future__ import annotations

import io
import logging
import lzma
from array import array
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from boltwise.cache import cache_root, filled

logger = logging.getLogger(__name__)

_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


# how sure detection must be to overrule a page's declared language: of the 250 de-news pages,
# the least certain is told at 0.85, the next at 0.97; the pages that declare a wrong language,
# at 0.999 and more
CONFIDENT = 0.95
CONFIDENT_WORDS = 30  # and over this many words: a caption's few words are no evidence


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language; None when there is too little text to tell."""
    return _classify(text)[0]


def article_language(text: str, declared: str | None) -> str | None:
    """The language of an article whose page declares ``declared``: what the text is in when
    detection is confident, else the declared language (else the detected one)."""
    detected, confidence = _classify(text)
    if declared and (confidence < CONFIDENT or len(text.split(None, CONFIDENT_WORDS)) <= CONFIDENT_WORDS):
        return declared
    return detected or declared


def _classify(text: str) -> tuple[str | None, float]:
    sample = text[:4000]
    if len(sample.split()) < 5:
        return None, 0.0
    return identifier().classify(sample)


@cache
def identifier() -> LanguageIdentifier:
    """The process's identifier, loaded on first use."""
    return load_identifier(model_cache_dir())


def load_identifier(cache_dir: Path) -> LanguageIdentifier:
    """py3langid's identifier with its stock model, built as py3langid builds it."""
    try:
        arrays = _cached_model(cache_dir)
    except (OSError, ValueError) as exc:  # not writable, or damaged: unpack in memory, as py3langid does
        logger.warning(
            "Language model cache %s unavailable (%s); unpacking the model in memory, which costs about"
            " a second per process (deleting the directory is safe)",
            cache_dir,
            exc,
        )
        arrays = _unpack_model()
    return LanguageIdentifier(
        np.asarray(arrays["ptc"]),
        np.asarray(arrays["pc"]),
        arrays["classes"].tolist(),
        _stdlib_array(arrays["nextmove"]),
        arrays["out_feat"].tolist(),
        norm_probs=True,  # a confidence to weigh against the page's declared language
        # the DFA walk indexes these per input byte: stdlib arrays, as py3langid uses, are faster
        tk_row=_stdlib_array(arrays["nextmove_row"]),
    )


def model_cache_dir() -> Path:
    """Where the unpacked model is kept: named for the py3langid release and model it came from."""
    model = MODEL_DIR / MODEL_FILE
    return cache_root() / f"py3langid-{version('py3langid')}-{model.stat().st_size}"


def _cached_model(directory: Path) -> dict[str, np.ndarray]:
    def fill(partial: Path) -> None:
        for name, values in _unpack_model().items():
            np.save(partial / f"{name}.npy", values, allow_pickle=False)

    filled(directory, fill)
    return {name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}


def _unpack_model() -> dict[str, np.ndarray]:
    with lzma.open(MODEL_DIR / MODEL_FILE) as packed, np.load(io.BytesIO(packed.read())) as npz:
        return {name: npz[name] for name in _ARRAYS}


def _stdlib_array(values: np.ndarray) -> array:
    out = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
    out.frombytes(memoryview(np.ascontiguousarray(values)).cast("B"))
    return out
