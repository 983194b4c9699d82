"""Item pipelines: thin Scrapy adapters over the pure stages in boltwise.*.

extract → clean → dedup → store, one module each; a drop is a ``DropItem`` subclass of its stage.
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
from boltwise.pipelines.store import StorePipeline

__all__ = [
    "CleanPipeline",
    "DedupPipeline",
    "DuplicateText",
    "DuplicateUrl",
    "ExtractPipeline",
    "ExtractionFailed",
    "ExtractionOutOfMemory",
    "ExtractionTimeout",
    "NearDuplicate",
    "NoArticleText",
    "StorePipeline",
    "TooShort",
    "UnparseablePage",
    "WrongLanguage",
]
