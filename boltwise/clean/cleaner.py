"""The cleaning stage as a pure function of an article's fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from boltwise.clean.learned import BoilerplateModel
from boltwise.clean.mining import is_headline, parse_dateline
from boltwise.clean.profiles import SiteProfile, profile_for
from boltwise.clean.text import paragraphs


@dataclass
class Cleaned:
    text: str
    title: str | None
    site: str | None
    dateline: dict | None
    removed: list[tuple[str, str]] = field(default_factory=list)  # (rule, line), in text order
    mined: list[str] = field(default_factory=list)  # which metadata was mined: title, headline, ...


class Cleaner:
    def __init__(self, learned: BoilerplateModel | None = None) -> None:
        self.learned = learned

    def clean(self, text: str, *, site: str | None, title: str | None) -> Cleaned:
        lines = paragraphs(text)
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
        kept = _apply_profile(profile, lines, result.removed) if profile else lines
        kept = self._strip_title_line(kept, result)
        if self.learned is not None and result.site:
            marked = self.learned.boilerplate(result.site, kept)
            result.removed.extend(("learned", kept[i]) for i in sorted(marked))
            self.learned.observe(result.site, lines)
            kept = [line for i, line in enumerate(kept) if i not in marked]
        result.text = "\n".join(kept)
        return result

    @staticmethod
    def _strip_title_line(lines: list[str], result: Cleaned) -> list[str]:
        """The headline repeated as the first line belongs in ``title``, not in the body."""
        if len(lines) < 2:
            return lines
        first = lines[0]
        if result.title and first.casefold() == result.title.casefold():
            result.removed.append(("title_line", first))
            return lines[1:]
        if result.title is None and is_headline(first):
            result.title = first
            result.mined.append("headline")
            result.removed.append(("headline", first))
            return lines[1:]
        return lines


def _apply_profile(profile: SiteProfile, lines: list[str], removed: list[tuple[str, str]]) -> list[str]:
    kept: list[str] = []
    previous: str | None = None  # rule that removed the line before, for LineRule.follows
    block = None
    for line in lines:
        if block is not None and block.continues(line):
            rule = block.name
        else:
            block = next((b for b in profile.block_rules if b.starts(line)), None)
            if block is not None:
                rule = block.name
            else:
                rule = next((r.name for r in profile.line_rules if r.matches(line, previous)), None)
        if rule is None:
            kept.append(line)
        else:
            removed.append((rule, line))
        previous = rule
    return kept
