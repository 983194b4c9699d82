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
lines go. Pages of sites that share no template (every page another site) never reach the
minimum, so nothing is removed there.
"""

from __future__ import annotations

from boltwise.layout import Layout

LINKED = 0.5  # share of a line's characters in link text


def slot_keys(layout: Layout, indexes: list[int]) -> list[int | None]:
    """Per line index: its slot if the line sat in one and was mostly link text, else None."""
    return [
        layout.slots[i] if i < len(layout.slots) and layout.slots[i] and layout.links[i] >= LINKED else None
        for i in indexes
    ]
