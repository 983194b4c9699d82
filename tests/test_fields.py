import pytest

from boltwise.clean.language import article_language
from boltwise.fields import MAX_TERMS, authors, image_url, terms, title

PAGE = "https://www.zeitung.example/politik/artikel.html"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://cdn.example/a.jpg", "https://cdn.example/a.jpg"),
        ("//cdn.example/b.jpg", "https://cdn.example/b.jpg"),  # protocol-relative
        ("/bilder/c.webp", "https://www.zeitung.example/bilder/c.webp"),
        ("d.png", "https://www.zeitung.example/politik/d.png"),
        ("  https://cdn.example/e.jpg  ", "https://cdn.example/e.jpg"),
        # placeholders and inline pixels are no article's picture
        ("https://www.zeitung.example/img/blank.jpg", None),
        ("/wp-content/spacer.gif", None),
        ("https://cdn.example/placeholder-2.png", None),
        ("data:image/gif;base64,R0lGODlhAQABAAAAACw=", None),
        # names that merely contain such a word stay
        ("https://cdn.example/blankenese-hafen.jpg", "https://cdn.example/blankenese-hafen.jpg"),
        ("https://cdn.example/pixel-art-ausstellung.jpg", "https://cdn.example/pixel-art-ausstellung.jpg"),
        ("javascript:alert(1)", None),
        ("", None),
        (None, None),
    ],
)
def test_image_url(value, expected):
    assert image_url(value, PAGE) == expected


def test_a_relative_image_without_a_page_url_is_dropped():
    assert image_url("/bilder/c.webp", None) is None
    assert image_url("https://cdn.example/a.jpg", None) == "https://cdn.example/a.jpg"


def test_terms_are_split_stripped_deduplicated_and_capped():
    assert terms(["Rechtsprechung, Urlaubsrecht; news | nachrichten"]) == [
        "Rechtsprechung", "Urlaubsrecht", "news", "nachrichten"
    ]  # fmt: skip
    assert terms(["tag:netzdg, tag:fake news, cat:medien, type:post"]) == ["netzdg", "fake news", "medien"]
    assert terms(["Textart: Heftarchiv"]) == []  # what kind of page, no topic
    assert terms(["Thomanerchor,", "Leipzig", "leipzig", "Trier &amp; Region"]) == [
        "Thomanerchor", "Leipzig", "Trier & Region"
    ]  # fmt: skip
    assert terms(["Klima"]) == ["Klima"]  # a one-word tag stays
    assert terms(["Bahn, Süddeutsche Zeitung, SZ"], ["Süddeutsche Zeitung"]) == ["Bahn", "SZ"]
    assert terms(["Automobilwoche", "VW"], site="automobilwoche.de") == ["VW"]
    assert terms([f"t{i}" for i in range(100)]) == [f"t{i}" for i in range(MAX_TERMS)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Unknown", None),
        ("admin", None),
        ("Name", None),  # a comment form's label
        ("https://example.org/autor/x", None),
        ("redaktion@zeitung.example", None),
        ("Von FOCUS-Online-Experte Robin Tschöpe", "FOCUS-Online-Experte Robin Tschöpe"),
        ("By Jane Doe; admin; Jane Doe", "Jane Doe"),
        ("Redaktion", "Redaktion"),  # a newsroom byline is an author
        ("Adminah Namely", "Adminah Namely"),  # a real name with a placeholder word in it
        ("Anonymous Coward Smith", "Anonymous Coward Smith"),
        ("www koffergepackt com", None),  # a URL, its dots gone
        ("tennisnet.com", None),  # a domain
        ("FLVW.de", None),
        ("A.Meier", "A.Meier"),
        ("hans.meier", "hans.meier"),  # a user name, no domain
        ("Dr.phil", "Dr.phil"),
        ("Dr. Jane Doe", "Dr. Jane Doe"),
        (None, None),
    ],
)
def test_authors(value, expected):
    assert authors(value) == expected


def test_authors_that_are_the_publisher_or_the_title_are_dropped():
    title = "Eine realistische Interpretation des Keynes-Hicks-Multiplikators"
    assert authors("SPIEGEL ONLINE, Hamburg, Germany", ["SPIEGEL ONLINE", title]) is None
    assert authors(title, ["SPIEGEL ONLINE", title]) is None
    assert authors("Solarserver; Jana Berg", ["Solarserver"]) == "Jana Berg"
    # the publisher's name inside a person's byline is no reason to drop it
    assert authors("FOCUS-Online-Experte Robin Tschöpe", ["FOCUS Online"]) == "FOCUS-Online-Experte Robin Tschöpe"


@pytest.mark.parametrize(
    ("value", "names", "site", "expected"),
    [
        ("Ein Presse-Event | MODEPILOT.de", ["Modepilot"], "modepilot.de", "Ein Presse-Event"),
        (
            "Faire Lieferketten - Evangelisches Jugendwerk (ejw)",
            ["Evangelisches Jugendwerk"],
            None,
            "Faire Lieferketten",
        ),
        ("Corona: Autohäuser öffnen | MDR.DE", [], "mdr.de", "Corona: Autohäuser öffnen"),
        ("Neuer Trainer – LIQUI MOLY HBL", [], "liquimoly-hbl.de", "Neuer Trainer"),
        ("ZEIT ONLINE :: Politik im Wandel", ["ZEIT ONLINE"], "zeit.de", "Politik im Wandel"),
        ("Politik im Wandel · Der Standard", ["Der Standard"], "derstandard.at", "Politik im Wandel"),
        (
            "Mystery Bag - Geheimnis! - Martina Berg - Lady 50plus",
            ["Martina Berg - Lady 50plus"],
            None,
            "Mystery Bag - Geheimnis!",
        ),
        ("Sterben &raquo; ☆☆ - Watch e.V. - News", ["☆☆ - Watch e.V. - News"], None, "Sterben"),
        # a dash inside the headline is no site name
        ("Bundesliga: Dortmund - Gladbach live sehen!", ["computerbild.de"], "computerbild.de", None),
        ("Daten gehackt - Interne Unterlagen im Netz", ["tagesschau.de"], "tagesschau.de", None),
        ("Strong & Beautiful - Pamela Reif", ["Plentylife"], "plentylife.blogspot.com", None),
        ("Handball heute: Kiel - Flensburg im Spiegel der Fans", [], "handball.ch", None),
        ("MDR.DE", ["MDR.DE"], "mdr.de", None),  # the name alone is all there is
    ],
)
def test_title_loses_the_site_name_only(value, names, site, expected):
    assert title(value, names, site) == (expected or value)


GERMAN = "Der Norweger hat den abschließenden Wettkampf des Wochenendes in Willingen gewonnen. " * 6
ENGLISH = "The only surf specific kite company in the world designs equipment for waveriding. " * 6


def test_language_of_the_text_wins_when_detection_is_confident():
    assert article_language(GERMAN, "en") == "de"  # <html lang="en"> on a German page
    assert article_language(ENGLISH, "de") == "en"
    assert article_language("Ein kurzer Satz, zu kurz um sicher zu sein.", "en") == "en"  # too few words
    assert article_language(GERMAN, None) == "de"
