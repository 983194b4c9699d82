"""The cleaning stage as a pure function of an article's fields."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from boltwise.clean import generic
from boltwise.clean.generic import PageFacts
from boltwise.clean.learned import BoilerplateModel, line_hash, within_share
from boltwise.clean.mining import is_headline, parse_dateline
from boltwise.clean.profiles import SiteProfile, profile_for
from boltwise.clean.templates import cut_templates
from boltwise.clean.text import paragraphs
from boltwise.layout import Layout

# the generic rules, and "lede": every name BOLTWISE_CLEAN_RULES accepts
RULE_NAMES = ("lede", *generic.RULES)
# generic rules never take more than this share of an article's words: beyond it the page is a
# listing or a stub, not an article wrapped in furniture, and is better judged whole
MAX_GENERIC_SHARE = 0.5


@dataclass
class Cleaned:
    text: str
    title: str | None
    site: str | None
    dateline: dict | None
    removed: list[tuple[str, str]] = field(default_factory=list)  # (rule, line), in text order
    added: list[tuple[str, str]] = field(default_factory=list)  # (rule, line): the lede
    mined: list[str] = field(default_factory=list)  # which metadata was mined: title, headline, ...


class Cleaner:
    def __init__(
        self,
        learned: BoilerplateModel | None = None,
        rules: Collection[str] = RULE_NAMES,
        templates: BoilerplateModel | None = None,
    ) -> None:
        unknown = set(rules) - set(RULE_NAMES)
        if unknown:
            raise ValueError(f"unknown cleaning rules {sorted(unknown)}; known: {', '.join(RULE_NAMES)}")
        self.learned = learned  # over line hashes (boltwise.clean.learned)
        self.rules = frozenset(rules)
        self.templates = templates  # over template slots (boltwise.clean.templates)

    def clean(
        self,
        text: str,
        *,
        site: str | None,
        title: str | None,
        description: str | None = None,
        layout: Layout | None = None,
    ) -> Cleaned:
        lines = paragraphs(text)
        if layout is not None and len(layout.slots) != len(lines):
            layout = None  # read from another text: its facts would be other lines'
        profile = profile_for(site, text)
        result = Cleaned(text="", title=title, site=site, dateline=None)
        if site is None and profile is not None:
            result.site = profile.domains[0]
            result.mined.append("site")
        if profile is not None and title is None:
            result.title = profile.mined_title(lines)
            if result.title:
                result.mined.append("title")
        if lines:
            result.dateline = parse_dateline(lines[0])
            if result.dateline:
                result.mined.append("dateline")
        keep = list(range(len(lines)))  # indexes into lines of what stays, in order
        if profile is not None:
            keep = _apply_profile(profile, lines, keep, result.removed)
        keep = self._mine_headline(lines, keep, result)
        rules = self.rules & profile.generic if profile is not None else self.rules
        keep = _apply_generic(rules, lines, keep, result, layout)
        if "lede" in rules and layout is not None and layout.description_visible:
            lede = generic.lede([lines[i] for i in keep], description, visible=True)
            if lede is not None:
                result.added.append(("lede", lede))
        if self.learned is not None and result.site:
            keep = _learned_lines(self.learned, result, lines, keep)
        if self.templates is not None and result.site and layout is not None:
            cut = cut_templates(self.templates, result.site, lines, keep, layout)
            lines, keep = cut.lines, cut.keep
            result.removed.extend(("template", text) for text in cut.removed)
        result.text = "\n".join([line for _, line in result.added] + [lines[i] for i in keep])
        return result

    @staticmethod
    def _mine_headline(lines: list[str], keep: list[int], result: Cleaned) -> list[int]:
        """Text without a title: a first line that reads as a headline becomes the title."""
        if result.title is not None or len(keep) < 2 or not is_headline(lines[keep[0]]):
            return keep
        result.title = lines[keep[0]]
        result.mined.append("headline")
        result.removed.append(("headline", result.title))
        return keep[1:]


def _learned_lines(model: BoilerplateModel, result: Cleaned, lines: list[str], keep: list[int]) -> list[int]:
    """Remove the lines the site's earlier articles had, then count this article's."""
    assert result.site is not None
    kept = [lines[i] for i in keep]
    marked = model.boilerplate(result.site, [line_hash(line) for line in kept], kept)
    result.removed.extend(("learned", kept[i]) for i in sorted(marked))
    model.observe(result.site, {line_hash(line) for line in lines})
    return [index for i, index in enumerate(keep) if i not in marked]


def _apply_profile(
    profile: SiteProfile, lines: list[str], keep: list[int], removed: list[tuple[str, str]]
) -> list[int]:
    kept: list[int] = []
    previous: str | None = None  # rule that removed the line before, for LineRule.follows
    block = None
    for index in keep:
        line = lines[index]
        if block is not None and block.continues(line):
            rule = block.name
        else:
            block = next((b for b in profile.block_rules if b.starts(line)), None)
            if block is not None:
                rule = block.name
            else:
                rule = next((r.name for r in profile.line_rules if r.matches(line, previous)), None)
        if rule is None:
            kept.append(index)
        else:
            removed.append((rule, line))
        previous = rule
    return kept


def _apply_generic(
    rules: frozenset[str], lines: list[str], keep: list[int], result: Cleaned, layout: Layout | None
) -> list[int]:
    kept = [lines[i] for i in keep]
    page = PageFacts(
        titles=tuple(t for t in (result.title, layout.headline if layout else None) if t),
        links=[layout.links[i] for i in keep] if layout else [],
    )
    marked: dict[int, str] = {}  # index into kept → the first rule (in RULES order) that marks it
    for name, rule in generic.RULES.items():
        if name in rules:
            for i in rule(kept, page):
                marked.setdefault(i, name)
    if len(kept) < 2 and "title_line" in marked.values():
        marked = {i: r for i, r in marked.items() if r != "title_line"}  # the headline is all there is
    if not within_share(MAX_GENERIC_SHARE, [kept[i] for i in marked], kept):
        return keep
    result.removed.extend((marked[i], kept[i]) for i in sorted(marked))
    return [index for i, index in enumerate(keep) if i not in marked]
