"""Imported once by the extraction workers' fork server, before it forks any worker: what each
worker needs is then already in memory (shared copy-on-write) instead of loaded per worker."""

import gc

from boltwise.clean.language import identifier
from boltwise.extract import use_c_element_lookup, warm_caches

# these processes only extract: trafilatura's parser may be tuned for the whole process
use_c_element_lookup()
warm_caches()

# the crawler process needs the language model only for text without a declared language, so
# it is loaded here and not at import of boltwise.clean.language
identifier()

# all of the above lives as long as the workers: keep the garbage collector from scanning it (and
# from touching its pages, which would copy them into every worker)
gc.freeze()
