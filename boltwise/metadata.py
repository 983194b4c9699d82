"""Standard page metadata: JSON-LD, OpenGraph and ``<link rel=canonical>``.

We rely on these standards rather than on theme CSS: every news CMS emits them, and they say
whether a page is an article, what its canonical URL is and when it was published or modified.
Works on any lxml HTML tree (trafilatura's or parsel's), so the spider and the extraction worker
share one reading of a page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml.etree import _Element

# schema.org types that denote one article; everything else with a type is "not an article"
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "BackgroundNewsArticle",
        "TechArticle",
        "Report",
        "LiveBlogPosting",
        "SatiricalArticle",
    }
)


# schema.org types that say what the page itself is (WebPage and its kinds, ItemList): with none of
# ARTICLE_TYPES beside them, the page is no article. Other types (WebSite, Organization, Person,
# ImageObject, BreadcrumbList) describe what is on or around a page, and say nothing of it
PAGE_TYPES = frozenset(
    {
        "WebPage", "AboutPage", "CheckoutPage", "CollectionPage", "ContactPage", "FAQPage", "ItemPage",
        "MedicalWebPage", "ProfilePage", "QAPage", "RealEstateListing", "SearchResultsPage", "ItemList",
    }
)  # fmt: skip


@dataclass
class PageMetadata:
    types: set[str] = field(default_factory=set)  # JSON-LD @type values found on the page
    og_type: str | None = None
    canonical: str | None = None
    title: str | None = None
    description: str | None = None
    image: str | None = None
    published: str | None = None
    modified: str | None = None
    author: str | None = None
    publisher: str | None = None  # JSON-LD authors that are organizations, else the article's publisher
    site_names: list[str] = field(default_factory=list)  # og:site_name, JSON-LD publisher and WebSite names
    section: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    language: str | None = None
    bad_jsonld: int = 0  # JSON-LD blocks or objects skipped: not JSON, nested too deep, a @type not a name

    @property
    def complete(self) -> bool:
        """Whether the standard metadata already answers what trafilatura's metadata pass would."""
        return bool(self.title and self.published and self.author)

    @property
    def is_article(self) -> bool | None:
        """True or False when the page says what it is, None when it says nothing of itself."""
        if self.types & ARTICLE_TYPES or (self.og_type or "").lower() == "article":
            return True
        # OpenGraph's other types say little: "website", its default, is on 18 of the 250 articles
        # of de-news, and "video.other" on a video's page with an article beside it
        return False if self.types & PAGE_TYPES else None

    @property
    def declared(self) -> bool:
        """Whether the page has any JSON-LD type or OpenGraph type, telling of itself or not."""
        return bool(self.types or self.og_type)


def read_metadata(tree: _Element) -> PageMetadata:
    meta = PageMetadata()
    lang = tree.get("lang") if tree.tag == "html" else None
    if lang is None:
        lang = next(iter(tree.xpath("//html/@lang")), None)
    meta.language = lang.split("-")[0].lower() if lang else None
    meta.canonical = _first(tree.xpath("//link[contains(concat(' ', @rel, ' '), ' canonical ')]/@href"))

    og: dict[str, list[str]] = {}
    for el in tree.xpath("//meta[@property and @content]"):
        og.setdefault(el.get("property").strip().lower(), []).append(el.get("content").strip())
    meta.og_type = _first(og.get("og:type", [])) or None
    meta.site_names = list(og.get("og:site_name", []))
    meta.canonical = meta.canonical or _first(og.get("og:url", []))
    meta.title = _first(og.get("og:title", []))
    meta.image = _first(og.get("og:image", []))
    meta.author = _text(_first(tree.xpath("//meta[@name='author']/@content")))
    meta.description = _text(
        _first(og.get("og:description", [])) or _first(tree.xpath("//meta[@name='description']/@content"))
    )
    meta.published = iso_datetime(_first(og.get("article:published_time", [])))
    meta.modified = iso_datetime(_first(og.get("article:modified_time", [])))
    meta.section = og.get("article:section", [])
    meta.keywords = og.get("article:tag", [])

    for obj in _jsonld_objects(tree, meta):
        types = _types(obj.get("@type"))
        if types is None:
            meta.bad_jsonld += 1
            continue
        meta.types |= types
        if types & _ORGANIZATIONS or "WebSite" in types:
            meta.site_names += [name] if (name := _text(obj.get("name"))) else []
        if types & ARTICLE_TYPES:
            meta.title = _text(obj.get("headline")) or meta.title
            meta.description = meta.description or _text(obj.get("description"))
            meta.published = iso_datetime(_text(obj.get("datePublished"))) or meta.published
            meta.modified = iso_datetime(_text(obj.get("dateModified"))) or meta.modified
            persons, organizations = _authors(obj.get("author"))
            meta.author = persons or meta.author
            meta.publisher = organizations or _authors(obj.get("publisher"))[1] or meta.publisher
            meta.section = _strings(obj.get("articleSection")) or meta.section
            meta.keywords = _strings(obj.get("keywords")) or meta.keywords
    return meta


def iso_datetime(value: str | None) -> str | None:
    """Normalise an ISO 8601 date or date-time; None for anything that is not one."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # a bare date stays a date: inventing midnight would claim a precision the page lacks
    return value[:10] if len(value) == 10 else parsed.isoformat()


def _jsonld_objects(tree: _Element, meta: PageMetadata) -> Iterator[dict[str, Any]]:
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):  # broken JSON-LD is common; nesting past Python's stack too
            meta.bad_jsonld += 1  # the page's other metadata still counts
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                if "@graph" in node:
                    stack.append(node["@graph"])
                if "@type" in node:
                    yield node


def _types(value: Any) -> set[str] | None:
    """A JSON-LD ``@type``: one name or a list (whose non-names are ignored); None for anything else."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {t for t in value if isinstance(t, str)}
    return None


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []


# schema.org's organizations: an author of one of these types is the publisher, no person
_ORGANIZATIONS = frozenset({"Organization", "NewsMediaOrganization", "Corporation", "GovernmentOrganization"})


def _authors(value: Any) -> tuple[str | None, str | None]:
    """(person names, organization names), each "; "-joined, from a string, Person or
    Organization objects or (nested) lists of them; a bare string is taken for a person."""
    persons, organizations, stack = [], [], [value]
    while stack:  # iterative: JSON-LD nests as deep as the JSON parser allows
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif name := _text(node.get("name") if isinstance(node, dict) else node):
            types = _types(node.get("@type")) if isinstance(node, dict) else None
            (organizations if types and types & _ORGANIZATIONS else persons).append(name)
    return "; ".join(persons) or None, "; ".join(organizations) or None
