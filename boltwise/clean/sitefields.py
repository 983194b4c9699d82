"""Metadata a site gives every page alike, learned per site like its boilerplate lines.

A tag on nearly every page of a site (``news``, ``nachrichten``, a tag cloud's entries), a
description that is the site's slogan, a title's ``- Site Name`` end: none says anything of one
article. Each is a key in a :class:`~boltwise.clean.learned.BoilerplateModel` — the field's kind
and its case-folded value — counted once per page; once the site has ``min_articles`` pages, a
value found on at least ``min_share`` of them is dropped from the page's fields. A page's own
values are counted after it is cleaned, so no page supports its own removal, and the first pages
of a site keep theirs (as with learned lines).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from boltwise.clean.learned import BoilerplateModel
from boltwise.fields import title_cuts
from boltwise.hashing import hash64


@dataclass
class SiteFields:
    title: str | None
    description: str | None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (kind, value) of what was dropped


def field_key(kind: str, value: str) -> int:
    return hash64(f"{kind}\0{' '.join(value.casefold().split())}".encode())


# a title's ends as keys: what a site puts after its headlines, and what before
_TITLE_ENDS = ((False, "title_end"), (True, "title_start"))


class SiteFieldsModel:
    def __init__(self, model: BoilerplateModel) -> None:
        self.model = model

    def clean(self, site: str | None, fields: SiteFields) -> SiteFields:
        """``fields`` without the values the site's history marks as its own."""
        if not site:
            return fields
        cleaned = SiteFields(fields.title, fields.description)
        for kind in ("tags", "categories"):
            values: list[str] = getattr(fields, kind)
            marked = self.model.recurring(site, [field_key(kind, value) for value in values])
            setattr(cleaned, kind, [value for i, value in enumerate(values) if i not in marked])
            cleaned.removed += [(kind, values[i]) for i in sorted(marked)]
        if fields.description and self.model.recurring(site, [field_key("description", fields.description)]):
            cleaned.description = None
            cleaned.removed.append(("description", fields.description))
        if fields.title:
            cleaned.title = self._title(site, fields.title)
            if cleaned.title != fields.title:
                cleaned.removed.append(("title", fields.title))
        return cleaned

    def _title(self, site: str, title: str) -> str:
        for prefix, kind in _TITLE_ENDS:  # at most one end of each, the longest that recurs
            title = next(
                (
                    rest
                    for end, rest in title_cuts(title, prefix)
                    if rest and self.model.recurring(site, [field_key(kind, end)])
                ),
                title,
            )
        return title

    def observe(self, site: str | None, fields: SiteFields) -> None:
        """Count one more page of ``site`` with these (uncleaned) fields."""
        if not site:
            return
        keys = {field_key(kind, value) for kind in ("tags", "categories") for value in getattr(fields, kind)}
        if fields.description:
            keys.add(field_key("description", fields.description))
        if fields.title:
            keys |= {
                field_key(kind, end) for prefix, kind in _TITLE_ENDS for end, _ in title_cuts(fields.title, prefix)
            }
        self.model.observe(site, keys)
