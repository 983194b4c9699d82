"""Dedup decisions against the articles a store already indexes.

Order of checks, first match wins:

1. **url** — the same key (canonical URL, or the source of an item without URL) is indexed:
   unchanged text (or text not newer by ``modified``) is a copy; changed, newer text is a
   **revision**, which replaces the indexed version.
2. **exact** — the same normalised text is indexed under another key.
3. **near** — an LSH candidate whose estimated Jaccard similarity is at least ``threshold``, or
   which contains (or is contained in) this text at least ``containment`` — truncated copies, and
   extended ones that complete nothing (below) — when both texts have ``min_words`` words. Ties go
   to the earliest-indexed article.

Of a truncated copy and the complete article the complete one is kept, whichever came first: an
article whose only match is an indexed, shorter one that it contains (containment at least
``containment``, Jaccard below ``threshold``, at most :data:`MAX_COMPLETION` times as long)
**supersedes** it — it is indexed as new, the shorter one leaves the index, and the decision names
it, so the store can replace its article with this one. A page that contains several indexed
articles (a digest) is their near copy. Arriving the other way round, the shorter one is a near
copy of the longer. Either way the longer one is kept: a function of the pair, not of the order.
Copies of about the same length (Jaccard at least ``threshold``: an exact copy, a copy with an
added source line) are the same version, and the first to arrive is kept.

Only originals and revisions are indexed, so every copy points at the version of a story that is
kept. Decisions depend on the order articles arrive in only where the paragraph above allows,
never on timing: the extraction stage hands articles on in the order the spider produced them.
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

    def fingerprint(self) -> Fingerprint:
        return Fingerprint(self.exact, self.signature, self.shingles, self.words)


class DedupBackend(Protocol):
    async def by_key(self, key: str) -> Indexed | None: ...
    async def by_exact(self, exact: int) -> Indexed | None: ...
    async def by_buckets(self, buckets: list[int]) -> list[Indexed]: ...
    async def index(
        self, key: str, fp: Fingerprint, revision: int, modified: str | None, replaces: Indexed | None = None
    ) -> None: ...
    async def supersede(self, entries: list[Indexed], kept: str) -> None: ...


@dataclass(frozen=True)
class Decision:
    kind: str  # new | revision | url | exact | near
    revision: int
    duplicate_of: str | None = None
    similarity: float | None = None
    supersedes: tuple[str, ...] = ()  # the key of the shorter copy this new article completes

    @property
    def is_copy(self) -> bool:
        return self.kind in ("url", "exact", "near")


# a complete version is at most this many times as long as the truncated copy it supersedes: a
# page longer than that holds more than the story (an archive page, a digest, kept comments)
MAX_COMPLETION = 4


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
        best, completed = await self._near(fp)
        if best is not None:
            similarity, original = best
            return Decision("near", 1, original.key, round(similarity, 4))
        await self.backend.index(key, fp, 1, modified)
        if completed is None:
            return Decision("new", 1)
        await self.backend.supersede([completed], kept=key)
        return Decision("new", 1, supersedes=(completed.key,))

    async def _near(self, fp: Fingerprint) -> tuple[tuple[float, Indexed] | None, Indexed | None]:
        """The closest indexed article this text copies; or, when its only match is a shorter
        article that it contains, that one, which it completes."""
        matches: list[tuple[float, Indexed]] = []
        truncated: list[Indexed] = []
        for candidate in await self.backend.by_buckets(fp.bands):
            similarity = fp.jaccard(candidate.signature)
            if similarity < self.threshold:
                if min(fp.words, candidate.words) < self.min_words:
                    continue
                similarity = fp.containment(candidate.signature, candidate.shingles)
                if similarity < self.containment:
                    continue
                if fp.words > candidate.words:
                    truncated.append(candidate)
            matches.append((similarity, candidate))
        if len(matches) == 1 and truncated and fp.words <= MAX_COMPLETION * truncated[0].words:
            return None, truncated[0]
        return max(matches, key=lambda match: (match[0], -match[1].id), default=None), None
