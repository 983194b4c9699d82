"""URL helpers shared by the spiders, extraction and cleaning."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url


def site_of(url: str | None) -> str | None:
    """The site an URL belongs to: its host, lower-cased, without a leading ``www.``."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def on_domains(site: str | None, domains: Iterable[str]) -> bool:
    """Whether ``site`` is one of ``domains`` or a subdomain of one."""
    return bool(site) and any(site == d or site.endswith("." + d) for d in domains)


def canonical_url(url: str) -> str:
    """One spelling per page: scheme and host lower-case, default port, fragment and tracking
    parameters (``utm_*``, ``fbclid``, ``gclid``, …) dropped, query sorted (courlan)."""
    try:
        normalized = normalize_url(url)
    except ValueError:
        return url  # not an URL courlan understands: keep it as it is rather than lose it
    parts = urlsplit(normalized)
    return urlunsplit(parts._replace(fragment=""))
