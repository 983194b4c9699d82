"""Cleaning of an article's metadata fields: plain functions over the values pages give."""

from __future__ import annotations

import re
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
