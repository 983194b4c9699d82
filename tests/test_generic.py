"""The generic profile: each rule on real-looking lines, and what each must leave alone."""

import pytest

from boltwise.clean.cleaner import RULE_NAMES, Cleaner
from boltwise.clean.generic import PageFacts, caption, date_line, lede, link_line, link_list, prompt, title_line
from boltwise.layout import Layout

NO_FACTS = PageFacts()
PROSE = (
    "Der Stadtrat hat am Dienstagabend mit großer Mehrheit beschlossen, die Sanierung des Hallenbads "
    "um zwei Jahre vorzuziehen, weil die Kosten sonst weiter steigen würden."
)


def removed(rule, lines, page=NO_FACTS):
    return [lines[i] for i in sorted(rule(lines, page))]


def test_title_line_fuzzy_in_the_first_lines_only():
    page = PageFacts(titles=("Hallenbad wird früher saniert | Stadtanzeiger", "Hallenbad wird früher saniert"))
    lines = ["Lokales", "Hallenbad wird früher saniert", PROSE, "Hallenbad wird früher saniert"]
    assert removed(title_line, lines, page) == ["Hallenbad wird früher saniert"]  # not the 4th line
    assert removed(title_line, ["„Hallenbad wird früher saniert“", PROSE], page) == [
        "„Hallenbad wird früher saniert“"
    ]
    # a first sentence that merely starts like the headline stays
    assert (
        removed(title_line, ["Hallenbad wird früher saniert, sagt die Stadt, und zwar ab Mai 2026.", PROSE], page)
        == []
    )


def test_prompt_by_how_the_line_starts():
    lines = [
        "Newsletter abonnieren",
        "Jetzt registrieren und keine Nachricht verpassen!",
        "Externer Inhalt nicht verfügbar",
        "Ein Klick für den Datenschutz",
        "Lesen Sie auch: Neue Radwege für die Innenstadt",
        "- Folgen Sie uns auf Instagram",
        "Anzeige",
    ]
    assert removed(prompt, lines) == lines
    stay = [
        "Der Newsletter der Stadt erscheint künftig jeden Freitag und informiert über die Sitzungen.",
        "Anzeigen gegen Unbekannt hat die Polizei bisher nicht erhalten.",
        "Sign up for the vaccine at your local clinic, officials said.",
        "Jetzt anmelden können sich Eltern noch bis Freitag im Rathaus.",
        "Unsere App-Entwickler arbeiten seit Monaten an der neuen Version der Anwendung.",
        "Lesen Sie auch die Stellungnahme der Opposition, forderte der Fraktionschef am Ende seiner Rede vor dem "
        "Plenum und verwies auf das Protokoll der letzten Sitzung des Ausschusses.",
        PROSE,
    ]
    assert removed(prompt, stay) == []


def test_caption_and_credit_lines():
    lines = [
        "Foto: Max Mustermann",
        "© dpa",
        "Fotos: Berliner Feuerwehr",
        "Die Ministerin bei der Eröffnung am Montag. Foto: dpa",
        "Marco Odermatt, Ski-Star aus der Schweiz. © AFP / MARCO BERTORELLO",
        "Der neue Bahnhof (Bild: Stadtwerke)",
        "iStock/cjp",
    ]
    assert removed(caption, lines) == lines
    stay = [
        "Das Foto zeigt den Bürgermeister bei der Eröffnung, aufgenommen hat es ein Praktikant der Stadt.",
        "Bild und Ton fielen während der Übertragung für mehrere Minuten aus, teilte der Sender mit.",
        "Die Agentur dpa berichtete zuerst über den Rücktritt.",
        "Neu im Sortiment (gilt auch für das © Feiertags-Angebot):",
        "Das sagte Merz der Bild: „Wir werden das nicht zulassen“",  # the newspaper, not a credit
        "Im Interview mit der Bild: Scholz lehnt Rücktritt ab",
        "Copyright-Reform: Was sich für Verlage ändert",
        PROSE + " (Foto: Stadt)" + " Der Beschluss gilt ab sofort und wurde einstimmig gefasst.",
    ]
    assert removed(caption, stay) == []


def test_date_lines():
    lines = [
        "28.04.2020 21:38 Uhr",
        "Stand: 28.04.2020 18:00 Uhr",
        "Veröffentlicht am 06.12.2022",
        "Mittwoch, 01.11.2023",
        "12. Januar 2022,",
        "31.10.2023, 19.18 Uhr",
        "March 3, 2025",
    ]
    assert removed(date_line, lines) == lines
    stay = [
        "11.09.2011, 16:20 von jovelstefan",  # a byline: not only a date
        "Am 12. Januar 2022 beginnt die Sanierung.",
        "2022",
    ]
    assert removed(date_line, stay) == []


def test_link_lines_only_short_in_the_tail():
    lines = [
        PROSE,
        "Mehr zum Bahnhof und zum Bus",
        PROSE,
        PROSE,
        "Weitere Meldungen aus der Region",
        "Kurz",
        "https://example.org/quelle",
    ]
    page = PageFacts(links=[0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    # the early link line is in the body; one word is a name; a bare URL is a reference
    assert removed(link_line, lines, page) == ["Weitere Meldungen aus der Region"]
    assert removed(link_line, lines, PageFacts(links=[0.0, 1.0, 0.0, 0.0, 0.5, 1.0, 1.0])) == []


def test_link_lists_in_runs_of_three():
    items = ["- Neue Radwege für die Innenstadt", "- Hallenbad öffnet im Mai", "- Kita-Gebühren steigen"]
    lines = [PROSE, *items, PROSE]
    assert removed(link_list, lines, PageFacts(links=[0.0, 1.0, 0.9, 0.6, 0.0])) == items
    # a bullet list in the body: no links, or only two linked items, stays
    assert removed(link_list, lines, PageFacts(links=[0.0] * 5)) == []
    assert removed(link_list, lines, PageFacts(links=[0.0, 1.0, 0.1, 1.0, 0.0])) == []


def test_lede_only_when_visible_complete_and_missing():
    description = "Die Stadt zieht die Sanierung des Hallenbads um zwei Jahre vor, weil die Kosten steigen."
    assert lede([PROSE], description, visible=True) == description
    assert lede([PROSE], description, visible=False) is None  # an SEO summary, not page text
    assert lede([PROSE], description[:60] + " …", visible=True) is None  # truncated
    assert lede([PROSE], "Hallenbad früher saniert.", visible=True) is None  # too short
    assert lede([description, PROSE], description, visible=True) is None  # already there


def test_cleaner_applies_lede_rules_and_switches():
    layout = Layout(
        slots=[0] * 5,
        links=[0.0, 0.0, 0.0, 0.0, 1.0],
        headline="Hallenbad früher saniert",
        description_visible=True,
    )
    text = "\n".join(["Hallenbad früher saniert", PROSE, "Foto: Stadt", PROSE, "Weitere Meldungen aus der Region"])
    description = "Die Stadt zieht die Sanierung des Hallenbads um zwei Jahre vor, weil die Kosten steigen."
    result = Cleaner().clean(
        text, site="stadt.example", title="Hallenbad früher saniert", description=description, layout=layout
    )
    assert result.text.split("\n") == [description, PROSE, PROSE]
    assert [rule for rule, _ in result.removed] == ["title_line", "caption", "link_line"]
    assert result.added == [("lede", description)]
    off = Cleaner(rules=[r for r in RULE_NAMES if r not in ("lede", "caption")])
    result = off.clean(
        text, site="stadt.example", title="Hallenbad früher saniert", description=description, layout=layout
    )
    assert result.text.split("\n") == [PROSE, "Foto: Stadt", PROSE]
    with pytest.raises(ValueError, match="unknown cleaning rules"):
        Cleaner(rules=["lede", "captions"])


def test_generic_rules_never_take_most_of_the_text():
    # a page of prompts and credits is no article in furniture: judged whole (e.g. too short)
    text = "\n".join(["Newsletter abonnieren", "Foto: Stadt", "Jetzt registrieren und gewinnen", "Kurz und gut."])
    assert Cleaner().clean(text, site="stadt.example", title="Hallenbad").text == text
