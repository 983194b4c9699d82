from lxml import html

from boltwise.metadata import iso_datetime, read_metadata


def tree(head: str, lang: str = "de-DE"):
    return html.fromstring(f'<html lang="{lang}"><head>{head}</head><body><p>x</p></body></html>')


def test_jsonld_graph_article_fields_win_over_opengraph():
    meta = read_metadata(
        tree(
            '<meta property="og:type" content="article"><meta property="og:title" content="OG">'
            '<meta property="article:published_time" content="2020-01-01T00:00:00Z">'
            '<link rel="canonical" href="https://a.example/x">'
            '<script type="application/ld+json">{"@graph": [{"@type": "WebPage"},'
            '{"@type": ["NewsArticle"], "headline": "LD", "datePublished": "2025-08-25T11:30:00+02:00",'
            '"author": [{"name": "A"}, {"name": "B"}], "keywords": "x, y", "articleSection": "S"}]}'
            "</script>"
        )
    )
    assert meta.is_article is True
    assert meta.title == "LD"
    assert meta.published == "2025-08-25T11:30:00+02:00"
    assert meta.author == "A; B"
    assert meta.keywords == ["x", "y"]
    assert meta.section == ["S"]
    assert meta.canonical == "https://a.example/x"
    assert meta.language == "de"


def _og(kind: str) -> str:
    return f'<meta property="og:type" content="{kind}">'


def _ld(*types: str) -> str:
    return "".join(f'<script type="application/ld+json">{{"@type": "{t}"}}</script>' for t in types)


def test_page_type_is_three_valued():
    for says_article in (_og("article"), _og("Article"), _ld("NewsArticle", "WebPage", "ItemList")):
        assert read_metadata(tree(says_article)).is_article is True, says_article
    for says_other in (_ld("CollectionPage"), _ld("WebPage"), _ld("SearchResultsPage")):
        assert read_metadata(tree(says_other)).is_article is False, says_other
    # OpenGraph's default type, and types of what is around a page, say nothing of the page itself
    for says_nothing in ("", _og("website"), _og("video.other"), _ld("Organization", "WebSite", "VideoObject")):
        meta = read_metadata(tree(says_nothing))
        assert meta.is_article is None and meta.declared is bool(says_nothing), says_nothing


def test_broken_jsonld_is_skipped_not_fatal():
    meta = read_metadata(
        tree('<script type="application/ld+json">{broken</script><meta property="og:type" content="article">')
    )
    assert meta.is_article is True


def test_iso_datetime():
    assert iso_datetime("2025-03-14T18:40:00+01:00") == "2025-03-14T18:40:00+01:00"
    assert iso_datetime("2025-03-14T17:40:00Z") == "2025-03-14T17:40:00+00:00"
    assert iso_datetime("2025-03-14") == "2025-03-14"
    assert iso_datetime("14. März 2025") is None
    assert iso_datetime(None) is None


def test_hostile_jsonld_costs_only_itself():
    deep = "[" * 100_000 + "]" * 100_000  # past Python's recursion limit
    authors = "[" * 900 + '{"name": "Tief"}' + "]" * 900  # parses, but nests deeper than recursion would go
    meta = read_metadata(
        tree(
            f'<script type="application/ld+json">{deep}</script>'
            '<script type="application/ld+json">{"@type": 5, "headline": "Falsch"}</script>'
            f'<script type="application/ld+json">{{"@type": ["NewsArticle", 3], "headline": "Gut", "author": {authors}}}</script>'
            '<meta property="og:title" content="OG">'
        )
    )
    assert meta.bad_jsonld == 2  # the deep block and the object with a number for a type
    assert meta.is_article is True and meta.title == "Gut" and meta.author == "Tief"
