"""Cleaning: article text without site boilerplate, never eating real content.

:class:`~boltwise.clean.cleaner.Cleaner` runs, on plain strings: normalisation, the site's
declarative profile (:mod:`~boltwise.clean.profiles`), boilerplate learned from the site's other
articles (:mod:`~boltwise.clean.learned`) and metadata mining (:mod:`~boltwise.clean.mining`).
"""
