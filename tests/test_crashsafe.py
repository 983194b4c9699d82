"""Kill -9 at random moments, restart, and every article ends up stored exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from boltwise.snapshot import SavedResponse, save

from .conftest import REPO, crawl

ARTICLES = 1000
HOST = "https://gen.example/"
WORDS = [
    "Regierung",
    "Bundestag",
    "Ministerin",
    "Haushalt",
    "Energie",
    "Wärmepumpe",
    "Bahn",
    "Streik",
    "Klinik",
    "Pflege",
    "Schule",
    "Lehrer",
    "Forschung",
    "Universität",
    "Hafen",
    "Export",
    "Handel",
    "Zoll",
    "Landwirt",
    "Ernte",
    "Wetter",
    "Sturm",
    "Hochwasser",
    "Feuerwehr",
    "Polizei",
    "Gericht",
    "Urteil",
    "Klage",
    "Verband",
    "Gewerkschaft",
    "Tarif",
    "Lohn",
    "Rente",
    "Steuer",
    "Kommune",
    "Bürgermeister",
    "Stadtrat",
    "Verkehr",
    "Radweg",
    "Brücke",
    "Tunnel",
    "Flughafen",
    "Netz",
    "Glasfaser",
    "Mobilfunk",
    "Daten",
    "Software",
    "Start-up",
    "Investor",
    "Börse",
    "Aktie",
    "Inflation",
    "Zinsen",
    "Bank",
    "Kredit",
    "Wohnung",
    "Miete",
    "Bau",
    "Baustelle",
    "Architekt",
    "Museum",
    "Theater",
    "Konzert",
    "Festival",
    "Verein",
    "Fußball",
    "Trainer",
    "Saison",
    "Tabelle",
    "Spieler",
    "Olympia",
    "Medaille",
    "Wahl",
    "Umfrage",
    "Partei",
    "Koalition",
    "Opposition",
    "Debatte",
    "Gesetz",
    "Entwurf",
    "Reform",
    "Behörde",
    "Amt",
    "Antrag",
    "Frist",
    "Bericht",
    "Studie",
    "Analyse",
    "Prognose",
    "Markt",
    "Nachfrage",
    "Angebot",
    "Kunde",
    "Preis",
    "Produkt",
    "Fabrik",
    "Werk",
    "Schicht",
    "Auftrag",
    "Lieferung",
    "Container",
    "Schiff",
    "Hafenbecken",
    "Kran",
    "Logistik",
]


def article_text(rng: random.Random) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 40))) + "." for _ in range(4)]


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> Path:
    """A generated site of 1,000 article pages and two sitemaps, as a replay directory."""
    site = tmp_path_factory.mktemp("big-site")
    rng = random.Random(1000)
    html = [("Content-Type", "text/html; charset=utf-8"), ("Date", "Sat, 21 Nov 2026 06:00:00 GMT")]
    xml = [("Content-Type", "application/xml"), ("Date", "Sat, 21 Nov 2026 06:00:00 GMT")]
    save(
        site,
        SavedResponse(
            f"{HOST}robots.txt",
            200,
            [("Content-Type", "text/plain")],
            f"User-agent: *\nDisallow:\nSitemap: {HOST}sitemap_index.xml\n".encode(),
        ),
    )
    maps = []
    for part in range(2):
        urls = []
        for n in range(part * ARTICLES // 2, (part + 1) * ARTICLES // 2):
            url = f"{HOST}artikel/{n}.html"
            paragraphs = "".join(f"<p>{p}</p>" for p in article_text(rng))
            body = (
                f'<html lang="de"><head><title>Meldung {n}</title><link rel="canonical" href="{url}">'
                f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Meldung {n}",'
                f' "datePublished": "2026-11-{1 + n % 20:02d}T08:00:00+01:00"}}</script></head>'
                f"<body><nav><a href='/'>Start</a></nav><article><h1>Meldung {n}</h1>{paragraphs}</article></body></html>"
            )
            save(site, SavedResponse(url, 200, html, body.encode()))
            urls.append(f"<url><loc>{url}</loc><lastmod>2026-11-{1 + n % 20:02d}</lastmod></url>")
        name = f"{HOST}post-sitemap{part + 1}.xml"
        maps.append(f"<sitemap><loc>{name}</loc></sitemap>")
        save(
            site,
            SavedResponse(
                name,
                200,
                xml,
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(urls)}</urlset>'.encode(),
            ),
        )
    index = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(maps)}</sitemapindex>'
    save(site, SavedResponse(f"{HOST}sitemap_index.xml", 200, xml, index.encode()))
    return site


def stored_urls(store_uri: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "boltwise-export", "-s", f"BOLTWISE_STORE_URI={store_uri}"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [json.loads(line)["url"] for line in out.stdout.splitlines()]


def test_killed_crawls_resume_and_store_every_article_exactly_once(big_site, store_uri, tmp_path):
    args = [
        "news",
        "-a",
        f"sitemap={HOST}sitemap_index.xml",
        "-s",
        f"BOLTWISE_REPLAY_DIR={big_site}",
        "-s",
        f"BOLTWISE_STORE_URI={store_uri}",
    ]
    rng = random.Random(int(os.environ.get("BOLTWISE_KILL_SEED", "9")))
    stored_after_kill = []
    for _ in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", *args, "-s", "LOG_LEVEL=WARNING"],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        time.sleep(rng.uniform(1.0, 7.0))  # start-up, discovery, extraction, commits: anywhere
        os.killpg(proc.pid, signal.SIGKILL)  # the crawler and its extraction workers, no goodbye
        proc.wait()
        stored_after_kill.append(len(stored_urls(store_uri)))
    final = crawl(tmp_path, *args)
    assert final.returncode == 0, final.log
    urls = stored_urls(store_uri)
    expected = sorted(f"{HOST}artikel/{n}.html" for n in range(ARTICLES))
    assert sorted(urls) == expected  # exactly one row per article, none missing
    assert stored_after_kill == sorted(stored_after_kill)  # nothing committed was ever lost
    print(
        f"\nstored after each kill: {stored_after_kill}; the final run stored {final.stat('boltwise/store/stored')}"
    )
    # the unchanged site again: robots.txt and sitemaps only, no article page
    again = crawl(tmp_path, *args)
    assert again.returncode == 0 and again.items == []
    assert again.stat("boltwise/discovery/article") is None
    assert again.stat("boltwise/recrawl/skipped_unchanged") == ARTICLES
    assert again.stat("downloader/request_count") == 4  # robots.txt, the sitemap index, two sitemaps
