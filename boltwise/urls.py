"""URL helpers shared by the spiders, extraction and cleaning."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def site_of(url: str | None) -> str | None:
    """The site an URL belongs to: its host, lower-cased, without a leading ``www.``."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def on_domains(site: str | None, domains: Iterable[str]) -> bool:
    """Whether ``site`` is one of ``domains`` or a subdomain of one."""
    return bool(site) and any(site == d or site.endswith("." + d) for d in domains)
