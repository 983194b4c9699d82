"""Language identification for text that does not declare its language (saved text files)."""

from __future__ import annotations

import py3langid


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language; None when there is too little text to tell."""
    sample = text[:4000]
    if len(sample.split()) < 5:
        return None
    language, _score = py3langid.classify(sample)
    return language
