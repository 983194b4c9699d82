"""URL helpers shared by the spiders, extraction and cleaning."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from courlan import extract_domain, normalize_url


def site_of(url: str | None) -> str | None:
    """The site an URL belongs to: its host, lower-cased, without a leading ``www.``."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def on_domains(site: str | None, domains: Iterable[str]) -> bool:
    """Whether ``site`` is one of ``domains`` or a subdomain of one."""
    return bool(site) and any(site == d or site.endswith("." + d) for d in domains)


# the path words news sites and blog engines (WordPress, TYPO3, Drupal, Ghost) put before a
# section, topic, tag or author archive, in English and German. Measured on the 250 article URLs
# of de-news: none ends in one of these followed by at most one more segment (one has
# /themen/ deeper inside its path), so an article is not taken for a section by its URL
SECTION_WORDS = frozenset(
    {
        "category", "categories", "kategorie", "kategorien", "tag", "tags", "schlagwort", "schlagworte",
        "stichwort", "stichworte", "topic", "topics", "thema", "themen", "ressort", "ressorts",
        "rubrik", "rubriken", "section", "sections", "author", "autor", "autoren",
    }
)  # fmt: skip
_PAGINATION = frozenset({"page", "seite"})


def _unpaged(path: str) -> tuple[list[str], bool]:
    """A path's segments without a trailing page number (``…/page/3``), and whether it had one."""
    segments = [s for s in path.split("/") if s]
    paged = len(segments) >= 2 and segments[-2].lower() in _PAGINATION and segments[-1].isdigit()
    return (segments[:-2] if paged else segments), paged


def is_section_url(url: str) -> bool:
    """Whether ``url`` names a listing by its path: the home page (no query: ``/?p=123`` is a
    WordPress article), or ``…/<section word>[/<name>]`` (``/kategorie/robotik/``, ``/tag/nato``,
    ``/themen/``), or one of their next pages (``/page/2/``)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    segments, paged = _unpaged(parts.path.lower())
    if not segments:
        return paged or not parts.query
    return segments[-1] in SECTION_WORDS or (len(segments) >= 2 and segments[-2] in SECTION_WORDS)


def listing_root(url: str) -> str:
    """A listing's URL without its page number (``/kategorie/x/page/3/`` → ``/kategorie/x/``)."""
    parts = urlsplit(url)
    segments, _ = _unpaged(parts.path)
    return urlunsplit(parts._replace(path="/" + "/".join(segments), query="", fragment=""))


def canonical_url(url: str) -> str:
    """One spelling per page: scheme and host lower-case, default port, fragment and tracking
    parameters (``utm_*``, ``fbclid``, ``gclid``, …) dropped, query sorted (courlan)."""
    try:
        normalized = normalize_url(url)
    except ValueError:
        return url  # not an URL courlan understands: keep it as it is rather than lose it
    parts = urlsplit(normalized)
    return urlunsplit(parts._replace(fragment=""))


def registered_domain(url: str) -> str | None:
    """The domain one registrant controls, by the public suffix list (``www.bbc.co.uk`` →
    ``bbc.co.uk``, ``x.blogspot.com`` stays itself), in its ASCII (IDNA) form, as Scrapy requests
    it; for hosts outside the list (IP addresses, ``.test``, ``.example``) the host without
    ``www.``."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
        if ":" in host:  # an IPv6 address is its own domain
            return host
        host = host.encode("idna").decode("ascii")  # münchen.de and xn--mnchen-3ya.de are one site
    except (ValueError, UnicodeError):
        return None
    return (extract_domain(f"http://{host}/") or site_of(f"http://{host}/")) if host else None


def canonical_trusted(canonical: str, fetched: str, partners: Iterable[tuple[str, str]] = ()) -> bool:
    """Whether a page fetched from ``fetched`` may name ``canonical`` as its own URL: on its own
    registered domain, or on one that ``partners`` — (fetched domain or ``*``, canonical domain)
    pairs — allow. Otherwise any site could claim another site's articles (and their place in
    the store) by pointing its ``rel=canonical`` at them."""
    parts = urlsplit(canonical)
    if "\\" in canonical or "@" in parts.netloc:
        return False  # user info or a backslash: browsers and Python disagree on whose host it is
    source, target = registered_domain(fetched), registered_domain(canonical)
    if source is None or target is None:
        return False
    return source == target or any(target == to and frm in (source, "*") for frm, to in partners)
