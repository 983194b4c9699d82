"""Generated news sites for benchmarks and crash tests: many distinct articles, in replay layout.

Besides its articles a site can list exact copies (another URL, the same text) and truncated
copies (the first three of four paragraphs) of some of them; an *update* is a replay overlay in
which some articles changed (a fourth paragraph more) and the sitemaps say so with a newer lastmod.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from boltwise.bench import saved_articles
from boltwise.snapshot import SavedResponse, save

HOST = "https://gen.example/"
_HTML = [("Content-Type", "text/html; charset=utf-8"), ("Date", "Sat, 21 Nov 2026 06:00:00 GMT")]
_XML = [("Content-Type", "application/xml"), ("Date", "Sat, 21 Nov 2026 06:00:00 GMT")]
UPDATED = "2026-11-25"  # the lastmod of an updated article
FIRST_DAY = date(2026, 11, 1)  # article n is published ``n % days`` days later


def published_day(n: int, days: int = 20) -> str:
    return (FIRST_DAY + timedelta(days=n % days)).isoformat()


def article_url(n: int) -> str:
    return f"{HOST}artikel/{n}.html"


def copy_url(n: int) -> str:
    return f"{HOST}kopie/{n}.html"


def excerpt_url(n: int) -> str:
    return f"{HOST}auszug/{n}.html"


@cache
def _words() -> list[str]:
    return sorted({word for text in saved_articles() for word in text.split()})


def paragraphs(n: int, count: int = 4) -> list[str]:
    """Article ``n``'s paragraphs: random German words, the same every time."""
    rng = random.Random(n)  # one sequence per article: its fifth paragraph follows the same four
    return [" ".join(rng.choices(_words(), k=rng.randint(30, 50))) + "." for _ in range(count)]


def _page(url: str, n: int, paragraphs: list[str], days: int) -> SavedResponse:
    day = published_day(n, days)
    body = (
        f'<html lang="de"><head><title>Meldung {n}</title><link rel="canonical" href="{url}">'
        f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Meldung {n}",'
        f' "datePublished": "{day}T08:00:00+01:00"}}</script></head><body><nav><a href="/">Start</a></nav>'
        f"<article><h1>Meldung {n}</h1>{''.join(f'<p>{p}</p>' for p in paragraphs)}</article></body></html>"
    )
    return SavedResponse(url, 200, _HTML, body.encode())


def generate_site(
    directory: Path,
    pages: int,
    sitemaps: int = 2,
    copies: int = 0,
    excerpts: int = 0,
    updated: int = 0,
    days: int = 20,
) -> str:
    """Write robots.txt, a sitemap index over ``sitemaps`` sitemaps (each with the newest
    ``lastmod`` of its entries) and ``pages`` article pages published over ``days`` days, plus
    exact ``copies`` of the last articles and truncated copies (``excerpts``) of the articles
    from number ``copies`` on; return the sitemap index URL.

    With ``updated``, write the overlay instead: the first ``updated`` articles changed, and the
    sitemaps announcing it.
    """
    save(directory, SavedResponse(f"{HOST}robots.txt", 200, [("Content-Type", "text/plain")], _robots()))
    listed = [(article_url(n), n) for n in range(pages)]
    for i, n in enumerate(range(pages - copies, pages)):  # copies of the last articles, listed before
        listed.insert(i * pages // copies, (copy_url(n), n))  # them: which is kept is order, not timing
    listed += [(excerpt_url(n), n) for n in range(copies, copies + excerpts)]
    per_map = -(-len(listed) // sitemaps)
    entries = []
    for part in range(sitemaps):
        urls, newest = [], ""
        for url, n in listed[part * per_map : (part + 1) * per_map]:
            lastmod = published_day(n, days)
            if url == article_url(n) and n < updated:
                lastmod = UPDATED
                save(directory, _page(url, n, paragraphs(n, 5), days))
            elif not updated:
                text = paragraphs(n)
                save(directory, _page(url, n, text[:3] if url == excerpt_url(n) else text, days))
            newest = max(newest, lastmod)
            urls.append(f"<url><loc>{url}</loc><lastmod>{lastmod}</lastmod></url>")
        name = f"{HOST}post-sitemap{part + 1}.xml"
        urlset = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(urls)}</urlset>'
        save(directory, SavedResponse(name, 200, _XML, urlset.encode()))
        entries.append(f"<sitemap><loc>{name}</loc><lastmod>{newest}</lastmod></sitemap>")
    index = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(entries)}</sitemapindex>'
    save(directory, SavedResponse(f"{HOST}sitemap_index.xml", 200, _XML, index.encode()))
    return f"{HOST}sitemap_index.xml"


def _robots() -> bytes:
    return f"User-agent: *\nDisallow:\nSitemap: {HOST}sitemap_index.xml\n".encode()
