"""Cleaning of an article's metadata fields: plain functions over the values pages give."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

# file names sites give the images that stand in for a missing one, or lazy-loading's first frame
_PLACEHOLDER = re.compile(
    r"^(blank|spacer|pixel|transparent|placeholder|empty|dummy|1x1|grey|gray|lazy)([-_.]?\d*)?\.(gif|png|jpe?g|webp|svg)$",
    re.IGNORECASE,
)


def image_url(value: str | None, page_url: str | None) -> str | None:
    """An article's image as an absolute http(s) URL: relative and protocol-relative (``//cdn…``)
    values resolved against the page's URL; None for placeholders (``blank.gif``, ``spacer.png``)
    and for ``data:`` URIs (inline pixels, never an article's picture), or what is no URL."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.lower().startswith("data:"):
        return None
    try:
        url = urljoin(page_url or "", value)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None  # relative, and no page URL to resolve it against
    name = unquote(parts.path.rsplit("/", 1)[-1])
    return None if _PLACEHOLDER.match(name) else url
