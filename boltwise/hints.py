"""Listed metadata: what a sitemap or feed says of a page it lists.

A Google News sitemap gives each page a title, a publication date, keywords and a language; a
feed gives each entry a title, a date and categories. The crawl carries them with the page's
request (:attr:`boltwise.items.Page.hints`), and extraction uses them where the page's own
metadata is silent (:func:`boltwise.extract.extract_article`). Plain JSON-able dicts, so that they
survive a request queue on disk, the ledger of a crawl cut short and a shared crawl's frontier.
"""

from __future__ import annotations

import re
from typing import Any

# bounds for what a hostile listing may hand us per entry: a title longer than a paragraph, or a
# hundred keywords, is no page's metadata
MAX_TITLE = 500
MAX_TAG = 100
MAX_TAGS = 30
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_SPACE = re.compile(r"\s+")

Hints = dict[str, Any]  # title: str, published: ISO 8601 str, tags: list[str], language: str


def make_hints(
    title: str | None = None,
    published: str | None = None,
    tags: list[str] | None = None,
    language: str | None = None,
) -> Hints | None:
    """The hints of one entry, cleaned (white space collapsed, values bounded, the language its
    primary subtag) and without empty values; None when nothing is left. ``published`` must be an
    ISO 8601 date already."""
    hints: Hints = {}
    if title := _clean(title):
        hints["title"] = title[:MAX_TITLE]
    if published:
        hints["published"] = published
    seen: set[str] = set()
    kept = []
    for tag in tags or []:
        tag = _clean(tag)
        if tag and len(tag) <= MAX_TAG and tag.casefold() not in seen:
            seen.add(tag.casefold())
            kept.append(tag)
    if kept:
        hints["tags"] = kept[:MAX_TAGS]
    primary = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if _LANGUAGE.fullmatch(primary):
        hints["language"] = primary
    return hints or None


def split_keywords(value: str | None) -> list[str]:
    """Google News ``news:keywords``: a comma-separated list."""
    return [part for part in (value or "").split(",") if part.strip()]


def _clean(value: str | None) -> str | None:
    return _SPACE.sub(" ", value).strip() or None if value else None
