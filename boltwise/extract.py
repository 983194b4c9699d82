"""Article extraction: one HTML page in, one :class:`~boltwise.items.Article` out.

A pure function over plain data so that it can run in worker processes (see
:mod:`boltwise.workers`) and be tested without a crawler. The page is parsed once: the same lxml
tree serves our standard-metadata reader and trafilatura.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urljoin

import justext.core
import trafilatura
import trafilatura.external
import trafilatura.utils
from lxml.etree import ElementDefaultClassLookup, XPath
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.settings import Document
from trafilatura.utils import load_html

from boltwise.areas import furniture_links, furniture_names
from boltwise.cache import cache_root, filled
from boltwise.clean.language import article_language
from boltwise.fields import authors, image_url, terms, title
from boltwise.items import Article, Extracted, Page
from boltwise.layout import page_layout
from boltwise.listings import judge
from boltwise.metadata import PageMetadata, iso_datetime, read_metadata
from boltwise.urls import canonical_trusted, canonical_url, on_domains, site_of

logger = logging.getLogger(__name__)

STOP_WORDS = "stopwords.txt"


class BrokenPage(ValueError):
    """The page cannot be parsed as HTML at all."""


@dataclass(frozen=True)
class Extraction:
    article: Article | None  # None: the page holds no article text, or is a listing
    # what was salvaged, as stat names (boltwise/extract/<note>): bad_jsonld, bad_canonical,
    # canonical_refused (see Article.declared_canonical)
    notes: tuple[str, ...] = ()
    listing: bool = False  # a page to judge (Page.judge) that is a listing, not an article


@dataclass(frozen=True)
class ExtractOptions:
    """trafilatura options, built once from ``BOLTWISE_EXTRACT_*`` settings."""

    favor: str = "balanced"  # balanced | precision | recall
    tables: bool = True
    deduplicate: bool = False
    comments: bool = False
    fast: bool = True  # skip trafilatura's readability/jusText fallbacks: a third less CPU ...
    fallback_share: float = 0.04  # ... except where they are needed: see _found_little
    layout: bool = False  # read the page's layout for the cleaning stage (an Extracted article)
    prune: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()  # (domains, XPaths) per site
    # (fetched domain or "*", canonical domain): syndication partners whose canonicals are trusted
    canonical_partners: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.favor not in ("balanced", "precision", "recall"):
            raise ValueError(f"favor must be balanced, precision or recall, not {self.favor!r}")

    def prune_for(self, site: str | None) -> list[str] | None:
        """The XPaths of elements to drop before extracting a page of ``site``."""
        return next((list(xpaths) for domains, xpaths in self.prune if on_domains(site, domains)), None)


def extract_article(page: Page, options: ExtractOptions) -> Extraction:
    """Extract the article of ``page``."""
    tree = load_html(page.html)
    if tree is None:
        raise BrokenPage("not parseable as HTML")
    meta = read_metadata(tree)
    notes = ["bad_jsonld"] * bool(meta.bad_jsonld)
    if page.judge and judge(tree, meta, page.url or "", listed=True) is not None:
        return Extraction(None, tuple(notes), listing=True)
    canonical, declared = _canonical(meta.canonical, page.url, options, notes)
    url = canonical or page.url
    doc = found = _trafilatura(tree, url, not meta.complete, options, fast=options.fast)
    if options.fast and options.fallback_share and _found_little(found, tree, options.fallback_share, page.html):
        # next to nothing of the page's text: the case trafilatura's fallbacks exist for. The
        # metadata found stays (it does not depend on the mode) and is not looked for again;
        # the fallbacks' text is taken only when it is more
        fallback = _trafilatura(tree, url, doc is None and not meta.complete, options, fast=False)
        if _length(fallback) > _length(found):
            found = fallback
        doc = doc or fallback
        notes.append("fallback")
    if doc is None or found is None or not found.text or not found.text.strip():
        return Extraction(None, tuple(notes))
    text = f"{found.text}\n{found.comments}" if options.comments and found.comments else found.text
    url = url or doc.url
    url = canonical_url(url) if url else None
    description = meta.description or doc.description
    # the page's own standard metadata first, then what its sitemap or feed said, then what
    # trafilatura's heuristics read from the page (its <title>, dates in the text, meta tags)
    hints = page.hints or {}
    site = site_of(url)
    declared_language = meta.language or hints.get("language")
    headline = title(meta.title or hints.get("title") or doc.title, meta.site_names, site)
    fields = dict(
        source=page.source,
        text=text,
        url=url,
        declared_canonical=declared,
        site=site,
        title=headline,
        description=description,
        author=_author(tree, meta, doc, headline),
        publisher=meta.publisher,
        published=meta.published or hints.get("published") or iso_datetime(doc.date),
        modified=meta.modified,
        # detected here, in the worker: it is the costly part of cleaning
        language=article_language(text, declared_language),
        declared_language=declared_language,
        categories=terms(
            meta.section or _on_page(tree, doc.categories or [], furniture_links), meta.site_names, site
        ),
        tags=terms(
            meta.keywords or hints.get("tags") or _on_page(tree, doc.tags or [], furniture_links),
            meta.site_names,
            site,
        ),
        image=image_url(meta.image, page.url or url) or image_url(doc.image, page.url or url),
        word_count=len(text.split()),
        fetched_at=page.fetched_at,
    )
    if not options.layout:
        return Extraction(Article(**fields), tuple(notes))
    layout = page_layout(tree, text, description)  # last: it strips the tree's scripts
    return Extraction(Extracted(**fields, layout=layout.as_dict()), tuple(notes))


def _on_page(
    tree: HtmlElement, values: list[str], furniture: Callable[[HtmlElement, list[str]], set[str]]
) -> list[str]:
    """trafilatura's values of a field, less those the page gives only in its furniture (:mod:`boltwise.areas`)."""
    dropped = furniture(tree, values)
    return [value for value in values if value not in dropped]


def _author(tree: HtmlElement, meta: PageMetadata, doc: Document, headline: str | None) -> str | None:
    """The page's author, else trafilatura's, without the publisher (an organization) and the
    title; the site's name may be one (og:site_name of a one-person blog), so it stays. Of
    trafilatura's, names only the page's furniture gives go, and so does its spelling of a page
    author refused ("mdr.de" as "Mdr De")."""
    not_authors = [meta.publisher or "", headline or ""]
    if author := authors(meta.author, not_authors):
        return author
    found = authors(doc.author, [*not_authors, meta.author or ""])
    return "; ".join(_on_page(tree, found.split("; ") if found else [], furniture_names)) or None


def _trafilatura(
    tree: HtmlElement, url: str | None, with_metadata: bool, options: ExtractOptions, fast: bool
) -> Document | None:
    return trafilatura.bare_extraction(
        tree,
        url=url,
        # trafilatura's metadata pass (htmldate's date search above all) costs a third of the
        # extraction; JSON-LD and OpenGraph answer it directly on most news pages
        with_metadata=with_metadata,
        include_comments=options.comments,
        include_tables=options.tables,
        favor_precision=options.favor == "precision",
        favor_recall=options.favor == "recall",
        deduplicate=options.deduplicate,
        fast=fast,
        prune_xpath=options.prune_for(site_of(url)),
    )


def _found_little(doc: Document | None, tree: HtmlElement, share: float, html: str) -> bool:
    """Whether the text found is less than ``share`` of the text of the page's body."""
    found = _length(doc)
    if found >= share * len(html):  # the body's text is shorter than the page: no need to count it
        return False
    body = tree.find("body")
    return found < share * _visible_length(body if body is not None else tree)


def _visible_length(element: HtmlElement) -> int:
    """The length of the text in ``element`` that is not inside a script, style, noscript or
    template: scripts are no text (a page's 200 kB of framework state must not make its article
    "little"). ``element`` itself is not one of those, nor inside one. All the element's text at
    once, less that of the outermost invisible elements: in C, 3.4 times cheaper than visiting
    every text node from Python."""
    return len(_TEXT(element)) - sum(len(_TEXT(hidden)) for hidden in _INVISIBLE(element))


def _length(doc: Document | None) -> int:
    return len(doc.text) if doc is not None and doc.text else 0


_TEXT = XPath("string()")
_HIDDEN = "self::script or self::style or self::noscript or self::template"
_INVISIBLE = XPath(f".//*[{_HIDDEN}][not(ancestor::*[{_HIDDEN}])]")


def _canonical(
    declared: str | None, fetched: str | None, options: ExtractOptions, notes: list[str]
) -> tuple[str | None, str | None]:
    """(the canonical URL to use, a declared one refused) for a page fetched from ``fetched``."""
    if not declared:
        return None, None
    try:
        canonical = urljoin(fetched or "", declared)
    except ValueError:  # e.g. "http://[oops": the page is kept under its own URL
        notes.append("bad_canonical")
        return None, None
    if not canonical.startswith(("http://", "https://")):
        return None, None  # relative, and no page URL to resolve it against (a saved file)
    if fetched and not canonical_trusted(canonical, fetched, options.canonical_partners):
        notes.append("canonical_refused")
        return None, canonical
    return canonical, None


def use_c_element_lookup() -> None:
    """Let trafilatura's HTML parser pick element classes in C, for the whole process.

    lxml.html's parser calls a Python function for the class of every element a tree hands out
    (a million calls per 250 news pages). It answers HtmlElement for all but form controls, whose
    extra methods trafilatura never uses; lxml's C default lookup answers the same without the
    call. About 8% less extraction CPU with identical output (tested against the standard
    parser). Meant for the extraction workers: it changes trafilatura's parser process-wide.
    """
    trafilatura.utils.HTML_PARSER.set_element_class_lookup(
        ElementDefaultClassLookup(
            element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
        )
    )


def justext_stop_words(directory: Path) -> tuple[str, ...]:
    """trafilatura's jusText stop words (those of every language jusText has), kept in ``directory``.

    trafilatura builds them from jusText's hundred stop-word files on first use (0.2 s of CPU);
    read back from one file they take milliseconds. If the file cannot be written or is damaged,
    they are built as trafilatura builds them.
    """

    def fill(partial: Path) -> None:
        words = sorted(trafilatura.external.jt_stoplist_init())
        (partial / STOP_WORDS).write_text("\n".join([str(len(words)), *words]), "utf-8")

    try:
        count, *words = (filled(directory, fill) / STOP_WORDS).read_text("utf-8").split("\n")
        if int(count) != len(words) or "" in words:
            raise ValueError(f"{len(words)} stop words where {count} were written")
        return tuple(words)
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError too
        logger.warning("jusText stop-word cache %s unavailable (%s); building them instead", directory, exc)
        return trafilatura.external.jt_stoplist_init()


def stop_words_cache_dir() -> Path:
    """Named for the jusText and trafilatura releases the stop words come from."""
    return cache_root() / f"justext-{version('jusText')}-trafilatura-{version('trafilatura')}"


def warm_caches() -> None:
    """Do now the set-up that trafilatura otherwise does on the first page needing it: jusText's
    stop words of all languages for the fallback extractor (0.2 s of CPU to build; read from our
    cache, see justext_stop_words). Done in the workers' fork server, every worker and every
    replacement starts with them ready.

    Not what htmldate's date search builds from dateparser (its locales' month names, 0.04-0.12 s,
    and its parser, 0.25 s, with dateparser's import): the fork server's start is on the way to a
    crawl's first page, and they are needed on 5 and 1 of the 250 de-news pages; a worker that
    meets such a page builds them then, once.
    """
    # trafilatura looks for its jusText stop words in this module global and builds them if unset
    trafilatura.external.JT_STOPLIST = justext_stop_words(stop_words_cache_dir())
    justext.core.define_stoplist(trafilatura.external.JT_STOPLIST)
