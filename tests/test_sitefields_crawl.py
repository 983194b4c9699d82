"""Learned field values in a crawl: learned from a site's pages, kept in the store for the next."""

import random

from .conftest import crawl

WORDS = [
    "Mannschaft",
    "Trainer",
    "Abwehr",
    "Sturm",
    "Tor",
    "Minute",
    "Halbzeit",
    "Ecke",
    "Elfmeter",
    "Schiedsrichter",
    "Zuschauer",
    "Stadion",
    "Regen",
    "Sonne",
    "Verein",
    "Vorstand",
    "Jugend",
    "Saison",
    "Tabelle",
    "Punkt",
    "Sieg",
    "Niederlage",
    "Remis",
    "Flanke",
    "Kopfball",
    "Pfosten",
    "Latte",
    "Wechsel",
    "Kapitän",
    "Torwart",
    "Parade",
    "Konter",
    "Pressing",
    "Taktik",
    "Training",
    "Verletzung",
    "Rückkehr",
    "Pokal",
    "Derby",
]

SLOGAN = "Das Vereinsblatt: alles über den Verein, jeden Tag"


def write_pages(folder, numbers):
    folder.mkdir()
    for n in numbers:
        words = random.Random(n).choices(WORDS, k=120)  # a text of its own: no page copies another
        paragraphs = "".join(f"<p>{' '.join(words[i : i + 24])}.</p>" for i in range(0, 120, 24))
        (folder / f"{n:02d}.html").write_text(
            f"<html lang='de'><head><meta property='og:title' content='Spielbericht {n} - Eintracht Presse'>"
            f"<link rel='canonical' href='https://vereinsblatt.example/spiel-{n}'>"
            f"<meta name='description' content='{SLOGAN}'>"
            f"<meta property='article:tag' content='News'><meta property='article:tag' content='Spieler {n}'>"
            f"</head><body><article><h1>Spielbericht {n}</h1>{paragraphs}</article></body></html>",
            "utf-8",
        )


def test_a_sites_own_tags_description_and_title_end_are_learned_and_kept_for_the_next_crawl(tmp_path):
    store = f"BOLTWISE_STORE_URI=sqlite:///{tmp_path}/state.sqlite3"
    write_pages(tmp_path / "first", range(12))
    first = crawl(tmp_path, "files", "-a", f"path={tmp_path / 'first'}", "-s", store)
    assert first.returncode == 0, first.log
    items = first.items
    assert len(items) == 12
    # the first ten pages keep what the site gives them all: nothing is learned before
    assert all(item["tags"] == ["News", f"Spieler {n}"] for n, item in enumerate(items[:10]))
    assert items[0]["title"] == "Spielbericht 0 - Eintracht Presse" and items[0]["description"] == SLOGAN
    for n, item in enumerate(items[10:], start=10):
        assert (item["tags"], item["description"], item["title"]) == ([f"Spieler {n}"], None, f"Spielbericht {n}")
    assert first.stat("boltwise/clean/fields/tags") == 2
    assert first.stat("boltwise/clean/fields/title") == 2

    write_pages(tmp_path / "second", [40])
    second = crawl(tmp_path, "files", "-a", f"path={tmp_path / 'second'}", "-s", store)
    [item] = second.items
    assert (item["tags"], item["description"], item["title"]) == (["Spieler 40"], None, "Spielbericht 40")
    # with the learning off, a page of the same site on the same store keeps them
    write_pages(tmp_path / "third", [41])
    third = crawl(
        tmp_path,
        "files",
        "-a",
        f"path={tmp_path / 'third'}",
        "-s",
        store,
        "-s",
        "BOLTWISE_CLEAN_FIELDS_ENABLED=False",
    )
    assert (third.items[0]["tags"], third.items[0]["description"]) == (["News", "Spieler 41"], SLOGAN)
