"""Content fingerprints: an exact hash and a MinHash over word shingles."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from boltwise.hashing import hash64

# 42 bands of 3 rows. A pair becomes an LSH candidate with probability 1 - (1 - J^3)^42:
# J 0.8 -> 1.000, 0.6 -> 1.000, 0.5 -> 0.996, 0.45 -> 0.98, 0.3 -> 0.68, 0.1 -> 0.04.
# Tuned for the containment check rather than for the 0.8 Jaccard threshold alone: a copy
# truncated to half the original has a Jaccard of about 0.5 and must still be found
# (the usual banding for a 0.8 threshold, and our first try of 32 x 4, missed such copies).
BANDS, ROWS = 42, 3
NUM_PERM = BANDS * ROWS
SHINGLE = 3  # words per shingle
SEED = 1  # fixed: signatures are stored and compared across runs

# One hash function per signature row: multiply-add-shift, h(x) = (a*x + b) mod 2^64 >> 32 for a
# 32-bit x and random 64-bit a, b, a strongly universal family (Dietzfelbinger). numpy's uint64
# arithmetic wraps, which is the mod 2^64. a and b come from our own hash, not from numpy's
# random generators, whose streams may change between numpy releases: stored signatures must not.
_A, _B = (
    np.array([[hash64(f"minhash {part} {row} {SEED}".encode()) % 2**64] for row in range(NUM_PERM)], np.uint64)
    for part in "ab"
)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it spreads every input bit upwards
_HIGH = np.uint64(32)
_SLICE = 4096  # keys hashed at once: 4 MB of intermediate values

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Case-folded words without punctuation: ß/ss, case, quotes and dashes do not matter."""
    return _WORD.findall(text.casefold())


@dataclass(frozen=True)
class Fingerprint:
    exact: int  # hash of the normalised word sequence
    signature: np.ndarray  # NUM_PERM uint32 MinHash values
    shingles: int  # distinct shingles: set size, for containment estimates
    words: int

    @cached_property  # looked up, then indexed: computed once per article
    def bands(self) -> list[int]:
        """One bucket key per LSH band (band number mixed in, so bands never collide)."""
        rows = self.signature.reshape(BANDS, ROWS)
        return [hash64(bytes([band]) + rows[band].tobytes()) for band in range(BANDS)]

    def jaccard(self, other: np.ndarray) -> float:
        return float(np.count_nonzero(self.signature == other)) / NUM_PERM

    def containment(self, other: np.ndarray, other_shingles: int) -> float:
        """Estimated share of the smaller shingle set that lies in the other one."""
        j = self.jaccard(other)
        smaller = min(self.shingles, other_shingles)
        intersection = j * (self.shingles + other_shingles) / (1 + j)
        return min(1.0, intersection / smaller) if smaller else 0.0


def fingerprint(text: str) -> Fingerprint:
    tokens = words(text)
    exact = hash64(" ".join(tokens).encode())
    word_hashes = np.fromiter(map(zlib.crc32, map(str.encode, tokens)), np.uint64, len(tokens))
    shingles = _distinct(shingle_keys(word_hashes))
    return Fingerprint(exact, minhash(shingles), len(shingles), len(tokens))


def shingle_keys(word_hashes: np.ndarray) -> np.ndarray:
    """One 32-bit key per ``SHINGLE`` consecutive words (texts shorter than that: one key).

    Computed on whole arrays, not per shingle string: fingerprinting is on the reactor thread.
    Keys are the high half of a polynomial in the word hashes, where every word has mixed in.
    """
    word_hashes = np.pad(word_hashes, (0, max(0, SHINGLE - len(word_hashes))))
    keys = np.zeros(len(word_hashes) - SHINGLE + 1, np.uint64)
    for i in range(SHINGLE):
        keys = (keys + word_hashes[i : i + len(keys)]) * _MIX
    return keys >> _HIGH


def _distinct(keys: np.ndarray) -> np.ndarray:
    # np.unique does the same, ten times slower on arrays of this size (hundreds to thousands)
    ordered = np.sort(keys)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def minhash(keys: np.ndarray) -> np.ndarray:
    """The MinHash signature of a set of distinct 32-bit keys: per row, the least hash over the set."""
    signature = np.full(NUM_PERM, 2**32 - 1, np.uint64)
    # in slices: a row per hash function and a column per key is 1 KB per key, too much at once
    # for a book-length text
    for start in range(0, len(keys), _SLICE):
        hashes = (_A * keys[start : start + _SLICE] + _B) >> _HIGH
        np.minimum(signature, hashes.min(axis=1), out=signature)
    return signature.astype(np.uint32)
