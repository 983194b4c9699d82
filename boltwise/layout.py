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
from dataclasses import dataclass, field, fields

from lxml.etree import _Element, strip_elements

from boltwise.clean.generic import lede
from boltwise.clean.text import normalize_line, paragraphs
from boltwise.hashing import hash64

# what a link's line is: the nearest of these around it
_BLOCKS = frozenset(["p", "li", "dd", "dt", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div", "figcaption"])
_PART_TAGS = frozenset(["p", "div", "li", "h2", "h3", "h4", "h5", "h6", "dt", "dd"])  # teasers in a table cell
_PART_WORDS = (3, 30)  # a teaser's headline, not a paragraph
_MAX_ROWS = 20  # table rows of a page looked into, and linked blocks in them: the work is bounded
_MAX_PARTS = 200
_MAX_BLOCK = 2000  # characters: a longer block is prose with a link in it, not a teaser
# class tokens and ids with digits name one post ("post-1234"), not a slot of the template
_DIGITS = re.compile(r"\d")


@dataclass
class Layout:
    """Per line of ``paragraphs(text)``: its template slot (0: none) and its share of link text."""

    slots: list[int] = field(default_factory=list)
    links: list[float] = field(default_factory=list)
    # (line index, text, slot) of linked list items and headings that begin or end a cell of a
    # table row's line: trafilatura writes a row as one line, what its cells hold included
    parts: list[tuple[int, str, int]] = field(default_factory=list)
    headline: str | None = None  # the page's <h1>
    description_visible: bool = False  # the meta description is text of the page's body

    def as_dict(self) -> dict:
        # not dataclasses.asdict: it deep-copies every list, and the layout is handed on as is
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict | None) -> Layout | None:
        """The layout back from plain data; keys it does not know (another release's) are left
        out, and a layout with no lines' facts is none."""
        if not data or "slots" not in data or "links" not in data:
            return None
        known = {f.name for f in fields(cls)}
        layout = cls(**{name: value for name, value in data.items() if name in known})
        layout.parts = [(int(i), str(text), int(slot)) for i, text, slot in layout.parts]
        return layout


def page_layout(tree: _Element, text: str, description: str | None) -> Layout:
    """The layout of ``text`` on the page parsed into ``tree`` (which this may change: call it last)."""
    body = tree.find("body")
    if body is None:
        body = tree
    blocks: dict[str, _Element] = {}  # folded text → the block (or link) holding it
    seen: set[_Element] = set()
    for link in body.iter("a"):
        if (link.get("href") or "").startswith("#"):
            continue  # a jump link's text is a heading further down: the heading is no link
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
    layout.parts = _row_parts(lines, layout, blocks, paths)
    wanted = lede(lines, description, visible=True)  # only worth looking for when it is a lede
    if wanted is not None:
        strip_elements(body, "script", "style", "noscript", "template", with_tail=False)  # not text
        layout.description_visible = wanted in " ".join(body.text_content().split())
    return layout


def _row_parts(
    lines: list[str], layout: Layout, blocks: dict[str, _Element], paths: dict[_Element, str]
) -> list[tuple[int, str, int]]:
    """Linked list items and headings of table cells that a table row's line begins or ends
    with — once each cut off, the next may: a cell's teasers come before or after its text."""
    rows = [i for i, line in enumerate(lines) if line.startswith("| ") and not layout.slots[i]][:_MAX_ROWS]
    if not rows:
        return []
    linked: dict[str, _Element] = {}
    for content, element in blocks.items():
        if (
            element.tag in _PART_TAGS
            and _PART_WORDS[0] <= len(content.split()) <= _PART_WORDS[1]
            and any(ancestor.tag in ("td", "th") for ancestor in element.iterancestors())
            and _link_share(element) >= 0.5
        ):
            linked[content] = element
            if len(linked) == _MAX_PARTS:
                break  # a bound on the work a huge table can ask for
    parts = []
    for i in rows:
        line = lines[i]
        while (found := _cell_end_part(line, linked)) is not None and (rest := cut_part(line, found)) is not None:
            parts.append((i, found, hash64(_path(linked[found], paths).encode())))
            line = rest
    return parts


def _cell_end_part(line: str, linked: dict[str, _Element]) -> str | None:
    """A text of ``linked`` that ``cut_part`` can cut off the row ``line``."""
    for cell in line.split(" | "):
        words = cell.strip(" |").split()
        for n in range(_PART_WORDS[0], min(len(words), _PART_WORDS[1]) + 1):
            for text in (" ".join(words[:n]), " ".join(words[-n:])):
                if text in linked:
                    return text
    return next((text for text in linked if text in line and _between_blocks(line, text) is not None), None)


def cut_part(line: str, text: str) -> str | None:
    """The row ``line`` without ``text`` — where a cell begins or ends with it, or where it stands
    between two blocks' texts — or None: never out of the middle of a sentence."""
    cells = line.split(" | ")
    for n, cell in enumerate(cells):
        inner = cell.strip(" |")
        if inner == text:
            rest = ""
        elif inner.startswith(text + " "):
            rest = inner[len(text) :]
        elif inner.endswith(" " + text):
            rest = inner[: -len(text)]
        else:
            continue
        lead, trail = cell[: len(cell) - len(cell.lstrip(" |"))], cell[len(cell.rstrip(" |")) :]
        cells[n] = f"{lead}{rest}{trail}"
        return " ".join(" | ".join(cells).split())
    at = _between_blocks(line, text)
    return None if at is None else " ".join(f"{line[:at]} {line[at + len(text) :]}".split())


def _between_blocks(line: str, text: str) -> int | None:
    """Where ``text`` stands once in ``line`` between the end of one block's text (a sentence's
    end) and the start of the next (a capital): a box between two paragraphs of a table cell,
    which trafilatura wrote on one line. A headline quoted in a sentence is not that."""
    at = line.find(text)
    if at < 2 or line.find(text, at + 1) != -1:
        return None
    after = line[at + len(text) : at + len(text) + 2]
    if line[at - 2] not in ".!?:" or line[at - 1] != " " or not (after[:1] == " " and after[1:].isupper()):
        return None
    return at


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
