"""Imported once by the extraction workers' fork server, before it forks any worker: what each
worker needs is then already in memory (shared copy-on-write) instead of loaded per worker."""

import boltwise.extract  # noqa: F401  trafilatura, lxml and the extraction code
from boltwise.clean.language import identifier

# the crawler process needs the language model only for text without a declared language, so
# it is loaded here and not at import of boltwise.clean.language
identifier()
