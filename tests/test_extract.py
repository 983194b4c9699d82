import gzip
import json

import pytest
import trafilatura
import trafilatura.external

from boltwise.extract import STOP_WORDS, BrokenPage, ExtractOptions, extract_article, justext_stop_words
from boltwise.items import Page
from boltwise.textcodec import decode
from boltwise.urls import site_of

from .conftest import CORPUS, FIXTURES, needs_corpus, seed_lines

SITE = FIXTURES / "site" / "www.it-boltwise.de"
HOME = "https://www.it-boltwise.de/"
SLUG = "nato-generalsekretaer-trifft-trump-gespraeche-ueber-ukraine-krieg"


def page(path, url):
    return Page(source=url, html=path.read_text("utf-8"), url=url, fetched_at="2026-11-21T06:00:00+00:00")


def test_article_fields_from_reconstructed_page():
    url = f"{HOME}{SLUG}.html"
    article = extract_article(page(SITE / f"{SLUG}.html", url), ExtractOptions()).article
    assert article is not None
    assert article.url == url and article.source == url
    assert article.site == "it-boltwise.de"
    assert article.title == "Nato-Generalsekretär trifft Trump: Gespräche über Ukraine-Krieg"
    assert article.published == "2025-10-21T09:12:00+02:00"
    assert article.author == "IT BOLTWISE Redaktion"
    assert article.language == "de"
    assert article.tags == ["NATO", "Ukraine", "USA"]
    assert article.categories == ["KI & Politik"]
    assert article.text.split("\n") == seed_lines("000_8393ffbcd8907b3d.txt")
    assert article.word_count == len(article.text.split())
    assert article.fetched_at == "2026-11-21T06:00:00+00:00"


BARE_PAGE = FIXTURES / "site" / "meldungen.example" / "lokales" / "hafen-erweitert-terminal.html"
HINTS = {"title": "Hafen erweitert", "published": "2025-04-02T08:15:00+02:00", "tags": ["Hafen"], "language": "de"}


def test_listed_metadata_fills_what_the_page_does_not_say():
    url = "https://meldungen.example/lokales/hafen-erweitert-terminal"
    bare = Page(source=url, html=BARE_PAGE.read_text("utf-8"), url=url)
    alone = extract_article(bare, ExtractOptions()).article
    assert (alone.title, alone.published, alone.tags) == ("Seite", None, [])  # its <title>, nothing else
    listed = extract_article(Page(source=url, html=bare.html, url=url, hints=HINTS), ExtractOptions()).article
    assert (listed.title, listed.published, listed.tags, listed.language) == (
        "Hafen erweitert", "2025-04-02T08:15:00+02:00", ["Hafen"], "de",
    )  # fmt: skip


def test_a_pages_own_metadata_comes_before_what_its_listing_says():
    url = f"{HOME}{SLUG}.html"
    listed = page(SITE / f"{SLUG}.html", url)
    listed.hints = {**HINTS, "language": "en"}
    article = extract_article(listed, ExtractOptions()).article
    assert article.title == "Nato-Generalsekretär trifft Trump: Gespräche über Ukraine-Krieg"
    assert (article.published, article.tags, article.language) == (
        "2025-10-21T09:12:00+02:00", ["NATO", "Ukraine", "USA"], "de",
    )  # fmt: skip


def test_fast_extraction_skips_trafilatura_fallbacks(monkeypatch):
    passed = []
    bare_extraction = trafilatura.bare_extraction

    def spy(*args, **kwargs):
        passed.append(kwargs["fast"])
        return bare_extraction(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", spy)
    url = f"{HOME}{SLUG}.html"
    fast = extract_article(page(SITE / f"{SLUG}.html", url), ExtractOptions(fast=True)).article
    extract_article(page(SITE / f"{SLUG}.html", url), ExtractOptions(fast=False))
    assert passed == [True, False]  # fast found the article: no second extraction
    assert fast is not None and fast.text.split("\n") == seed_lines("000_8393ffbcd8907b3d.txt")


def test_amp_variant_takes_the_canonical_url():
    amp = next(SITE.glob(f"{SLUG}__q*.html"))
    article = extract_article(page(amp, f"{HOME}{SLUG}.html?amp=1"), ExtractOptions()).article
    assert article.url == f"{HOME}{SLUG}.html"
    assert article.source.endswith("?amp=1")


def test_saved_file_without_url_uses_absolute_canonical():
    html = (SITE / f"{SLUG}.html").read_text("utf-8")
    article = extract_article(Page(source="saved/x.html", html=html), ExtractOptions()).article
    assert article.url == f"{HOME}{SLUG}.html" and article.source == "saved/x.html"


def test_page_without_text_gives_none():
    html = "<html><head><title>T</title></head><body><script>var x;</script><img src=a.png></body></html>"
    assert extract_article(Page(source="x", html=html, url="https://x.example/"), ExtractOptions()).article is None


def test_unparseable_page_raises():
    with pytest.raises(BrokenPage):
        extract_article(Page(source="x", html="", url="https://x.example/"), ExtractOptions())


def test_options_validate_favor():
    with pytest.raises(ValueError, match="favor"):
        ExtractOptions(favor="fast")


def test_site_of():
    assert site_of("https://WWW.It-Boltwise.de:443/x") == "it-boltwise.de"
    assert site_of(None) is None


@pytest.fixture(scope="module")
def stock_stop_words():
    return set(trafilatura.external.jt_stoplist_init())


def test_cached_stop_words_are_trafilaturas(tmp_path, stock_stop_words):
    built = justext_stop_words(tmp_path / "stop")  # builds and writes the cache
    assert [p.name for p in (tmp_path / "stop").iterdir()] == [STOP_WORDS]
    read = justext_stop_words(tmp_path / "stop")  # reads it back
    assert set(built) == set(read) == stock_stop_words


@pytest.mark.parametrize("damage", ["truncated", "unwritable"])
def test_stop_word_cache_trouble_falls_back_to_building_them(tmp_path, stock_stop_words, caplog, damage):
    directory = tmp_path / "stop"
    if damage == "truncated":
        justext_stop_words(directory)
        cached = directory / STOP_WORDS
        cached.write_bytes(cached.read_bytes()[:1000])
    else:
        (tmp_path / "a-file").write_text("not a directory")
        directory = tmp_path / "a-file" / "stop"
    assert set(justext_stop_words(directory)) == stock_stop_words
    assert f"jusText stop-word cache {directory} unavailable" in caplog.text


CANONICAL_PAGE = (
    '<html lang="de"><head><link rel="canonical" href="{canonical}"></head><body><article>'
    + "<p>Der Rat der Stadt hat am Montag neue Regeln für den Verkehr in der Innenstadt beschlossen.</p>" * 5
    + "</article></body></html>"
)


def extracted(canonical, url, **options):
    page = Page(source=url or "saved.html", html=CANONICAL_PAGE.format(canonical=canonical), url=url)
    return extract_article(page, ExtractOptions(**options))


def test_a_canonical_url_on_another_site_is_not_trusted():
    victim = "https://victim.example/politik/artikel.html"
    result = extracted(victim, "https://evil.example/copy.html")
    assert result.article.url == "https://evil.example/copy.html" and result.article.site == "evil.example"
    assert result.article.declared_canonical == victim and result.notes == ("canonical_refused",)


@pytest.mark.parametrize(
    ("canonical", "fetched"),
    [
        ("https://www.spiegel.de/a.html", "https://amp.spiegel.de/a.html"),  # same registered domain
        ("https://www.bbc.co.uk/news/a", "https://m.bbc.co.uk/news/a"),  # a two-label public suffix
        ("/a.html?amp=0", "https://www.spiegel.de/a.html?amp=1"),  # relative: the fetched site
    ],
)
def test_a_canonical_url_on_the_same_site_is_the_key(canonical, fetched):
    result = extracted(canonical, fetched)
    assert result.article.declared_canonical is None and result.notes == ()
    assert result.article.url.split("?")[0] == (
        canonical if canonical.startswith("http") else "https://www.spiegel.de/a.html"
    )


def test_an_international_domain_is_one_site_in_either_spelling():
    # Scrapy requests the ASCII (IDNA) form; pages tend to declare the Unicode one
    result = extracted("https://www.münchen.de/a.html", "https://www.xn--mnchen-3ya.de/x.html")
    assert result.article.declared_canonical is None and result.notes == ()


@pytest.mark.parametrize("trick", ["https://victim.example\\@evil.example/a", "https://user@evil.example/a"])
def test_a_canonical_url_with_user_info_or_a_backslash_is_not_trusted(trick):
    # browsers and Python's URL parser disagree on whose host such a URL names
    result = extracted(trick, "https://evil.example/copy.html")
    assert result.article.url == "https://evil.example/copy.html" and result.article.declared_canonical


def test_blogs_on_one_hosting_domain_are_different_sites():
    result = extracted("https://victim.blogspot.com/a.html", "https://evil.blogspot.com/a.html")
    assert result.article.url == "https://evil.blogspot.com/a.html"


def test_syndication_partners_may_name_each_others_articles():
    original = "https://nachrichten.example/a.html"
    partners = (("presseticker.example", "nachrichten.example"),)
    assert (
        extracted(original, "https://presseticker.example/b.html", canonical_partners=partners).article.url
        == original
    )
    anyone = (("*", "nachrichten.example"),)
    assert (
        extracted(original, "https://elsewhere.example/c.html", canonical_partners=anyone).article.url == original
    )
    # the pair has a direction
    back = extracted(
        "https://presseticker.example/b.html", "https://nachrichten.example/a.html", canonical_partners=partners
    )
    assert back.article.url == "https://nachrichten.example/a.html"


def test_a_broken_canonical_url_costs_only_itself():
    result = extracted("http://[oops", "https://x.example/a.html")
    assert result.article.url == "https://x.example/a.html" and result.notes == ("bad_canonical",)


def test_a_saved_file_without_url_keeps_trusting_its_canonical():
    assert extracted("https://victim.example/a.html", None).article.url == "https://victim.example/a.html"


@needs_corpus
def test_fast_extraction_falls_back_where_it_found_next_to_nothing():
    """Fast mode finds 279 characters of a 22,000-character page (a real one); trafilatura's
    fallback extractors, run on that page alone, find the article."""
    gold = next(
        json.loads(line)
        for line in (CORPUS / "gold.jsonl").read_text("utf-8").splitlines()
        if "badische-zeitung.de-Wohnungssuche" in line
    )
    saved = Page(source="p", html=decode(gzip.decompress((CORPUS / gold["file"]).read_bytes())))
    fast_only = extract_article(saved, ExtractOptions(fast=True, fallback_share=0))
    found = extract_article(saved, ExtractOptions(fast=True))
    assert "fallback" in found.notes and "fallback" not in fast_only.notes
    assert not any(s in fast_only.article.text for s in gold["with"])
    assert all(s in found.article.text for s in gold["with"])
    # a page where fast mode found the article is not extracted twice
    found = extract_article(page(SITE / f"{SLUG}.html", f"{HOME}{SLUG}.html"), ExtractOptions())
    assert "fallback" not in found.notes


def test_scripts_do_not_count_as_page_text_for_the_fallback():
    """A modern page's framework state (here 200 kB of script) next to a short article: fast
    mode found the article, no second extraction."""
    paragraph = (
        "<p>" + " ".join(["Der Stadtrat hat am Dienstag die Sanierung des Hallenbads beschlossen."] * 6) + "</p>"
    )
    html = f"<html><body><article><h1>T</h1>{paragraph * 2}</article><script>var s = '{'x' * 200_000}';</script>"
    assert (
        "fallback" not in extract_article(Page(source="s", html=html + "</body></html>"), ExtractOptions()).notes
    )


def visible_text_nodes(element) -> int:
    """The plain definition: every text node outside scripts, styles, noscripts and templates."""
    hidden = "ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"
    return sum(map(len, element.xpath(f".//text()[not({hidden})]")))


def test_visible_length_counts_what_the_plain_definition_counts():
    from lxml.html import document_fromstring

    from boltwise.extract import _visible_length

    nested = document_fromstring(
        "<html><body><p>Sichtbar <!--c--><b>fett</b> und Schluss.<?pi x?></p><noscript><p>Bitte JS <script>x=1</script>"
        "</p></noscript> Nachsatz<style>p{}</style><template><p>Vorlage</p></template>"
        "<div>Ende<script>var y = 2;</script> ganz</div></body></html>"
    )
    body = nested.find("body")
    assert _visible_length(body) == visible_text_nodes(body) == len("Sichtbar fett und Schluss. NachsatzEnde ganz")
    pages = [SITE / f"{SLUG}.html", *sorted((CORPUS / "html").glob("*.gz"))[:60]]
    for path in pages:
        data = path.read_bytes()
        html = decode(gzip.decompress(data)) if path.suffix == ".gz" else data.decode("utf-8")
        tree = document_fromstring(html)
        assert _visible_length(tree) == visible_text_nodes(tree), path
