"""Where the linked lines of an extracted text sat on their page: what cleaning needs of the DOM.

trafilatura's text keeps no trace of the page it came from, yet two cleaning decisions need one:
how much of a line was link text (teaser and related-article lists are links, prose is not), and
which template slot a linked line filled (the same DOM path on every page of a site, see
:mod:`boltwise.clean.templates`). Both are read here, in the extraction worker, from the tree the
page was parsed into, and travel with the article as plain data (:class:`Layout`).

Only what holds links is looked at: for each ``<a>``, its *block* — the nearest enclosing
``<p>``, ``<li>``, heading, table cell or ``<div>``, or the link itself — and a line of the text
whose words are exactly that block's (or the link's) is that block's. Walking the page's links
rather than all its elements costs a third as much; a line no link belongs to is unlinked, has
no slot and is never taken for furniture, and so is a linked line that trafilatura assembled
from several blocks or split at a ``<br>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.etree import _Element, strip_elements

from boltwise.clean.generic import lede
from boltwise.clean.text import normalize_line, paragraphs
from boltwise.hashing import hash64

# what a link's line is: the nearest of these around it
_BLOCKS = frozenset(["p", "li", "dd", "dt", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div", "figcaption"])
_PART_TAGS = frozenset(["p", "div", "li", "h2", "h3", "h4", "h5", "h6", "dt", "dd"])  # teasers in a table cell
_PART_WORDS = 3
_MAX_BLOCK = 2000  # characters: a longer block is prose with a link in it, not a teaser
# class tokens and ids with digits name one post ("post-1234"), not a slot of the template
_DIGITS = re.compile(r"\d")


@dataclass
class Layout:
    """Per line of ``paragraphs(text)``: its template slot (0: none) and its share of link text."""

    slots: list[int] = field(default_factory=list)
    links: list[float] = field(default_factory=list)
    # [line index, text, slot] of linked list items and headings inside a table row's line:
    # trafilatura writes a table row as one line, the lists and headings in its cells included
    parts: list[list] = field(default_factory=list)
    headline: str | None = None  # the page's <h1>
    description_visible: bool = False  # the meta description is text of the page's body

    def as_dict(self) -> dict:
        # not dataclasses.asdict: it deep-copies every list, and the layout is handed on as is
        return {
            name: getattr(self, name) for name in ("slots", "links", "parts", "headline", "description_visible")
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> Layout | None:
        return None if data is None else cls(**data)


def page_layout(tree: _Element, text: str, description: str | None) -> Layout:
    """The layout of ``text`` on the page parsed into ``tree`` (which this may change: call it last)."""
    body = tree.find("body")
    if body is None:
        body = tree
    blocks: dict[str, _Element] = {}  # folded text → the block (or link) holding it
    seen: set[_Element] = set()
    for link in body.iter("a"):
        block = link.getparent()
        while block is not None and block.tag not in _BLOCKS:
            block = block.getparent()
        if block is None or block in seen or _container(block):
            block = link  # the link alone is the line, if any is
        if block in seen:
            continue
        seen.add(block)
        content = block.text_content()
        if len(content) <= _MAX_BLOCK:
            # white space folded only (normalize_line costs twice as much per block); a rare
            # line that differs beyond that is simply not matched
            blocks[" ".join(content.split())] = block
    layout = Layout(headline=_headline(body))
    paths: dict[_Element, str] = {}
    lines = paragraphs(text)
    for line in lines:
        element = blocks.get(line[2:] if line.startswith("- ") else line)
        layout.slots.append(0 if element is None else hash64(_path(element, paths).encode()))
        layout.links.append(0.0 if element is None else _link_share(element))
    rows = [i for i, line in enumerate(lines) if line.startswith("| ") and not layout.slots[i]]
    if rows:
        for content, element in blocks.items():
            if element.tag in _PART_TAGS and len(content.split()) >= _PART_WORDS and _link_share(element) >= 0.5:
                part = [[i, content, hash64(_path(element, paths).encode())] for i in rows if content in lines[i]]
                layout.parts.extend(part)
    wanted = lede(lines, description, visible=True)  # only worth looking for when it is a lede
    if wanted is not None:
        strip_elements(body, "script", "style", "noscript", "template", with_tail=False)  # not text
        layout.description_visible = wanted in " ".join(body.text_content().split())
    return layout


def _container(block: _Element) -> bool:
    """A <div> around other blocks (a teaser list's box, the article): not one line's block."""
    return block.tag == "div" and any(child.tag in _BLOCKS for child in block)


def _path(element: _Element, paths: dict[_Element, str]) -> str:
    """The element's path from the root — tags, ids and classes without digits — memoised in
    ``paths``: a page's linked lines share most ancestors."""
    path = paths.get(element)
    if path is None:
        names = sorted(c for c in (element.get("class") or "").split() if not _DIGITS.search(c))
        ident = element.get("id") or ""
        step = f"{element.tag}#{'' if _DIGITS.search(ident) else ident}.{'.'.join(names)}"
        parent = element.getparent()
        path = paths[element] = step if parent is None else f"{_path(parent, paths)}/{step}"
    return path


def _link_share(element: _Element) -> float:
    if element.tag == "a":
        return 1.0
    length = len("".join(element.text_content().split()))
    linked = sum(len("".join(a.text_content().split())) for a in element.iter("a"))
    return round(min(1.0, linked / length), 2) if length else 0.0


def _headline(body: _Element) -> str | None:
    h1 = body.find(".//h1")
    return (normalize_line(h1.text_content()) or None) if h1 is not None else None
