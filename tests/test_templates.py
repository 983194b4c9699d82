"""Page layout and learned site templates: extraction to cleaning, without a crawler."""

import asyncio

from trafilatura.utils import load_html

from boltwise.clean.cleaner import Cleaner
from boltwise.clean.learned import BoilerplateModel
from boltwise.extract import ExtractOptions, extract_article
from boltwise.items import Article, Extracted, Page
from boltwise.layout import Layout, page_layout
from boltwise.store import open_store
from boltwise.store.boilerplate import TEMPLATES

TOWNS = ["Kiel", "Lübeck", "Husum", "Flensburg", "Schleswig", "Heide", "Itzehoe", "Eutin", "Plön", "Ratzeburg"]
THINGS = ["Hallenbad", "Rathaus", "Bahnhof", "Stadtpark", "Museum", "Hafen", "Marktplatz", "Theater"]


def story(n: int) -> tuple[str, list[str]]:
    town, thing = TOWNS[n % len(TOWNS)], THINGS[n % len(THINGS)]
    title = f"{thing} in {town} wird für {n + 2} Millionen Euro saniert"
    body = [
        f"Der Rat der Stadt {town} hat beschlossen, das {thing} ab dem Frühjahr für {n + 2} Millionen Euro zu "
        "sanieren, nachdem ein Gutachten erhebliche Schäden an Dach und Leitungen festgestellt hatte.",
        f"Während der Bauzeit von voraussichtlich {n % 3 + 1} Jahren bleibt das {thing} geschlossen; die Stadt "
        "sucht nach Ausweichquartieren für Vereine und Veranstaltungen.",
        f"Kritik kam von der Opposition, die in {town} eine Bürgerbeteiligung gefordert hatte, bevor über die "
        "Kosten entschieden wird, und nun einen eigenen Antrag ankündigt.",
    ]
    return title, body


def page(n: int, site: str = "nord.example") -> Page:
    title, body = story(n)
    teasers = [story(n + k)[0] for k in (11, 12, 13)]
    body_html = [f"<p>{p}</p>" for p in body]
    html = f"""<html lang="de"><head><title>{title} | Nordblatt</title>
<link rel="canonical" href="https://{site}/artikel/{n}.html">
<meta name="description" content="{body[0]}"></head><body>
<nav class="menu"><a href="/">Start</a> <a href="/lokales/">Lokales</a></nav>
<main><article class="post post-{n}"><h1>{title}</h1>
<div class="entry-content">{body_html[0]}
<p class="more-box">Dazu: <a href="/artikel/{n + 20}.html">{teasers[0]}</a></p>{"".join(body_html[1:])}
<h3>Auch lesenswert</h3><ul class="related">
{"".join(f'<li><a href="/artikel/{n + k}.html">{t}</a></li>' for k, t in enumerate(teasers[1:], 30))}
</ul></div></article></main><footer><p>Nordblatt – Zeitung für den Norden</p></footer></body></html>"""
    return Page(source=f"https://{site}/artikel/{n}.html", html=html, url=f"https://{site}/artikel/{n}.html")


def cleaned(cleaner: Cleaner, page: Page):
    article = extract_article(page, ExtractOptions(layout=True)).article
    assert isinstance(article, Extracted)
    return cleaner.clean(
        article.text,
        site=article.site,
        title=article.title,
        description=article.description,
        layout=Layout.from_dict(article.layout),
    )


def test_layout_gives_linked_lines_their_slots():
    html = """<html><body><div class="c post-1"><p>Ein ganz normaler Satz mit Text.</p>
    <p>Text mit <a href="/x">einem Link darin</a> und mehr.</p></div>
    <div class="c post-2"><p>Noch ein <a href="/y">Link in einem</a> Satz.</p></div>
    <ul class="teaser"><li><a href="/a">Erste Schlagzeile hier</a></li><li><a href="/b">Zweite Schlagzeile</a></li></ul>
    <script>var s = "Die Beschreibung steht im Skript, nicht im Text der Seite.";</script></body></html>"""
    lines = [
        "Ein ganz normaler Satz mit Text.",
        "Text mit einem Link darin und mehr.",
        "Noch ein Link in einem Satz.",
        "- Erste Schlagzeile hier",
        "- Zweite Schlagzeile",
        "Von trafilatura zusammengesetzt: Erste Schlagzeile hier",
    ]
    description = "Die Beschreibung steht im Skript, nicht im Text der Seite."
    layout = page_layout(load_html(html), "\n".join(lines), description)
    assert layout.links == [0.0, 0.48, 0.48, 1.0, 1.0, 0.0]
    unlinked, linked, other_post, first, second, assembled = layout.slots
    assert unlinked == assembled == 0  # no link in it: no slot, never furniture
    assert linked == other_post != 0  # the same path; "post-1" names one post, not the slot
    assert first == second not in (0, linked)
    assert not layout.description_visible  # script text is not the page's text
    shown = html.replace("</body>", f"<p>{description}</p></body>")
    assert page_layout(load_html(shown), "\n".join(lines), description).description_visible


def test_learned_template_removes_linked_slots_after_min_pages_only():
    model = BoilerplateModel(min_articles=5, min_support=1, min_share=0.5)
    cleaner = Cleaner(templates=model)
    results = [cleaned(cleaner, page(n)) for n in range(12)]
    for n, result in enumerate(results):
        title, body = story(n)
        lines = result.text.split("\n")
        assert all(p in lines for p in body), n  # the article's paragraphs, always
        assert title not in lines
        teaser = story(n + 11)[0]
        template = [line for rule, line in result.removed if rule == "template"]
        if n < 5:
            assert template == []  # not enough pages of the site yet
        else:
            assert template == [f"Dazu: {teaser}"], (n, result.removed)
            assert not any(teaser in line for line in lines)


def test_no_template_is_learned_where_every_page_is_another_site():
    model = BoilerplateModel(min_articles=5, min_support=1, min_share=0.5)
    cleaner = Cleaner(templates=model)
    for n in range(12):
        result = cleaned(cleaner, page(n, site=f"site{n}.example"))
        assert not [line for rule, line in result.removed if rule == "template"]


def test_learned_templates_survive_in_the_store(store_uri):
    model = BoilerplateModel(min_articles=5, min_support=1, min_share=0.5)
    for n in range(6):
        cleaned(Cleaner(templates=model), page(n))
    reloaded = BoilerplateModel(min_articles=5, min_support=1, min_share=0.5)

    async def save_and_reload():
        store = await open_store(store_uri)
        await store.save_boilerplate(model, TEMPLATES)
        await store.close()
        store = await open_store(store_uri)
        await store.load_boilerplate(reloaded, TEMPLATES)
        lines = BoilerplateModel()
        await store.load_boilerplate(lines)  # the learned lines' tables are others
        await store.close()
        return lines

    assert asyncio.run(save_and_reload()).sites == {}
    assert reloaded.sites["nord.example"].counts == model.sites["nord.example"].counts
    result = cleaned(Cleaner(templates=reloaded), page(40))
    assert [rule for rule, _ in result.removed].count("template") >= 1


def table_page(n: int) -> Page:
    """An old-style site laid out in a table: trafilatura writes the row, teasers and article, as one line."""
    title, body = story(n)
    html = f"""<html lang="de"><head><title>{title}</title>
<link rel="canonical" href="https://alt.example/artikel/{n}.html"></head><body><table><tr>
<td class="nav">Suche</td><td class="main"><p class="top"><a href="/a/{n}">{story(n + 11)[0]}</a></p>
<h1>{title}</h1>{"".join(f"<p>{p} Mehr dazu im <a href='/x'>Archiv</a>.</p>" for p in body)}</td>
</tr></table></body></html>"""
    return Page(
        source=f"https://alt.example/artikel/{n}.html", html=html, url=f"https://alt.example/artikel/{n}.html"
    )


def test_learned_template_cuts_teasers_out_of_a_table_row():
    cleaner = Cleaner(templates=BoilerplateModel(min_articles=5, min_support=1, min_share=0.5))
    for n in range(8):
        result = cleaned(cleaner, table_page(n))
        teasers = [story(n + 11)[0]]
        assert all(p in result.text for p in story(n)[1])  # the article, inline links and all
        if n >= 5:
            assert sorted(line for rule, line in result.removed if rule == "template") == sorted(teasers)
            assert not any(teaser in result.text for teaser in teasers)


def test_jump_links_do_not_make_subheadings_links():
    html = """<html><body><article><h1>Titel</h1><ul class="toc"><li><a href="#a">Was die Studie zeigt</a></li>
    <li><a href="#b">Was Experten fordern</a></li></ul><p>Ein erster Absatz mit genug Worten für den Text.</p>
    <h2 id="a">Was die Studie zeigt</h2><p>Noch ein Absatz.</p><h2 id="b">Was Experten fordern</h2></article></body></html>"""
    text = "Ein erster Absatz mit genug Worten für den Text.\nWas die Studie zeigt\nNoch ein Absatz.\nWas Experten fordern"
    layout = page_layout(load_html(html), text, None)
    assert layout.links == [0.0] * 4 and layout.slots == [0] * 4


def test_a_headline_quoted_in_a_table_row_is_not_cut():
    """The sidebar's teaser is not in the text, but the article quotes its headline mid-sentence."""
    teaser = "Hallenbad in Kiel wird saniert"
    html = f"""<html><body><table><tr><td class="side"><ul><li><a href="/t">{teaser}</a></li></ul></td>
    <td>Suche <a href="/s">Archiv</a></td><td class="main">Der Satz: {teaser} wurde gestern gelesen.</td></tr></table></body></html>"""
    text = f"| Suche Archiv | Der Satz: {teaser} wurde gestern gelesen. |"
    assert page_layout(load_html(html), text, None).parts == []


def test_the_layout_stays_out_of_what_is_output():
    extracted = extract_article(page(1), ExtractOptions(layout=True)).article
    plain = extracted.article()
    assert type(plain) is Article and not hasattr(plain, "layout")
    assert {**vars(extracted), "layout": None} == {**vars(plain), "layout": None}
