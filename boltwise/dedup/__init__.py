"""Deduplication: each story once — across URLs, sites, revisions and crawl runs.

:mod:`~boltwise.dedup.fingerprint` turns text into an exact hash and a MinHash signature;
:mod:`~boltwise.dedup.index` decides, against what the store already holds, whether an article is
new, a revision, or a copy (by URL, exact text or near-duplicate text).
"""
