"""Item pipelines: thin Scrapy adapters over the pure stages in boltwise.*.

extract → (date range) → clean → (site cap) → dedup → store, one module each (the two limits in
one); a drop is a ``DropItem`` subclass of its stage.
"""

from boltwise.pipelines.clean import CleanPipeline, TooShort, WrongLanguage
from boltwise.pipelines.dedup import DedupPipeline, DuplicateText, DuplicateUrl, NearDuplicate
from boltwise.pipelines.extract import (
    ExtractionFailed,
    ExtractionOutOfMemory,
    ExtractionTimeout,
    ExtractPipeline,
    NoArticleText,
    UnparseablePage,
)
from boltwise.pipelines.limits import DateRangePipeline, OutOfRange, OverSiteCap, SiteCapPipeline
from boltwise.pipelines.store import StorePipeline

__all__ = [
    "CleanPipeline",
    "DateRangePipeline",
    "DedupPipeline",
    "DuplicateText",
    "DuplicateUrl",
    "ExtractPipeline",
    "ExtractionFailed",
    "ExtractionOutOfMemory",
    "ExtractionTimeout",
    "NearDuplicate",
    "NoArticleText",
    "OutOfRange",
    "OverSiteCap",
    "SiteCapPipeline",
    "StorePipeline",
    "TooShort",
    "UnparseablePage",
    "WrongLanguage",
]
