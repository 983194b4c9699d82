"""Item types that flow through the boltwise pipelines.

A spider yields a :class:`Page` (raw HTML still to be extracted) or, for already-extracted saved
text, an :class:`Article` directly. The extraction pipeline turns every ``Page`` into an
``Article`` — an :class:`Extracted` one, carrying the page's layout, when cleaning will use it;
cleaning makes it a plain ``Article``. Every later stage works on ``Article`` through
``ItemAdapter``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Page:
    """A fetched or saved HTML page that has not been extracted yet."""

    source: str  # the requested URL, the saved file's path, or the WARC record's target URI
    html: str = field(repr=False)  # kept out of log lines such as Scrapy's "Dropped: ..."
    url: str | None = None  # the page's own URL after redirects, when it has one
    fetched_at: str | None = None  # ISO 8601, UTC
    # what the sitemap or feed that listed the page says of it (boltwise.hints): the fallback of
    # the page's own metadata
    hints: dict | None = None
    # not yet told from a listing page (a saved file, a WARC record): extraction does it, on the
    # tree it parses anyway (a crawled page was told apart as its links were read)
    judge: bool = False


@dataclass
class Article:
    """One article record: what boltwise outputs and stores."""

    source: str
    text: str
    url: str | None = None
    # a rel=canonical / og:url on another site, not trusted as the article's URL (see url)
    declared_canonical: str | None = None
    site: str | None = None
    title: str | None = None
    description: str | None = None
    author: str | None = None
    publisher: str | None = None  # the organization behind the article (JSON-LD)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    declared_language: str | None = None  # what the page (or its sitemap) says, when it says
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    word_count: int = 0
    fetched_at: str | None = None
    dateline: dict | None = None  # {"places": [...], "source": "..."} when the text opens with one
    revision: int = 1  # 2, 3, ... when the article at this URL changed since it was first stored
    duplicate_of: str | None = None  # dedup mark mode: URL (or source) of the article this copies
    similarity: float | None = None  # dedup mark mode: how close the copy is (1.0: same text)
    # URLs (or sources) of shorter copies, stored earlier, that this article replaces in the store
    supersedes: list[str] = field(default_factory=list)


@dataclass
class Extracted(Article):
    """An article straight from extraction, with where its lines sat on the page.

    ``layout`` is :meth:`boltwise.layout.Layout.as_dict` (plain data, so a shared crawl can keep
    the item in its candidates table); the cleaning stage reads it and outputs a plain
    :class:`Article`, so it never reaches feeds or the store.
    """

    layout: dict | None = field(default=None, repr=False)

    def article(self) -> Article:
        """The article without its layout: what feeds and the store get."""
        return Article(**{name: value for name, value in vars(self).items() if name != "layout"})


def article_from(fields: dict) -> Article:
    """An item back from its fields (e.g. stored as JSON): Extracted when it has a layout."""
    return Extracted(**fields) if "layout" in fields else Article(**fields)
