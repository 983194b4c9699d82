"""The one 64-bit hash that stored keys use (line hashes, text hashes, LSH buckets)."""

from __future__ import annotations

import hashlib


def hash64(data: bytes) -> int:
    """8 bytes of BLAKE2b as a signed integer: compact in memory, fits SQLite INTEGER and BIGINT."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)
