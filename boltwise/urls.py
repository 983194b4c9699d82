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
