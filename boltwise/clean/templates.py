"""Learned site templates: the slots of a site's pages that hold links to other pages.

On a crawl of one site, the teaser, "related articles" and "more on this" boxes are the same
template slot (the same DOM path of tags, ids and classes, :mod:`boltwise.layout`) on every
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
from boltwise.layout import Layout, cut_part

LINKED = 0.5  # share of a line's characters in link text


def slot_keys(layout: Layout) -> list[int | None]:
    """Per line: its slot if the line sat in one and was mostly link text, else None."""
    return [
        slot if slot and links >= LINKED else None for slot, links in zip(layout.slots, layout.links, strict=True)
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
    keys = slot_keys(layout)
    kept = set(keep)
    parts = [(i, text, slot) for i, text, slot in layout.parts if i in kept]
    marked = {keep[i] for i in model.recurring(site, [keys[i] for i in keep])}
    learned = [parts[j] for j in sorted(model.recurring(site, [slot for _, _, slot in parts]))]
    model.observe(site, {key for key in keys if key is not None} | {slot for _, _, slot in layout.parts})
    cut = list(lines)
    removed = [lines[i] for i in sorted(marked)]
    for i, text, _ in learned:
        # only where a cell still begins or ends with it: never out of the middle of a sentence
        rest = None if i in marked else cut_part(cut[i], text)
        if rest is not None:
            cut[i] = rest
            removed.append(text)
    if not within_share(model.max_share, removed, [lines[i] for i in keep]):
        return TemplateCut(lines, keep, [])
    # a row left with nothing but its cell separators is no line of the text
    return TemplateCut(cut, [i for i in keep if i not in marked and any(c.isalnum() for c in cut[i])], removed)
