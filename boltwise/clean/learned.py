"""Boilerplate learned per site: lines that recur across many of its articles.

For each site we count, per normalised line (:func:`~boltwise.clean.text.line_key`), how many
distinct articles contained it. Once a site has ``min_articles`` articles, a line found in at least
``min_support`` of them is boilerplate. An article's own lines are counted only after it has been
cleaned, so no article supports its own removal. Memory stays bounded: when a site holds more
than ``max_lines`` distinct lines, lines seen only once are forgotten.
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
    ) -> None:
        self.min_articles = min_articles
        self.min_support = min_support
        self.max_share = max_share
        self.max_lines = max_lines
        self.sites: dict[str, SiteLines] = {}
        self.dirty: set[str] = set()  # sites changed since the last save

    def boilerplate(self, site: str, lines: list[str]) -> set[int]:
        """Indexes of ``lines`` that the site's history marks as boilerplate.

        Nothing is removed when that would take more than ``max_share`` of the article's words:
        such a page is a copy or a near-empty page, not an article wrapped in furniture.
        """
        seen = self.sites.get(site)
        if seen is None or seen.articles < self.min_articles:
            return set()
        marked = {i for i, line in enumerate(lines) if seen.counts.get(line_hash(line), 0) >= self.min_support}
        words = sum(len(line.split()) for line in lines) or 1
        if sum(len(lines[i].split()) for i in marked) > self.max_share * words:
            return set()
        return marked

    def observe(self, site: str, lines: list[str]) -> None:
        seen = self.sites.setdefault(site, SiteLines())
        seen.articles += 1
        seen.new_articles += 1
        for key in {line_hash(line) for line in lines}:
            seen.counts[key] = seen.counts.get(key, 0) + 1
            seen.added[key] = seen.added.get(key, 0) + 1
        if len(seen.counts) > self.max_lines:
            once = {k for k, n in seen.counts.items() if n == 1}
            seen.counts = {k: n for k, n in seen.counts.items() if n > 1}
            seen.forgotten |= once
            for key in once:
                seen.added.pop(key, None)
        self.dirty.add(site)
