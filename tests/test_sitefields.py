"""Field values a site gives all its pages, learned per site."""

import asyncio

from boltwise.clean.learned import BoilerplateModel
from boltwise.clean.sitefields import SiteFields, SiteFieldsModel
from boltwise.store import open_store
from boltwise.store.boilerplate import FIELDS

SLOGAN = "Nachrichten aus dem Vereinsleben, jeden Tag neu"


def model(min_articles=10, min_share=0.8):
    return SiteFieldsModel(BoilerplateModel(min_articles=min_articles, min_support=2, min_share=min_share))


def page(n, title=None, description=SLOGAN, tags=None):
    fields = SiteFields(title or f"Spielbericht Nummer {n} - Eintracht Presse", description)
    fields.tags = tags if tags is not None else ["News", "nachrichten", f"Spieler {n}", *(["Derby"] * (n % 2))]
    fields.categories = ["Allgemein", "Fußball"] if n % 3 else ["Allgemein"]
    return fields


def learn(fields_model, site, pages):
    for fields in pages:
        fields_model.observe(site, fields)


def test_values_on_nearly_every_page_go_once_the_site_has_enough_pages():
    fields_model = model()
    site = "eintracht-presse.example"
    # before the site has ten pages nothing is learned: the first pages keep their values
    for n in range(9):
        assert fields_model.clean(site, page(n)).tags == page(n).tags
        fields_model.observe(site, page(n))
    learn(fields_model, site, [page(9)])
    cleaned = fields_model.clean(site, page(10))
    assert cleaned.tags == ["Spieler 10"]  # a tag on half the pages ("Derby") stays: a topic
    assert cleaned.description is None
    assert cleaned.title == "Spielbericht Nummer 10"
    # a category on two thirds of the pages is a section; one on all of them says nothing
    assert cleaned.categories == ["Fußball"]
    assert sorted(kind for kind, _ in cleaned.removed) == ["categories", "description", "tags", "tags", "title"]
    derby = fields_model.clean(site, page(11))
    assert derby.tags == ["Spieler 11", "Derby"]


def test_a_dash_inside_the_headline_and_a_title_that_is_only_the_site_name_stay():
    fields_model = model()
    site = "eintracht-presse.example"
    learn(fields_model, site, [page(n) for n in range(12)])
    assert fields_model.clean(site, page(20, "Bayern – Dortmund 2:1 - Eintracht Presse")).title == (
        "Bayern – Dortmund 2:1"
    )
    assert fields_model.clean(site, page(20, "Eintracht Presse")).title == "Eintracht Presse"
    assert (
        fields_model.clean(site, page(20, "Eintracht – Presse im Wandel")).title == "Eintracht – Presse im Wandel"
    )
    # an article's own description and a one-word tag of its own stay
    own = fields_model.clean(site, page(20, description="Der Trainer erklärt die Niederlage.", tags=["Abstieg"]))
    assert (own.description, own.tags) == ("Der Trainer erklärt die Niederlage.", ["Abstieg"])


def test_a_learned_prefix_goes_and_other_sites_are_not_touched():
    fields_model = model()
    learn(fields_model, "a.example", [page(n, f"Vereinsblatt :: Meldung {n}") for n in range(12)])
    assert fields_model.clean("a.example", page(30, "Vereinsblatt :: Saisonstart")).title == "Saisonstart"
    other = fields_model.clean("b.example", page(30, "Vereinsblatt :: Saisonstart"))
    assert (other.title, other.description, other.removed) == ("Vereinsblatt :: Saisonstart", SLOGAN, [])
    assert fields_model.clean(None, page(30)).removed == []


def test_a_tag_cloud_on_every_page_goes_whole():
    cloud = [f"Schlagwort {n}" for n in range(45)]
    fields_model = model()
    learn(fields_model, "blog.example", [page(n, tags=[*cloud, f"Eigenes {n}"]) for n in range(12)])
    assert fields_model.clean("blog.example", page(40, tags=[*cloud, "Eigenes 40"])).tags == ["Eigenes 40"]


def test_learned_values_persist_in_the_store(tmp_path):
    async def run():
        first = model()
        learn(first, "a.example", [page(n) for n in range(12)])
        store = await open_store(f"sqlite:///{tmp_path}/s.sqlite3")
        await store.save_boilerplate(first.model, FIELDS)
        await store.durable()
        second = model()
        await store.load_boilerplate(second.model, FIELDS)
        await store.close()
        return second.clean("a.example", page(50))

    assert asyncio.run(run()).title == "Spielbericht Nummer 50"
