"""Imported once by the extraction workers' fork server, before it forks any worker: what each
worker needs is then already in memory (shared copy-on-write) instead of loaded per worker."""

import py3langid

import boltwise.extract  # noqa: F401  trafilatura, lxml and the extraction code

# py3langid loads its model (about a second) on first use; the crawler process never needs it
# for crawled pages, so this happens here and not at import of boltwise.clean.language
py3langid.classify("Sprache")
