"""Cleaning: boilerplate out, real content in."""

import asyncio

import pytest

from boltwise.clean.cleaner import Cleaner
from boltwise.clean.learned import BoilerplateModel, line_hash
from boltwise.clean.mining import is_headline, parse_dateline
from boltwise.clean.profiles import IT_BOLTWISE, profile_for
from boltwise.clean.text import normalize_line, paragraphs
from boltwise.store import open_store

from .conftest import BOLTWISE_SEEDS, FIXTURES, body_lines, seed_lines


def seed(name):
    return (FIXTURES / "articles" / name).read_text("utf-8")


def body_and_furniture(name):
    body = body_lines(name)
    return body, seed_lines(name)[len(body) :]


@pytest.mark.parametrize("name", BOLTWISE_SEEDS)
def test_saved_boltwise_text_keeps_every_body_paragraph_and_no_furniture(name):
    body, furniture = body_and_furniture(name)
    result = Cleaner().clean(seed(name), site=None, title=None)
    assert result.text.split("\n") == body
    assert [line for _, line in result.removed] == furniture
    assert result.site == "it-boltwise.de"
    assert result.title == furniture[-1].split("»")[1].split("«")[0]  # the quoted headline
    assert result.dateline["source"] == "IT BOLTWISE"


def test_job_titles_never_seen_before_are_removed():
    body, furniture = body_and_furniture("000_8393ffbcd8907b3d.txt")
    jobs_at = furniture.index("Stellenangebote")
    new_jobs = [
        "Head of Applied Machine Learning (m/w/d)",
        "Werkstudent*in Data Engineering – Schwerpunkt LLMOps",
        "Junior Prompt Engineer (B.Sc./M.Sc.) in Teilzeit",
    ]
    furniture = furniture[: jobs_at + 1] + new_jobs + furniture[jobs_at + 5 :]
    result = Cleaner().clean("\n".join(body + furniture), site="it-boltwise.de", title="T")
    assert result.text.split("\n") == body
    assert {line for rule, line in result.removed if rule == "jobs"} >= set(new_jobs)


def test_real_content_stays():
    body = [
        "BERLIN (IT BOLTWISE) – Die Bundesagentur meldet mehr offene Stellenangebote im KI-Sektor als je zuvor.",
        "Die wichtigsten Punkte des Berichts:",
        "- Die besten Bücher rund um KI & Robotik sind laut Umfrage Sachbücher.",
        "- Mehr als 40 Prozent der Stellen bleiben länger als ein halbes Jahr unbesetzt.",
        "Kommentare von Lesern zum Thema werden in der nächsten Ausgabe veröffentlicht.",
        "Stellenangebote",
        "Laut Bericht wuchs die Zahl der ausgeschriebenen Stellen im dritten Quartal um zwölf Prozent, vor allem in Bayern.",
        "Es werden alle Kommentare moderiert, betonte die Sprecherin der Agentur.",
    ]
    result = Cleaner().clean("\n".join(body), site="it-boltwise.de", title="Mehr Stellen")
    # only the lone heading goes; every sentence and every bullet of the article stays
    assert [line for _, line in result.removed] == ["Stellenangebote"]
    assert result.text.split("\n") == body[:5] + body[6:]


def test_normalisation():
    raw = "\ufeffZeile\u00a0mit  Lücken\u200b und wei\u00adter\u202fso\n\n\n  zweite\tZeile  \nu\u0308ber\n"
    assert paragraphs(raw) == ["Zeile mit Lücken und weiter so", "zweite Zeile", "über"]
    assert normalize_line("  a \u2007 b ") == "a b"


def test_title_from_comment_prompt_only_when_none_is_known():
    text = seed("002_d0fef97fb407ba67.txt")
    assert (
        Cleaner().clean(text, site="it-boltwise.de", title=None).title
        == "NATO-Sicherheitsgarantien: Rutte stärkt die Ukraine"
    )
    assert Cleaner().clean(text, site="it-boltwise.de", title="Aus den Metadaten").title == "Aus den Metadaten"


def test_first_line_headline_becomes_title_for_saved_text():
    result = Cleaner().clean(seed("003_84c19c9baf8032c0.txt"), site=None, title=None)
    lines = paragraphs(seed("003_84c19c9baf8032c0.txt"))
    assert result.title == lines[0]
    assert result.text.split("\n") == lines[1:]
    assert result.site is None and result.dateline is None


def test_title_repeated_as_first_line_is_removed():
    result = Cleaner().clean(
        "Große Überschrift\nErster Absatz des Artikels.", site="x.example", title="Große Überschrift"
    )
    assert result.text == "Erster Absatz des Artikels." and result.removed == [("title_line", "Große Überschrift")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "BRÜSSEL / WASHINGTON / LONDON (IT BOLTWISE) – In einer",
            {"places": ["BRÜSSEL", "WASHINGTON", "LONDON"], "source": "IT BOLTWISE"},
        ),
        ("Berlin (dpa) - Die Regierung", {"places": ["Berlin"], "source": "dpa"}),
        ("FRANKFURT AM MAIN (Reuters) – Die Börse", {"places": ["FRANKFURT AM MAIN"], "source": "Reuters"}),
        ("Europäische Union (EU) – Die Kommission", None),
        ("Die Nato (Nordatlantikpakt) – ein Bündnis", None),
        ("Kein Dateline hier.", None),
    ],
)
def test_dateline(line, expected):
    assert parse_dateline(line) == expected


def test_headline_shape():
    assert is_headline("Rutte diskutierte mit Trump über die Zukunft der NATO")
    assert not is_headline("Das ist ein ganzer Satz mit Punkt am Ende.")
    assert not is_headline("- ein Aufzählungspunkt")
    assert not is_headline("Wort")


def test_profile_chosen_by_domain_or_signature():
    assert profile_for("it-boltwise.de", "") is IT_BOLTWISE
    assert profile_for("news.it-boltwise.de", "") is IT_BOLTWISE
    assert profile_for("nachrichten.example", seed("000_8393ffbcd8907b3d.txt")) is None
    assert profile_for(None, seed("000_8393ffbcd8907b3d.txt")) is IT_BOLTWISE
    assert profile_for(None, seed("003_84c19c9baf8032c0.txt")) is None


STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schulstraße", "Lindenallee", "Mühlweg"]
EVENTS = ["Brand", "Wasserschaden", "Verkehrsunfall", "Einbruch", "Fehlalarm"]
WITNESSES = ["Anwohner", "Passanten", "Nachbarn", "Lieferfahrer", "Schüler", "Radfahrer", "Spaziergänger"]


def synthetic_site(n):
    """Articles of a site no profile knows: different stories in one shared frame."""
    for i in range(n):
        street, event, witness = STREETS[i % 6], EVENTS[i % 5], WITNESSES[i % 7]
        yield "\n".join(
            [
                "Startseite > Lokales > Polizei",
                f"Ein {event} in der {street} hat am Morgen Feuerwehr und Polizei beschäftigt, verletzt wurde niemand.",
                f"{witness} hatten den {event} bemerkt und sofort den Notruf gewählt, berichtete ein Sprecher der Polizei.",
                "Folgen Sie uns auf Mastodon und abonnieren Sie unseren Newsletter!",
                f"© 20{10 + i % 10} Beispiel-Verlag GmbH. Alle Rechte vorbehalten.",
            ]
        )


def test_learned_boilerplate_cleans_a_site_without_profile():
    # the generic rules would take the social line and the copyright: learning alone here
    cleaner = Cleaner(BoilerplateModel(min_articles=10, min_support=8), rules=())
    results = [cleaner.clean(text, site="lokal.example", title="Einsatz") for text in synthetic_site(30)]
    # before the site has enough history nothing is learned; afterwards the frame goes
    assert all(r.removed == [] for r in results[:10])
    for r in results[10:]:
        lines = r.text.split("\n")
        assert len(lines) == 2 and lines[0].startswith("Ein ") and "Notruf" in lines[1]
        assert {rule for rule, _ in r.removed} == {"learned"}
        assert len(r.removed) == 3  # breadcrumb, social line, copyright with changing year


def test_learning_never_takes_most_of_an_article():
    model = BoilerplateModel(min_articles=3, min_support=3)
    cleaner = Cleaner(model)
    copy = "Ein Absatz, der auf jeder Seite dieser Website gleich ist.\nUnd noch ein gleicher Satz."
    for _ in range(5):
        result = cleaner.clean(copy, site="kopie.example", title="T")
    assert result.removed == [] and result.text == copy


def test_learned_state_survives_in_the_store(store_uri):
    model = BoilerplateModel(min_articles=10, min_support=8)
    for text in synthetic_site(12):
        Cleaner(model).clean(text, site="lokal.example", title="Einsatz")
    reloaded = BoilerplateModel(min_articles=10, min_support=8)

    async def save_and_reload():
        store = await open_store(store_uri)
        await store.save_boilerplate(model)
        await store.close()
        store = await open_store(store_uri)
        await store.load_boilerplate(reloaded)
        await store.close()

    asyncio.run(save_and_reload())
    assert reloaded.sites["lokal.example"].articles == 12
    result = Cleaner(reloaded).clean(next(synthetic_site(1)), site="lokal.example", title="Einsatz")
    assert len(result.removed) == 3


def test_saved_in_steps_the_store_holds_what_the_model_counts(store_uri):
    """Saves write only what changed since the last one, also after the model forgot lines seen
    once (``max_lines``): the store's counts stay the model's."""
    model = BoilerplateModel(max_lines=20)
    word = ["".join(chr(97 + int(digit)) for digit in str(n)) for n in range(40)]  # numbers are no news
    texts = [f"Zeile {word[n]}\nGleiche Zeile\nNoch eine Zeile {word[n % 3]}" for n in range(40)]

    async def save_in_steps() -> dict[int, int]:
        store = await open_store(store_uri)
        for start in range(0, 40, 7):
            for text in texts[start : start + 7]:
                Cleaner(model).clean(text, site="s.example", title=None)
            await store.save_boilerplate(model)
        await store.close()
        store = await open_store(store_uri)
        reloaded = BoilerplateModel()
        await store.load_boilerplate(reloaded)
        await store.close()
        return reloaded.sites["s.example"]

    saved = asyncio.run(save_in_steps())
    assert line_hash("Zeile a") not in model.sites["s.example"].counts  # forgotten on the way
    assert saved.counts == model.sites["s.example"].counts
    assert saved.articles == 40
