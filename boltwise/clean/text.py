"""Text normalisation shared by cleaning, learning and (later) fingerprints."""

from __future__ import annotations

import re
import unicodedata

# invisible characters that only break words apart for search and NLP (a regex: str.translate
# with a table takes its slow path on non-ASCII text, three times the time)
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]+")
# white space runs, including the no-break spaces (\u00a0, \u2007, \u202f): plain spaces in text
_RUNS = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def normalize_line(line: str) -> str:
    """NFC, invisible characters removed, odd spaces made plain, runs of white space folded."""
    return _RUNS.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFC", line))).strip()


def paragraphs(text: str) -> list[str]:
    """One normalised paragraph per line; empty lines dropped."""
    return [line for line in map(normalize_line, text.splitlines()) if line]


def line_key(line: str) -> str:
    """What makes two boilerplate lines the same line: case and numbers (dates, counts) aside."""
    return _DIGITS.sub("0", line.casefold())
