"""Learned site templates: the slots of a site's pages that hold links to other pages.

On a crawl of one site, the teaser, "related articles" and "more on this" boxes are the same
template slot (:func:`boltwise.layout.slot_of`: the same DOM path, tags and classes) on every
article page, filled with different headlines each time — so recurrence of *text* (learned
lines) never catches them, recurrence of *structure* does. The article's own paragraphs recur
structurally too, so a slot counts only where its line was mostly link text: that is what a
teaser is, and what a paragraph, a subheading, a lede or a caption is not.

The model is a :class:`~boltwise.clean.learned.BoilerplateModel` over slots: a page supports a
slot when one of its lines in that slot is linked (:data:`LINKED`); once a site has
``min_articles`` pages, a slot supported by ``min_share`` of them is furniture, and its linked
lines go. A table row is one line of trafilatura's text, cells and all: the linked list items
and headings found inside it (:attr:`boltwise.layout.Layout.parts`) are cut out of the line
instead. Pages of sites that share no template (every page another site) never reach the
minimum, so nothing is removed there.
"""

from __future__ import annotations

from dataclasses import dataclass

from boltwise.clean.learned import BoilerplateModel, within_share
from boltwise.layout import Layout

LINKED = 0.5  # share of a line's characters in link text


def slot_keys(layout: Layout, indexes: list[int]) -> list[int | None]:
    """Per line index: its slot if the line sat in one and was mostly link text, else None."""
    return [
        layout.slots[i] if i < len(layout.slots) and layout.slots[i] and layout.links[i] >= LINKED else None
        for i in indexes
    ]


@dataclass
class TemplateCut:
    lines: list[str]  # the lines, with parts cut out of table rows
    keep: list[int]  # which of them stay
    removed: list[str]  # what went: lines and parts


def cut_templates(
    model: BoilerplateModel, site: str, lines: list[str], keep: list[int], layout: Layout
) -> TemplateCut:
    """Remove the site's learned template slots from the kept ``lines``, then learn from this page."""
    keys = slot_keys(layout, list(range(len(lines))))
    kept = set(keep)
    parts = [(i, text, slot) for i, text, slot in layout.parts if i in kept]
    marked = {keep[i] for i in model.recurring(site, [keys[i] for i in keep])}
    cuts = [parts[j] for j in model.recurring(site, [slot for _, _, slot in parts]) if parts[j][0] not in marked]
    removed = [lines[i] for i in sorted(marked)] + [text for _, text, _ in cuts]
    model.observe(site, {key for key in keys if key is not None} | {slot for _, _, slot in layout.parts})
    if not within_share(model.max_share, removed, [lines[i] for i in keep]):
        return TemplateCut(lines, keep, [])
    lines = list(lines)
    for i, text, _ in cuts:
        lines[i] = " ".join(lines[i].replace(text, " ", 1).split())
    return TemplateCut(lines, [i for i in keep if i not in marked], removed)
