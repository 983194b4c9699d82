"""The generic profile: boilerplate every news site has, found without knowing the site.

Each rule is a plain function ``(lines, page) -> indexes of lines to remove`` and is small on
purpose: it looks at whole lines only, with the few page facts of :class:`PageFacts`, and is
switchable by name (``BOLTWISE_CLEAN_RULES``). Rules that looked promising and lost real text on
the de-news pages are not here: class/id keyword filters, "short line without end punctuation".

* ``title_line`` — the headline repeated in the first lines (fuzzy: a site suffix, quotes, case).
* ``prompt`` — newsletter/app/subscription/consent prompts and "read more" teasers, by how the
  line *starts*, from a short multilingual list; a sentence that mentions a newsletter stays.
* ``caption`` — image captions and credits: "Foto: …", "© …", a short line ending in a credit.
* ``date_line`` — a line that is only a date and time, perhaps with a label ("Stand: …").
* ``link_line`` — a short line that is mostly link text, in the last 40 % of the text.
* ``link_list`` — a run of three or more list items that are mostly link text.

``lede`` is the one rule that adds: the page's meta description, when trafilatura lost the
article's first paragraph and the description is that paragraph (see :func:`lede`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from boltwise.clean.text import normalize_line


@dataclass(frozen=True)
class PageFacts:
    """What the rules may know besides the lines (see :class:`boltwise.layout.Layout`)."""

    titles: tuple[str, ...] = ()  # the article's title and the page's <h1>
    links: list[float] = field(default_factory=list)  # per line: share of link text; [] unknown

    def link_share(self, index: int) -> float:
        return self.links[index] if index < len(self.links) else 0.0


Rule = Callable[[list[str], PageFacts], set[int]]

# --- title_line --------------------------------------------------------------------------------

_FOLD = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    return _FOLD.sub(" ", text.casefold()).strip()


def same_headline(line: str, title: str) -> bool:
    """Whether ``line`` is ``title`` written again: exactly, without the site's name or kicker
    the title carries, or with a few characters changed."""
    a, b = _fold(line), _fold(title)
    if not a or not b:
        return False
    if a == b or (a in b and len(a) >= 0.6 * len(b)):  # "Headline" in "Headline | Site"
        return True
    if b in a and len(b) >= 0.8 * len(a):  # "Kicker: Headline" against "Headline"
        return True
    similar = SequenceMatcher(None, a, b, autojunk=False)
    # the quick upper bounds first: most lines are nowhere near the headline's length or letters
    return similar.real_quick_ratio() >= 0.9 and similar.quick_ratio() >= 0.9 and similar.ratio() >= 0.9


def title_line(lines: list[str], page: PageFacts) -> set[int]:
    """The headline in the first three lines (a kicker or a date line may come before it)."""
    return {
        i
        for i, line in enumerate(lines[:3])
        if len(line.split()) <= 30 and any(same_headline(line, title) for title in page.titles)
    }


# --- prompt ------------------------------------------------------------------------------------

# how prompts start, casefolded; the line may go on ("Newsletter abonnieren und ...")
_PROMPT_STARTS = (
    # newsletter, subscription, account, app
    "newsletter abonnieren|jetzt abonnieren|jetzt newsletter|zum newsletter|newsletter bestellen"
    "|newsletter-anmeldung|melden sie sich für unseren newsletter|abonnieren sie unseren"
    "|hier abonnieren|jetzt registrieren|registrieren sie sich|jetzt kostenlos"
    "|jetzt testen|jetzt weiterlesen|sie sind bereits abonnent|bereits abonnent|schon abonnent"
    "|laden sie (?:sich )?(?:die|unsere) app|unsere app herunterladen|app herunterladen|jetzt die app"
    "|folgen sie uns|folge uns|besuchen sie uns auf"
    # teasers and sharing
    "|lesen sie auch|lesen sie mehr|lies auch|mehr zum thema|mehr zu diesem thema|auch interessant"
    "|das könnte sie auch interessieren|das könnte dich auch interessieren|weitere artikel"
    "|ähnliche artikel|verwandte artikel|empfohlene artikel|zum weiterlesen|weiterlesen|mehr lesen"
    "|diesen artikel teilen|artikel teilen|beitrag teilen|jetzt teilen|hier klicken|klicken sie hier"
    # consent placeholders for embedded content
    "|externer inhalt|ein klick für den datenschutz|um diesen inhalt zu sehen|um externe inhalte"
    "|wir benötigen ihre zustimmung|zustimmen und weiter|inhalt laden|inhalte anzeigen"
    "|dieser inhalt ist nicht verfügbar|an dieser stelle finden sie"
    # English, French, Italian, Dutch
    "|subscribe to our|subscribe now|sign up for our|follow us|read more|read also|related articles"
    "|you may also like|already a subscriber|download the app|share this article|click here"
    "|abonnez-vous|lire aussi|leggi anche|lees ook"
)
_PROMPT = re.compile(rf"(?:{_PROMPT_STARTS})\b")
# markers that are a prompt only as the whole line: "Anzeige" heads an ad, "Anzeigen gegen ..." is news
_MARKER = re.compile(
    r"(?:anzeige|werbung|advertisement|sponsored|teilen|drucken|kommentare|share|mehr|weiterlesen"
    r"|mehr anzeigen|zur startseite|nach oben)\W*"
)
_PROMPT_MAX_WORDS = 10  # a prompt is short: a longer line that starts like one is a sentence


def prompt(lines: list[str], page: PageFacts) -> set[int]:
    removed = set()
    for i, line in enumerate(lines):
        text = line.removeprefix("- ").casefold()
        if len(text.split()) <= _PROMPT_MAX_WORDS and (_PROMPT.match(text) or _MARKER.fullmatch(text)):
            removed.add(i)
    return removed


# --- caption -----------------------------------------------------------------------------------

# credit words; "Bild" (also a newspaper: "sagte er der Bild: …") and the like only as a line's
# first word or after a sentence's end, a bracket or a separator
_CREDIT_WORD = r"(?:fotos?|photos?|bildquelle|titelbild|beitragsbild|symbolbild|credits?)"
_WEAK_CREDIT_WORD = r"(?:bild(?:er)?|grafik|illustration|image)"
_AGENCY = r"(?:dpa|afp|ap|reuters|epd|kna|imago(?: images)?|getty images|picture alliance|istock|shutterstock)"
_CREDIT_VALUE = r"[^.!?„“\"»«:]{1,60}"  # a name or an agency: no sentence, no quote
# the whole line is a credit: "Foto: Max Muster", "© dpa", "Copyright 2024 Verlag", "iStock/jdoe"
_CREDIT = re.compile(
    rf"(?:{_CREDIT_WORD}|{_WEAK_CREDIT_WORD})\s*:\s*\S.*|(?:©|\(c\))\s*\S.*|copyright\s*(?:©|\(c\)|\d{{4}}|by\b).*"
    rf"|symbolbild|{_AGENCY}(?:\s*/\s*\S+)?"
)
# a caption that ends with one: "... in Berlin. Foto: dpa", "... (Bild: Stadt)", "... © AFP / NAME"
_CAPTIONED = re.compile(
    rf".*(?:\s{_CREDIT_WORD}\s*:|(?:[.!?]\s+|\(|\s[|/·–-]\s*)(?:{_CREDIT_WORD}|{_WEAK_CREDIT_WORD})\s*:"
    rf"|\s©|\s/\s*(?={_AGENCY}))\s*{_CREDIT_VALUE}\)?"
)
_CREDIT_MAX_WORDS = 12
_CAPTION_MAX_WORDS = 25  # captions are short; a paragraph that ends with a credit is prose


def caption(lines: list[str], page: PageFacts) -> set[int]:
    removed = set()
    for i, line in enumerate(lines):
        words, text = len(line.split()), line.casefold()
        if (words <= _CREDIT_MAX_WORDS and _CREDIT.fullmatch(text)) or (
            words <= _CAPTION_MAX_WORDS and _CAPTIONED.fullmatch(text)
        ):
            removed.add(i)
    return removed


# --- date_line ---------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uar|uary)?|feb(?:ruar|ruary)?|märz|mär|mar(?:ch)?|apr(?:il)?|mai|may|jun[ie]?|jul[iy]?"
    r"|aug(?:ust)?|sep(?:tember|t)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|dez(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = (
    r"(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|sonnabend"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mo|di|mi|do|fr|sa|so)\.?,?"
)
_DATE = (
    rf"(?:{_WEEKDAY}\s*)?(?:\d{{1,2}}\.\s?\d{{1,2}}\.\s?(?:\d{{4}}|\d{{2}})?|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}\.?\s{_MONTH}\s\d{{4}}|{_MONTH}\s\d{{1,2}},?\s\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})"
)
_TIME = r"(?:(?:um\s|at\s)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:uhr|h|am|pm)?|vor\s\d+\s(?:minuten|stunden|tagen))"
_LABEL = (
    r"(?:(?:zuletzt\s)?(?:veröffentlicht|aktualisiert|erstellt|geändert|publiziert)(?:\sam)?|stand|datum"
    r"|published(?:\son)?|updated(?:\son)?|posted(?:\son)?|last updated)\s*:?"
)
_DATE_LINE = re.compile(
    rf"(?:{_LABEL}\s*)?(?:{_DATE}|{_TIME})(?:\s*[,|–—·-]?\s*(?:{_LABEL}\s*)?(?:{_DATE}|{_TIME}))*\W*"
)


def date_line(lines: list[str], page: PageFacts) -> set[int]:
    return {i for i, line in enumerate(lines) if len(line.split()) <= 12 and _DATE_LINE.fullmatch(line.casefold())}


# --- link_line, link_list ----------------------------------------------------------------------

_LINK_LINE_WORDS = (3, 12)  # a word or two is a name or a label in the text, more is prose
_URL = re.compile(r"\S*[./@]\S*")  # a bare URL or address: a reference the text gives
_LINK_LINE_SHARE = 0.8
_LINK_ITEM_SHARE = 0.5
_LINK_RUN = 3


def link_line(lines: list[str], page: PageFacts) -> set[int]:
    """Short lines mostly in links in the last 40 % of the text: teasers, tag lists, "more"."""
    tail = int(len(lines) * 0.6)
    return {
        i
        for i in range(tail, len(lines))
        if _LINK_LINE_WORDS[0] <= len(lines[i].split()) <= _LINK_LINE_WORDS[1]
        and page.link_share(i) >= _LINK_LINE_SHARE
        and not _URL.fullmatch(lines[i])
    }


def link_list(lines: list[str], page: PageFacts) -> set[int]:
    """Runs of three or more list items mostly in links: related-article and teaser lists."""
    removed: set[int] = set()
    run: list[int] = []
    for i, line in enumerate([*lines, ""]):  # the sentinel ends the last run
        if line.startswith("- ") and page.link_share(i) >= _LINK_ITEM_SHARE:
            run.append(i)
            continue
        if len(run) >= _LINK_RUN:
            removed.update(run)
        run = []
    return removed


RULES: dict[str, Rule] = {
    "title_line": title_line,
    "prompt": prompt,
    "caption": caption,
    "date_line": date_line,
    "link_line": link_line,
    "link_list": link_list,
}

# --- lede --------------------------------------------------------------------------------------

LEDE_MIN_WORDS = 8
_TRUNCATED = ("…", "...", "[…]", "[...]")


def lede(lines: list[str], description: str | None, visible: bool) -> str | None:
    """The meta description, to put first, when it is the lede trafilatura lost.

    Only a description the page's body also shows (so it is text of the page, not an SEO
    summary), of at least eight words, not cut off with an ellipsis, and not already in the text.
    """
    if not description or not visible:
        return None
    text = normalize_line(description)
    if len(text.split()) < LEDE_MIN_WORDS or text.endswith(_TRUNCATED):
        return None
    if any(text in line or (line in text and len(line) >= 0.5 * len(text)) for line in lines):
        return None
    return text
