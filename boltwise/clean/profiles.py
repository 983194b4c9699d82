"""Site profiles: one small declarative description of a site's boilerplate.

A profile is chosen by the item's site (its domain) or, for saved text with no URL, by a
signature found in the text. It can drop HTML elements before extraction (``prune_xpath``) and
drop lines after extraction:

* :class:`LineRule` — a whole normalised line matching ``pattern`` (anchored at both ends, so a
  sentence that merely *contains* a boilerplate word is never touched); with ``follows`` only
  when the line before was removed by one of those rules.
* :class:`BlockRule` — a line matching ``start`` and the lines after it, as long as they match
  ``item`` and have at most ``max_words`` words. The first line that does not fit ends the block,
  so prose after a block is safe.

``title_patterns`` and the profile's signatures let the cleaner mine metadata before removal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from boltwise.clean.generic import RULES
from boltwise.urls import on_domains


@dataclass(frozen=True)
class LineRule:
    name: str
    pattern: str
    follows: tuple[str, ...] = ()

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    def matches(self, line: str, previous_rule: str | None) -> bool:
        if self.follows and previous_rule not in self.follows:
            return False
        return self.regex.fullmatch(line) is not None


@dataclass(frozen=True)
class BlockRule:
    name: str
    start: str
    item: str
    max_words: int = 25

    @cached_property
    def start_regex(self) -> re.Pattern[str]:
        return re.compile(self.start)

    @cached_property
    def item_regex(self) -> re.Pattern[str]:
        return re.compile(self.item)

    def starts(self, line: str) -> bool:
        return self.start_regex.fullmatch(line) is not None

    def continues(self, line: str) -> bool:
        return len(line.split()) <= self.max_words and self.item_regex.fullmatch(line) is not None


@dataclass(frozen=True)
class SiteProfile:
    name: str
    domains: tuple[str, ...]  # the item's site is one of these or a subdomain
    signatures: tuple[str, ...] = ()  # regexes identifying the site's saved text
    prune_xpath: tuple[str, ...] = ()
    line_rules: tuple[LineRule, ...] = ()
    block_rules: tuple[BlockRule, ...] = ()
    title_patterns: tuple[str, ...] = ()  # regexes with a ``title`` group
    # the generic rules (boltwise.clean.generic) the site keeps: a profile extends the generic one
    generic: frozenset[str] = frozenset(("lede", *RULES))

    @cached_property
    def signature_regexes(self) -> tuple[re.Pattern[str], ...]:
        return tuple(map(re.compile, self.signatures))

    @cached_property
    def title_regexes(self) -> tuple[re.Pattern[str], ...]:
        return tuple(map(re.compile, self.title_patterns))

    def matches_site(self, site: str) -> bool:
        return on_domains(site, self.domains)

    def matches_text(self, text: str) -> bool:
        # signatures sit in the dateline or the furniture: the ends of the text suffice
        ends = (text[:3000], text[-3000:])
        return any(regex.search(end) for regex in self.signature_regexes for end in ends)

    def mined_title(self, lines: list[str]) -> str | None:
        for regex in self.title_regexes:
            for line in lines:
                match = regex.fullmatch(line)
                if match:
                    return match.group("title").strip()
        return None


# a job title: no list bullet, no sentence end; job titles like "(B.A.)" still pass
_JOB_TITLE = r"(?!- ).{2,200}(?<![.!?:;,])"

IT_BOLTWISE = SiteProfile(
    name="it-boltwise",
    domains=("it-boltwise.de",),
    signatures=(r"\(IT BOLTWISE\) [–-]", r"IT BOLTWISE® (für aktuelle|kostenlos|bei Google News)"),
    prune_xpath=(
        # WordPress comment form and sharing widgets: furniture on every WordPress theme
        "//*[@id='respond']",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' comment-respond ')]",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' sharedaddy ')]",
    ),
    line_rules=(
        LineRule(
            "promo",
            r"- (Die besten Bücher rund um KI & Robotik"
            r"|Die besten KI-News kostenlos per eMail erhalten"
            r"|Zur Startseite von IT BOLTWISE® für aktuelle KI-News"
            r"|IT BOLTWISE® kostenlos auf Patreon unterstützen"
            r"|Aktuelle KI-Jobs auf StepStone finden und bewerben)!",
        ),
        # the book promo is the list item right after the job listings
        LineRule("book_promo", r"- .{10,400}", follows=("jobs",)),
        LineRule(
            "comment_prompt",
            r"Du hast einen wertvollen Beitrag oder Kommentar zum Artikel .+ für unsere Leser\?",
        ),
        LineRule("comment_prompt", r"Es werden alle Kommentare moderiert!"),
        LineRule(
            "comment_prompt",
            r"Für eine offene Diskussion behalten wir uns vor, jeden Kommentar zu löschen, "
            r"der nicht direkt auf das Thema abzielt.*",
        ),
        LineRule(
            "comment_prompt",
            r"Wir möchten, dass respektvoll miteinander kommuniziert wird, so als ob die "
            r"Diskussion mit real anwesenden Personen geführt wird\..*",
        ),
        LineRule("feed_blurb", r"Du willst nichts verpassen\?"),
        LineRule(
            "feed_blurb",
            r"Du möchtest über ähnliche News und Beiträge wie .+ informiert werden\?.*",
        ),
        LineRule(
            "search_prompt",
            r"Nutze die Google-Suchmaschine für eine weitere Themenrecherche: .+ bei Google "
            r"Deutschland suchen, bei Bing oder Google News!",
        ),
    ),
    block_rules=(BlockRule("jobs", start=r"Stellenangebote", item=_JOB_TITLE, max_words=25),),
    title_patterns=(
        r'Du hast einen wertvollen Beitrag oder Kommentar zum Artikel "(?P<title>.+)" für unsere Leser\?',
        r'Du möchtest über ähnliche News und Beiträge wie "(?P<title>.+)" informiert werden\?.*',
        r"Nutze die Google-Suchmaschine für eine weitere Themenrecherche: »(?P<title>.+)« bei .*",
    ),
)

PROFILES: tuple[SiteProfile, ...] = (IT_BOLTWISE,)


def profile_for(site: str | None, text: str) -> SiteProfile | None:
    """The profile of the item's site; by signature when the site is unknown."""
    if site:
        return next((p for p in PROFILES if p.matches_site(site)), None)
    return next((p for p in PROFILES if p.matches_text(text)), None)
