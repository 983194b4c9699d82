"""A store: one database's rows for every concern of a crawl, over grouped commits."""

from __future__ import annotations

from boltwise.store.articles import ArticleRows
from boltwise.store.boilerplate import BoilerplateRows
from boltwise.store.database import StoreError, StoreInUse
from boltwise.store.index import IndexRows
from boltwise.store.ledger import TERMINAL, LedgerRows
from boltwise.store.report import ReportRows
from boltwise.store.schema import SCHEMA, SCHEMA_VERSION

__all__ = ["SCHEMA", "SCHEMA_VERSION", "TERMINAL", "Store", "StoreError", "StoreInUse"]


class Store(ArticleRows, LedgerRows, IndexRows, BoilerplateRows, ReportRows):
    """Articles, the crawl ledger, the dedup index and learned boilerplate in one database, all
    written in the store's open transaction and committed together in groups."""
