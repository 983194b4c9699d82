"""Cleaning of an article's metadata fields: plain functions over the values pages give."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote, urlsplit

from boltwise.discovery import absolute_url

# file names sites give the images that stand in for a missing one, or lazy-loading's first frame
_PLACEHOLDER = re.compile(
    r"^(blank|spacer|pixel|transparent|placeholder|empty|dummy|1x1|grey|gray|lazy)([-_.]?\d*)?\.(gif|png|jpe?g|webp|svg)$",
    re.IGNORECASE,
)


def image_url(value: str | None, page_url: str | None) -> str | None:
    """An article's image as an absolute http(s) URL (:func:`boltwise.discovery.absolute_url`):
    relative and protocol-relative (``//cdn…``) values resolved against the page's URL; None for
    placeholders (``blank.gif``, ``spacer.png``), for ``data:`` URIs (inline pixels, never an
    article's picture) and for what is no URL, or relative on a page without one."""
    url = absolute_url(page_url or "", value)
    if url is None:
        return None
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return None if _PLACEHOLDER.match(name) else url


# --- tags and categories -------------------------------------------------------------------------

MAX_TERMS = 40  # more values than this is a page's keyword stuffing or a cloud: the first are kept
_TERM_SEPARATORS = re.compile(r"[,;|]")
# "tag:netzdg", "cat:medien": a CMS's kind of term before the term itself
_TERM_KIND = re.compile(
    r"^(?:tags?|cat|category|categories|kategorie|schlagwort|topic|thema|section|ressort)\s*:\s*", re.I
)
# "type:post", "Textart: Heftarchiv": what kind of page it is, no topic of the article
_PAGE_KIND = re.compile(r"^(?:type|post_?type|format|template|textart|status)\s*:", re.I)


def terms(values: Iterable[str], site_names: Iterable[str] = (), site: str | None = None) -> list[str]:
    """Tags or categories as single terms: values split on ``,`` ``;`` ``|``, a ``tag:``/``cat:``
    prefix stripped, page kinds (``type:post``) and the site's own name dropped, duplicates
    (case aside) dropped, at most :data:`MAX_TERMS`, in the page's order."""
    names = {name_key(name) for name in site_names if name} | _site_labels(site)
    seen: dict[str, str] = {}
    for value in values:
        for part in _TERM_SEPARATORS.split(html.unescape(value)):
            part = " ".join(part.split())
            if not part or _PAGE_KIND.match(part):
                continue
            part = _TERM_KIND.sub("", part).strip()
            if part and name_key(part) not in names:
                seen.setdefault(part.casefold(), part)
    return list(seen.values())[:MAX_TERMS]


# --- authors -------------------------------------------------------------------------------------

# what CMSs and themes put where no author was given; a newsroom byline ("Redaktion") is an author
PLACEHOLDER_AUTHORS = frozenset(
    {"unknown", "unbekannt", "admin", "administrator", "anonymous", "anonym", "name", "author", "autor",
     "user", "guest", "gast", "webmaster", "root", "wordpress", "default", "none", "null", "n/a"}
)  # fmt: skip
_BYLINE_WORD = re.compile(r"^(?:von|by|autor(?:in)?|author|geschrieben von|written by|posted by)\s*:?\s+", re.I)
_NO_NAME = re.compile(r"(?:^[a-z][a-z0-9+.-]*://|^www[.\s]|@[^\s@]+\.\w+)", re.I)  # a URL or an e-mail address
# "tennisnet.com", "FLVW.de": the usual top-level domains of German-language news, so "hans.meier"
# and "Dr.phil" are names
_DOMAIN = re.compile(
    r"^(?:[A-Za-z0-9-]+\.)+(?:com|net|org|info|biz|eu|de|at|ch|li|lu|be|nl|fr|it|io|co|me|tv|fm|news|online|blog)$",
    re.I,
)


def authors(value: str | None, not_names: Iterable[str] = ()) -> str | None:
    """The ``"; "``-joined author names of ``value`` without a byline word ("Von", "By"),
    placeholders (:data:`PLACEHOLDER_AUTHORS`), URLs, domains and e-mail addresses, and names
    that are one of ``not_names`` (the publisher, the article's title), alone or before a comma
    ("SPIEGEL ONLINE, Hamburg, Germany"); None when none is left."""
    others = {key for name in not_names if name and (key := name_key(name))}
    names: dict[str, str] = {}
    for name in html.unescape(value or "").split(";"):
        name = _BYLINE_WORD.sub("", " ".join(name.split())).strip(" ,")
        if (
            name
            and name.casefold() not in PLACEHOLDER_AUTHORS
            and not _NO_NAME.search(name)
            and not _DOMAIN.match(name)
            and not {name_key(name), name_key(name.split(",")[0])} & others
        ):
            names.setdefault(name.casefold(), name)
    return "; ".join(names.values()) or None


# --- titles --------------------------------------------------------------------------------------

# a title's parts: "Headline | Site", "Site :: Headline", "Headline – Site", "Headline · Site"
TITLE_SEPARATOR = re.compile(r"\s+(?:[|\-–—·•»:]|::|&raquo;)\s+")


def title(value: str | None, site_names: Iterable[str] = (), site: str | None = None) -> str | None:
    """``value`` without a site-name suffix or prefix: a part after a separator (or before one)
    that is one of ``site_names`` (og:site_name, JSON-LD organization and WebSite names) or the
    site's domain (``MDR.DE`` on mdr.de, ``LIQUI MOLY HBL`` on liquimoly-hbl.de). A dash inside
    the headline stays: only a part naming the site goes."""
    if not value:
        return None
    text = " ".join(html.unescape(value).split())
    names = {key for name in site_names if name and (key := name_key(html.unescape(name)))}
    labels = _site_labels(site)
    return _strip_site(_strip_site(text, names, labels), names, labels, prefix=True) or None


def title_cuts(text: str, prefix: bool = False) -> Iterator[tuple[str, str]]:
    """(part, rest) for each cut of ``text`` at a separator: a part after one (``prefix``: before
    one), the longest first — a site name may have separators of its own ("☆ - Watch e.V. - News")."""
    separators = list(TITLE_SEPARATOR.finditer(text))
    for at in reversed(separators) if prefix else separators:
        yield (text[: at.start()], text[at.end() :]) if prefix else (text[at.end() :], text[: at.start()])


def _strip_site(text: str, names: set[str], labels: set[str], prefix: bool = False) -> str:
    cuts = title_cuts(text, prefix)
    return next((rest for part, rest in cuts if rest and _names_site(part, names, labels, prefix)), text)


def _names_site(part: str, names: set[str], labels: set[str], prefix: bool) -> bool:
    key = name_key(re.sub(r"\([^)]*\)$", "", part))  # "Jugendwerk in Württemberg (ejw)"
    if not key or len(part.split()) > 8:
        return False
    if key in names or key in labels:
        return True
    # "Schweizerische Vogelwarte" on vogelwarte.ch, "Handball Schweiz" on handball.ch: a last part
    # of a few words that begins or ends with the domain's name (not a first part: a headline's
    # first words may begin with it, "Handball heute: …")
    loose = not prefix and len(part.split()) <= 4 and not TITLE_SEPARATOR.search(part)
    return loose and any(len(label) >= 6 and (key.startswith(label) or key.endswith(label)) for label in labels)


def _site_labels(site: str | None) -> set[str]:
    """A domain's names as a title spells them: ``mdr.de`` → mdrde, mdr."""
    if not site:
        return set()
    host = site.removeprefix("www.")
    label = host.split(".")[0]
    return {name_key(host), name_key(label)} - {""}


def name_key(name: str) -> str:
    """What two spellings of a name share: letters and digits, case aside."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())
