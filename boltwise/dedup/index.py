"""Dedup decisions against the articles a store already indexes.

Order of checks, first match wins:

1. **url** — the same key (canonical URL, or the source of an item without URL) is indexed:
   unchanged text (or text not newer by ``modified``) is a copy; changed, newer text is a
   **revision**, which replaces the indexed version.
2. **exact** — the same normalised text is indexed under another key.
3. **near** — an LSH candidate whose estimated Jaccard similarity is at least ``threshold``, or
   which contains (or is contained in) this text at least ``containment`` — truncated and extended
   copies — when both texts have ``min_words`` words. Ties go to the earliest-indexed article.

Only originals and revisions are indexed, so every copy points at the first version of a story.
Decisions depend on the order articles arrive in, never on timing: the extraction stage hands
articles on in the order the spider produced them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from boltwise.dedup.fingerprint import Fingerprint, fingerprint


@dataclass(frozen=True)
class Indexed:
    id: int
    key: str
    exact: int
    signature: np.ndarray
    shingles: int
    words: int
    revision: int
    modified: str | None


class DedupBackend(Protocol):
    async def by_key(self, key: str) -> Indexed | None: ...
    async def by_exact(self, exact: int) -> Indexed | None: ...
    async def by_buckets(self, buckets: list[int]) -> list[Indexed]: ...
    async def index(
        self, key: str, fp: Fingerprint, revision: int, modified: str | None, replaces: Indexed | None = None
    ) -> None: ...


@dataclass(frozen=True)
class Decision:
    kind: str  # new | revision | url | exact | near
    revision: int
    duplicate_of: str | None = None
    similarity: float | None = None

    @property
    def is_copy(self) -> bool:
        return self.kind in ("url", "exact", "near")


class DedupIndex:
    def __init__(
        self,
        backend: DedupBackend,
        threshold: float = 0.8,
        containment: float = 0.9,
        min_words: int = 50,
    ) -> None:
        self.backend = backend
        self.threshold = threshold
        self.containment = containment
        self.min_words = min_words

    async def check(self, key: str, text: str, modified: str | None) -> Decision:
        """Decide about one article and index it when it is new or a revision."""
        return await self.check_fingerprint(key, fingerprint(text), modified)

    async def check_fingerprint(self, key: str, fp: Fingerprint, modified: str | None) -> Decision:
        known = await self.backend.by_key(key)
        if known is not None:
            if known.exact == fp.exact or (modified and known.modified and modified <= known.modified):
                return Decision("url", known.revision, known.key, round(fp.jaccard(known.signature), 4))
            await self.backend.index(key, fp, known.revision + 1, modified, replaces=known)
            return Decision("revision", known.revision + 1)
        same = await self.backend.by_exact(fp.exact)
        if same is not None:
            return Decision("exact", 1, same.key, 1.0)
        best = await self._nearest(fp)
        if best is not None:
            similarity, original = best
            return Decision("near", 1, original.key, round(similarity, 4))
        await self.backend.index(key, fp, 1, modified)
        return Decision("new", 1)

    async def _nearest(self, fp: Fingerprint) -> tuple[float, Indexed] | None:
        best: tuple[float, Indexed] | None = None
        for candidate in await self.backend.by_buckets(fp.bands):
            similarity = fp.jaccard(candidate.signature)
            if similarity < self.threshold:
                if min(fp.words, candidate.words) < self.min_words:
                    continue
                similarity = fp.containment(candidate.signature, candidate.shingles)
                if similarity < self.containment:
                    continue
            if best is None or (similarity, -candidate.id) > (best[0], -best[1].id):
                best = (similarity, candidate)
        return best
