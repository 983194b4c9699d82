"""Generated news sites for benchmarks and crash tests: many distinct articles, in replay layout."""

from __future__ import annotations

import random
from pathlib import Path

from boltwise.bench import saved_articles
from boltwise.snapshot import SavedResponse, save

HOST = "https://gen.example/"
_HTML = [("Content-Type", "text/html; charset=utf-8"), ("Date", "Sat, 21 Nov 2026 06:00:00 GMT")]
_XML = [("Content-Type", "application/xml"), ("Date", "Sat, 21 Nov 2026 06:00:00 GMT")]


def article_url(n: int) -> str:
    return f"{HOST}artikel/{n}.html"


def generate_site(directory: Path, pages: int, sitemaps: int = 2) -> str:
    """Write robots.txt, a sitemap index over ``sitemaps`` sitemaps (with ``lastmod``) and
    ``pages`` article pages of random German text; return the sitemap index URL."""
    rng = random.Random(pages)
    words = sorted({word for text in saved_articles() for word in text.split()})
    robots = f"User-agent: *\nDisallow:\nSitemap: {HOST}sitemap_index.xml\n".encode()
    save(directory, SavedResponse(f"{HOST}robots.txt", 200, [("Content-Type", "text/plain")], robots))
    per_map = -(-pages // sitemaps)
    entries = []
    for part in range(sitemaps):
        urls = []
        for n in range(part * per_map, min(pages, (part + 1) * per_map)):
            day = f"2026-11-{1 + n % 20:02d}"
            paragraphs = "".join(
                "<p>" + " ".join(rng.choices(words, k=rng.randint(30, 50))) + ".</p>" for _ in range(4)
            )
            body = (
                f'<html lang="de"><head><title>Meldung {n}</title><link rel="canonical" href="{article_url(n)}">'
                f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Meldung {n}",'
                f' "datePublished": "{day}T08:00:00+01:00"}}</script></head><body><nav><a href="/">Start</a></nav>'
                f"<article><h1>Meldung {n}</h1>{paragraphs}</article></body></html>"
            )
            save(directory, SavedResponse(article_url(n), 200, _HTML, body.encode()))
            urls.append(f"<url><loc>{article_url(n)}</loc><lastmod>{day}</lastmod></url>")
        name = f"{HOST}post-sitemap{part + 1}.xml"
        urlset = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(urls)}</urlset>'
        save(directory, SavedResponse(name, 200, _XML, urlset.encode()))
        entries.append(f"<sitemap><loc>{name}</loc></sitemap>")
    index = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(entries)}</sitemapindex>'
    save(directory, SavedResponse(f"{HOST}sitemap_index.xml", 200, _XML, index.encode()))
    return f"{HOST}sitemap_index.xml"
