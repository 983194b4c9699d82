"""Boilerplate learned per site: what recurs across many of its articles.

For each site we count, per key, how many distinct articles had it. A key is a line's hash
(:func:`line_hash`, over :func:`~boltwise.clean.text.line_key`) for learned lines, or a template
slot (:mod:`boltwise.layout`) for learned templates (:mod:`boltwise.clean.templates`).
Once a site has ``min_articles`` articles, a key found in at least ``min_support`` of them, and in
at least ``min_share`` of all of them, is boilerplate. An article's own keys are counted only after
it has been cleaned, so no article supports its own removal. Memory stays bounded: when a site
holds more than ``max_lines`` distinct keys, keys seen only once are forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from boltwise.clean.text import line_key
from boltwise.hashing import hash64


def line_hash(line: str) -> int:
    return hash64(line_key(line).encode())


@dataclass
class SiteLines:
    articles: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    # since the last save: what was added (articles, and per line), and the lines forgotten.
    # Saved as increments, so deciders of two runs on one store add up instead of overwriting
    new_articles: int = 0
    added: dict[int, int] = field(default_factory=dict)
    forgotten: set[int] = field(default_factory=set)


class BoilerplateModel:
    def __init__(
        self,
        min_articles: int = 20,
        min_support: int = 10,
        max_share: float = 0.5,
        max_lines: int = 200_000,
        min_share: float = 0.0,
    ) -> None:
        self.min_articles = min_articles
        self.min_support = min_support
        self.min_share = min_share
        self.max_share = max_share
        self.max_lines = max_lines
        self.sites: dict[str, SiteLines] = {}
        self.dirty: set[str] = set()  # sites changed since the last save

    def recurring(self, site: str, keys: list[int | None]) -> set[int]:
        """Indexes of ``keys`` (None: no key) that the site's history marks as boilerplate."""
        seen = self.sites.get(site)
        if seen is None or seen.articles < self.min_articles:
            return set()
        support = max(self.min_support, self.min_share * seen.articles)
        return {i for i, key in enumerate(keys) if key is not None and seen.counts.get(key, 0) >= support}

    def boilerplate(self, site: str, keys: list[int | None], lines: list[str]) -> set[int]:
        """Indexes of ``lines`` whose keys the site's history marks as boilerplate.

        Nothing is removed when that would take more than ``max_share`` of the article's words:
        such a page is a copy or a near-empty page, not an article wrapped in furniture.
        """
        marked = self.recurring(site, keys)
        return marked if within_share(self.max_share, [lines[i] for i in marked], lines) else set()

    def observe(self, site: str, keys: set[int]) -> None:
        """Count one more article of ``site``, which had ``keys``."""
        seen = self.sites.setdefault(site, SiteLines())
        seen.articles += 1
        seen.new_articles += 1
        for key in keys:
            seen.counts[key] = seen.counts.get(key, 0) + 1
            seen.added[key] = seen.added.get(key, 0) + 1
        if len(seen.counts) > self.max_lines:
            once = {k for k, n in seen.counts.items() if n == 1}
            seen.counts = {k: n for k, n in seen.counts.items() if n > 1}
            seen.forgotten |= once
            for key in once:
                seen.added.pop(key, None)
        self.dirty.add(site)


def within_share(share: float, removed: list[str], lines: list[str]) -> bool:
    """Whether the words of ``removed`` are at most ``share`` of the words of ``lines``."""
    return sum(len(line.split()) for line in removed) <= share * (sum(len(line.split()) for line in lines) or 1)
