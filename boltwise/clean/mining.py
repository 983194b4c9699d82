"""Metadata hidden in article text: datelines and headlines."""

from __future__ import annotations

import re

# news agencies whose datelines are written with mixed-case places ("Berlin (dpa) – ...")
AGENCIES = frozenset(
    {
        "dpa",
        "afp",
        "ap",
        "reuters",
        "kna",
        "epd",
        "sid",
        "dts",
        "ddp",
        "apa",
        "sda",
        "ots",
        "it boltwise",
    }
)
_PLACE = r"[A-ZÄÖÜ][\wÄÖÜäöüß.'\-]*(?: [A-ZÄÖÜ][\wÄÖÜäöüß.'\-]*){0,2}"
_DATELINE = re.compile(rf"(?P<places>{_PLACE}(?:\s*/\s*{_PLACE})*)\s*\((?P<source>[^()]{{2,40}})\)\s*[–—-]\s+")


def parse_dateline(first_line: str) -> dict | None:
    """``"BRÜSSEL / LONDON (IT BOLTWISE) – ..."`` → places and source, or None.

    Accepted when the places are written in capitals (the agency style) or the source is a known
    agency: "Europäische Union (EU) – ..." is a sentence, not a dateline.
    """
    match = _DATELINE.match(first_line)
    if not match:
        return None
    places = [p.strip() for p in match.group("places").split("/")]
    source = match.group("source").strip()
    if not (all(p.isupper() for p in places) or source.casefold() in AGENCIES):
        return None
    return {"places": places, "source": source}


def is_headline(line: str) -> bool:
    """A first line that reads as a headline: short, no bullet, not ending like a sentence."""
    return (
        2 <= len(line.split()) <= 25
        and len(line) <= 250
        and not line.startswith("- ")
        and not line.endswith((".", ",", ";", ":"))
        and parse_dateline(line) is None
    )
