"""Multi-page sites built from real page templates, with golds from what was put in.

A site's template furniture (navigation, teaser boxes, footers) recurs on every page while the
article changes; a single saved page per site, as in de-news, cannot show that. This generator
takes a real de-news page as a template *donor*, keeps its whole DOM (head, scripts, classes, ids,
navigation, sidebars, footer) and makes ``pages`` pages of one site from it, each holding another
de-news article's body and, in the donor's teaser slots, other articles' headlines.

How the parts of a donor are found (the same rules read every de-news page):

- **paragraphs**: ``<p>`` elements of at least 8 words whose text is not mostly one link and that
  are no image caption (a caption or credit class, or inside ``<figure>``: de-news counts captions
  as boilerplate).
- **content area**: of the elements that are parents of such paragraphs, the one whose text holds
  the most of the page's gold ``with`` strings (then: the most paragraphs). The donor's article
  text is the area's text blocks (``p``, ``h2``-``h6``, lists, tables, quotes, ``pre``) from its
  first paragraph to its last, and the loose text between them; its other children (figures, ads,
  embeds, scripts, boxes) and what comes before and after (kicker, byline, share buttons) stay.
- **headline**: an ``h1`` or ``h2`` whose text is (nearly) the page's ``og:title`` or JSON-LD
  ``headline`` (``<title>`` without them) or its main part: the last one before the article's
  first paragraph, else the first after it (a blog's name in an ``h1`` atop the page is not it).
- **teaser slots**: links outside the content area's text blocks and the headline whose anchor
  text is headline-like (4-30 words, mostly letters) and whose target is another page on the
  donor's own site that is not a listing (category, tag, author, search, feed, pagination). Links
  inside ``<nav>`` and menu/navigation containers are left alone: their entries name sections.
  Related boxes inside the content area (a ``Lesen Sie auch`` line between paragraphs) count too.

A page is a **donor** when the content area holds all its gold ``with`` strings in at least
3 paragraphs that make up most of the area's text, a headline is found, and at least one
container outside the content area groups 3 or more slot links (a related/"more articles" box);
pages with more than 60 slot targets are not used, so that each generated page can show distinct
headlines. ``generate`` shuffles the donors by ``seed`` and takes one per site (web.archive.org
copies count as the archived site).

A donor is **leaky** when its teaser slots reach bare trafilatura's text: of the distinct texts of
its slot links (the anchors a generated page replaces), at least ``LEAKY_SLOTS`` (1) occur in
``trafilatura.extract(html, include_comments=False)`` of the original donor page (whitespace
normalised), not counting a text that is also in the donor's article paragraphs or headline (there
it is article text: a PDF link's label quoted in a paragraph, a related teaser repeating a
sentence). ``generate(leaky=True)``, the default, takes leaky donors only; ``leaky=False`` any
donor. The set exists to measure a learner of template furniture, and furniture that trafilatura
drops anyway measures nothing: over all donors, bare trafilatura keeps about 1 % of the slot
headlines. Of the 71 donors in de-news 7 are leaky (only 1 with 2 or more leaking slot texts,
hence a threshold of 1); their leaking slots are links inside the article body (a related list
after it, a "Lesen Sie auch" line or a linked teaser between paragraphs, a donation appeal) and
keep leaking on the generated pages, where they hold other articles' headlines. The donor
conditions above are not relaxed for them: 7 are enough for the default 6 templates, and
``generate`` fails when fewer leaky donors than ``templates`` remain.

Each generated page ``<template>/<n>.html`` (n = 1..pages) is the donor with:

- the donor's article text replaced by another article's paragraphs, each written into a copy
  of a donor paragraph's tag and attributes at the donor paragraphs' places (more paragraphs
  than the donor had follow its last one); the area's other children stay where they were;
- the headline, ``<title>``, ``og:title``/``twitter:title`` and JSON-LD ``headline`` replaced by
  that article's title (the donor's title inside ``<title>`` only, so a site-name suffix stays);
- every slot's link given another de-news article's headline (its main text node; other
  headline-like text inside the same link is blanked, short labels such as "Weiterlesen" or a
  kicker stay) and an ``href`` on the generated site; links that shared a target share the new
  one. Headlines are drawn afresh for each page; a headline of a page of the same template links
  to that page;
- the description elements, ``<meta name="description">``, ``og:description`` and
  ``twitter:description`` (``name`` or ``property``) and the ``description`` of the JSON-LD
  objects that describe the page (an object with a ``headline``, or of a ``...Article``,
  ``...Posting`` or ``...Page`` type; an author's or the site's description stays), set to the
  inserted article's own description, the ``<meta name="description">`` (else ``og:description``)
  of its de-news page, whitespace normalised; when that page has none, they are removed. A real
  page carries its own article's description, often its lede, not another article's. None is
  added where the donor has none;
- ``<link rel="canonical">`` (inserted when missing), ``og:url`` and JSON-LD URLs naming the
  donor's URL set to ``https://<template>.example/artikel/<n>.html``, and the charset declared as
  UTF-8 (the file is written in UTF-8).

Article bodies are the paragraphs (as above) of the content areas of de-news pages whose content
area holds at least one of their gold ``with`` strings and 3 paragraphs; each body is used once
in the whole output (a crawl over all templates must not see copies), never the donors' own.

Golds, one line per page in ``out/gold.jsonl`` (de-news's format, ``file`` relative to ``out``,
``donor``: the de-news file whose DOM the page has, and ``article``: the de-news file whose body,
title and description the page holds):
``with`` is an 8-word snippet (a whole paragraph when it has at most 10 words) of up to 10 of
the inserted paragraphs, spread over the body — what a good extraction must contain; ``without``
is every headline put into that page's slots — boilerplate of that page. No gold comes from the
donor. A snippet that occurs anywhere else on the page is not used, nor a headline that occurs in
the donor page, in the inserted body or in the page's own title, so that finding a ``with`` string
means the body was kept and finding a ``without`` string means a slot was.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml.etree import _Comment, _Element, _ProcessingInstruction

from boltwise.textcodec import decode

MIN_PARAGRAPH_WORDS = 8
_CAPTION_CLASSES = ("caption", "imagedescription", "bildunterschrift", "credit")
MIN_PARAGRAPHS = 3
MIN_SLOT_GROUP = 3
MAX_SLOT_TARGETS = 60
MAX_SNIPPETS = 10
SNIPPET_WORDS = 8
HEADLINE_WORDS = (4, 30)
LEAKY_SLOTS = 1

# the text blocks of an article body, as direct children of its content area
_FLOW_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote", "pre", "table"})
_NO_TEXT = frozenset({"script", "style", "noscript", "template"})
# listing pages, not articles: what a menu or a tag cloud links to
_LISTING_PATH = re.compile(
    r"/(category|categories|kategorie|rubrik|ressort|thema|themen|tag|tags|schlagwort|author|autor|"
    r"search|suche|feed|page|seite|archiv|archive)(/|$)|[?&](cat|tag|s|page|paged|author|share|replytocom)=",
    re.IGNORECASE,
)
_MENU_CLASS = re.compile(r"(^|[\s_-])(nav|navi|navigation|navbar|menu|menue|menü|breadcrumbs?)($|[\s_-])", re.I)
_TITLE_METAS = " | ".join(
    f"//meta[@{a}='{n}']" for a in ("property", "name") for n in ("og:title", "twitter:title")
)
_DESCRIPTIONS = frozenset({"description", "og:description", "twitter:description"})
# JSON-LD types of what a page is about (its article, the page): their description is the page's
_PAGE_TYPES = re.compile(r"(Article|Posting|Page)$")
_WAYBACK = re.compile(r"^https?://web\.archive\.org/web/[^/]+/(.*)$")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—·»:-]{1,2}\s+")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", _INVISIBLE.sub("", text)).strip()


def _words(text: str) -> int:
    """Words with a letter: "3D-Druck" is one, "–" and "2019" none, nor is a URL more than one."""
    return sum(any(c.isalpha() for c in token) for token in text.split())


def _text(el: _Element) -> str:
    """An element's visible text, normalised (no script or style content)."""
    return normalise(" ".join(_itertext(el)))


def _itertext(el: _Element) -> Iterator[str]:
    if isinstance(el.tag, str) and el.tag not in _NO_TEXT and el.text:
        yield el.text
    for child in el:
        if isinstance(child.tag, str):
            yield from _itertext(child)
        if child.tail:
            yield child.tail


def _original(url: str) -> str:
    """The URL a web.archive.org copy is of, or the URL itself."""
    match = _WAYBACK.match(url)
    return match.group(1) if match else url


def _host(url: str) -> str:
    host = (urlsplit(_original(url)).hostname or "").lower()
    return host.removeprefix("www.")


def _parse(html: str) -> _Element:
    # lxml refuses str input that carries an XML encoding declaration (XHTML pages)
    return lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", html))


def _link_share(p: _Element, text: str) -> float:
    return sum(len(_text(a)) for a in p.iter("a")) / max(len(text), 1)


@dataclass
class Layout:
    """Where a page's parts are (see the module docstring): elements of one parsed tree."""

    area: _Element
    paragraphs: list[_Element]  # the area's article paragraphs, direct children of the area
    golds_in_area: int
    headline: _Element | None
    title: str | None  # the page's own headline text


def _is_caption(p: _Element) -> bool:
    """An image caption or credit written as a paragraph: not article text (de-news's golds
    count captions as boilerplate), so never a body paragraph."""
    classes = (p.get("class") or "").lower()
    return any(word in classes for word in _CAPTION_CLASSES) or any(
        ancestor.tag in ("figure", "figcaption") for ancestor in p.iterancestors()
    )


def _layout(doc: _Element, withs: list[str]) -> Layout | None:
    parents: dict[_Element, list[_Element]] = {}
    for p in doc.iter("p"):
        text = _text(p)
        if _words(text) >= MIN_PARAGRAPH_WORDS and _link_share(p, text) < 0.5 and not _is_caption(p):
            parents.setdefault(p.getparent(), []).append(p)
    best: tuple[tuple[int, int], _Element] | None = None
    for parent, paragraphs in parents.items():
        area_text = _text(parent)
        key = (sum(normalise(s) in area_text for s in withs), len(paragraphs))
        if best is None or key > best[0]:
            best = (key, parent)
    if best is None:
        return None
    (golds, _), area = best
    headline, title = _headline(doc, parents[area][0])
    return Layout(area, parents[area], golds, headline, title)


def _declared_titles(doc: _Element) -> list[str]:
    """The titles a page declares: ``og:title`` and JSON-LD ``headline``, else ``<title>``.

    ``<title>`` only when the others are missing: it mostly carries the site's name as well.
    """
    titles = [normalise(t) for t in doc.xpath("//meta[@property='og:title' or @name='og:title']/@content")]
    for data in _jsonld(doc):
        for obj in _objects(data):
            if isinstance(obj.get("headline"), str):
                titles.append(normalise(obj["headline"]))
    titles = [t for t in titles if t]
    return titles or [t for t in (normalise(el.text_content()) for el in doc.iter("title")) if t]


def _names_title(text: str, titles: list[str]) -> bool:
    """Whether a heading's text is one of the declared titles (or their main part, "Title | Site").

    Near matches count ("&" for "und" in one of them); a short heading inside a long title
    (a site's name, a section's) does not.
    """
    text = text.casefold()
    for title in titles:
        title = title.casefold()
        parts = [*_TITLE_SEPARATORS.split(title), title]
        if len(text) < 0.5 * max(len(part) for part in parts[:-1]):
            continue
        if text in title or any(_similar(text, part) for part in parts):
            return True
    return False


def _similar(a: str, b: str) -> bool:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    # the quick upper bounds first: most headings are nowhere near a title
    return matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8


def _headline(doc: _Element, first: _Element) -> tuple[_Element | None, str | None]:
    """The page's headline element and its title (from the headline or the declared titles).

    The headline is an ``h1`` or ``h2`` that names a declared title: the last such before the
    article's ``first`` paragraph, else the first after it. A blog's name is often an ``h1`` too,
    and part of its ``<title>`` ("Post | Blog"), but it heads the page, not the post.
    """
    declared = _declared_titles(doc)
    before = after = None
    reached = False
    for el in doc.iter():
        reached = reached or el is first
        if el.tag in ("h1", "h2") and (text := _text(el)) and _names_title(text, declared):
            if not reached:
                before = (el, text)
            elif after is None:
                after = (el, text)
    found = before or after
    if found is not None:
        return found
    if not declared:
        return None, None
    # no headline element: the longest part of the first declared title ("Title | Site")
    return None, max(_TITLE_SEPARATORS.split(declared[0]), key=len)


def _jsonld(doc: _Element) -> Iterator[object]:
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            yield json.loads(script.text or "")
        except ValueError:
            continue


def _objects(data: object) -> Iterator[dict]:
    """Every JSON object in a JSON-LD document, depth first."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _objects(value)
    elif isinstance(data, list):
        for value in data:
            yield from _objects(value)


def _article_span(layout: Layout) -> list[_Element]:
    """The area's children from the donor's first paragraph to its last: the donor's article.

    What comes before (a kicker, a dateline, the headline) or after (share buttons, a "Tweet"
    line, the comments' heading) is kept as the template's: one page cannot tell it from the
    article's own, and where it is the donor's it only recurs on every page, as furniture does.
    """
    children = list(layout.area)
    first, last = children.index(layout.paragraphs[0]), children.index(layout.paragraphs[-1])
    return children[first : last + 1]


def _removable(layout: Layout, slots: set[_Element]) -> list[_Element]:
    """The donor's article text: the text blocks of its article span that hold no slot."""
    return [
        child
        for child in _article_span(layout)
        if child.tag in _FLOW_TAGS
        and _text(child)
        and not any(a in slots for a in child.iter("a"))
        and layout.headline not in child.iter()
    ]


def _in_menu(a: _Element) -> bool:
    for el in a.iterancestors():
        if (
            el.tag == "nav"
            or el.get("role") == "navigation"
            or _MENU_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}")
        ):
            return True
    return False


def _slots(doc: _Element, layout: Layout, url: str) -> list[_Element]:
    """The teaser links of a page, in document order (see the module docstring)."""
    site, own = _host(url), _original(url).split("#")[0]
    inside = {el for p in layout.paragraphs for el in p.iter()}
    if layout.headline is not None:
        inside.update(layout.headline.iter())
    slots = []
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if a in inside or not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        text = _text(a)
        letters = sum(c.isalpha() for c in text)
        if not HEADLINE_WORDS[0] <= _words(text) <= HEADLINE_WORDS[1] or letters < 0.6 * len(text):
            continue
        try:
            target = _original(urljoin(url, href))
        except ValueError:
            continue
        parts = urlsplit(target)
        if (
            _host(target) != site
            or parts.path in ("", "/")
            or target.split("#")[0] == own
            or _LISTING_PATH.search(f"{parts.path}?{parts.query}")
            or _in_menu(a)
        ):
            continue
        slots.append(a)
    return slots


def _has_slot_group(slots: list[_Element], area: _Element) -> bool:
    """Whether some container outside the content area groups MIN_SLOT_GROUP slot links."""
    counts: Counter[_Element] = Counter()
    for a in slots:
        for el in a.iterancestors():
            if area in el.iter():  # reached the area or an ancestor of it: not a teaser box
                break
            counts[el] += 1
    return any(n >= MIN_SLOT_GROUP for n in counts.values())


def _href(a: _Element) -> str:
    return (a.get("href") or "").strip().split("#")[0]


@dataclass(frozen=True)
class Article:
    """A de-news page as material: its title and its body's paragraphs."""

    file: str
    title: str
    paragraphs: tuple[str, ...]
    description: str | None  # its page's <meta name="description">, else og:description


@dataclass(frozen=True)
class Donor:
    file: str
    url: str
    html: str
    site: str
    withs: tuple[str, ...]


def _read(corpus: Path) -> tuple[list[Article], list[Donor], list[str]]:
    """The corpus's articles (pages with a usable body), donors, and headlines (its titles of
    4-30 words, for the slots)."""
    articles, donors, headlines = [], [], []
    for line in (corpus / "gold.jsonl").read_text("utf-8").splitlines():
        page = json.loads(line)
        html = decode(gzip.decompress((corpus / page["file"]).read_bytes()))
        doc = _parse(html)
        layout = _layout(doc, page["with"])
        if layout is None or not layout.title:
            continue
        title = layout.title
        if HEADLINE_WORDS[0] <= _words(title) <= HEADLINE_WORDS[1] and title not in headlines:
            headlines.append(title)
        # a paragraph with a string the corpus marks as boilerplate is no article text
        boilerplate = [normalise(s) for s in page["without"]]
        paragraphs = tuple(t for t in map(_text, layout.paragraphs) if not any(b in t for b in boilerplate))
        if layout.golds_in_area and len(paragraphs) >= MIN_PARAGRAPHS:
            articles.append(Article(page["file"], title, paragraphs, _description(doc)))
        if _is_donor(doc, layout, page):
            donors.append(Donor(page["file"], page["url"], html, _host(page["url"]), tuple(page["with"])))
    return articles, donors, headlines


def _description(doc: _Element) -> str | None:
    """A page's own description: its ``<meta name="description">``, else its ``og:description``."""
    for name in ("description", "og:description"):
        for meta in doc.iter("meta"):
            if _meta_name(meta) == name and (content := normalise(meta.get("content") or "")):
                return content
    return None


def _meta_name(meta: _Element) -> str:
    return (meta.get("name") or meta.get("property") or "").strip().lower()


def _leaked_slots(donor: Donor) -> list[str]:
    """The distinct slot texts of a donor that bare trafilatura keeps in its text of the donor page
    itself, but for those that are the donor's article text too (see the module docstring)."""
    doc = _parse(donor.html)
    layout = _layout(doc, list(donor.withs))
    assert layout is not None  # a donor has one
    slots = _slots(doc, layout, donor.url)
    own = " ".join(_text(el) for el in [*layout.paragraphs, layout.headline] if el is not None)
    text = normalise(trafilatura.extract(donor.html, include_comments=False) or "")
    return [t for t in dict.fromkeys(map(_text, slots)) if t and t in text and t not in own]


def is_leaky(donor: Donor) -> bool:
    return len(_leaked_slots(donor)) >= LEAKY_SLOTS


def _is_donor(doc: _Element, layout: Layout, page: dict) -> bool:
    if layout.headline is None or layout.golds_in_area < len(page["with"]):
        return False
    if len(layout.paragraphs) < MIN_PARAGRAPHS:
        return False
    body = sum(len(_text(p)) for p in layout.paragraphs)
    if body < 0.5 * len(_text(layout.area)):  # the area is a wrapper of much else: not clear
        return False
    slots = _slots(doc, layout, page["url"])
    targets = {_href(a) for a in slots}
    return len(targets) <= MAX_SLOT_TARGETS and _has_slot_group(slots, layout.area)


def _template_name(site: str, taken: list[str]) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", site.lower()).strip("-") or "site"
    while name in taken:
        name += "-x"
    return name


def generate(
    corpus: Path, out: Path, templates: int = 6, pages: int = 25, seed: int = 0, leaky: bool = True
) -> list[str]:
    """Write ``templates`` generated sites of ``pages`` pages each and ``out/gold.jsonl``; return
    the template names (also the sites' folder names and host names ``<name>.example``).

    With ``leaky`` only leaky donors are used (see the module docstring), else any donor; the
    donors are shuffled alike either way, so ``leaky=False`` takes the same ones as before."""
    rng = random.Random(seed)
    articles, donors, headlines = _read(corpus)
    rng.shuffle(donors)
    chosen: list[Donor] = []
    for donor in donors:
        if len(chosen) == templates:
            break
        if donor.site not in {d.site for d in chosen} and (not leaky or is_leaky(donor)):
            chosen.append(donor)
    if len(chosen) < templates:
        kind = "leaky donors" if leaky else "donors"
        raise ValueError(f"{corpus} has {kind} for {len(chosen)} templates, not {templates}")
    bodies = [a for a in articles if a.file not in {d.file for d in chosen}]
    if len(bodies) < templates * pages:
        raise ValueError(f"{corpus} has {len(bodies)} article bodies, not {templates * pages}")
    rng.shuffle(bodies)
    out.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    gold = []
    for t, donor in enumerate(chosen):
        name = _template_name(donor.site, names)
        names.append(name)
        (out / name).mkdir(exist_ok=True)
        site = Site(name, donor, bodies[t * pages : (t + 1) * pages], headlines)
        for n in range(1, pages + 1):
            html, withs, withouts = site.page(n, random.Random(rng.random()))
            (out / name / f"{n}.html").write_bytes(html)
            gold.append(
                {
                    "file": f"{name}/{n}.html",
                    "url": site.url(n),
                    "with": withs,
                    "without": withouts,
                    "donor": donor.file,
                    "article": site.articles[n - 1].file,
                }
            )
    (out / "gold.jsonl").write_text(
        "".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold), encoding="utf-8"
    )
    return names


class Site:
    """One template's generated site: the donor, the articles of its pages, the headline pool."""

    def __init__(self, name: str, donor: Donor, articles: list[Article], headlines: list[str]) -> None:
        self.name, self.donor, self.articles = name, donor, articles
        donor_text = _text(_parse(donor.html)).casefold()
        # a headline the donor shows anyway would be on the page outside any slot
        self.headlines = [h for h in headlines if h.casefold() not in donor_text]
        self.own = {a.title: n for n, a in enumerate(articles, 1)}
        # a headline of no page of this site links to a page the site would have beyond them
        self.beyond = {h: 1000 + i for i, h in enumerate(headlines)}

    def url(self, n: int) -> str:
        return f"https://{self.name}.example/artikel/{n}.html"

    def page(self, n: int, rng: random.Random) -> tuple[bytes, list[str], list[str]]:
        """Page ``n``'s HTML and its golds (``with``, ``without``)."""
        article = self.articles[n - 1]
        doc = _parse(self.donor.html)
        layout = _layout(doc, list(self.donor.withs))
        assert layout is not None and layout.headline is not None  # a donor has both
        slots = _slots(doc, layout, self.donor.url)
        removable = _removable(layout, set(slots))
        self._body(layout, removable, article)
        body_text = " ".join(article.paragraphs).casefold()
        title = article.title.casefold()
        pool = [
            h
            for h in self.headlines
            if h.casefold() not in body_text and h.casefold() not in title and title not in h.casefold()
        ]
        targets = list(dict.fromkeys(_href(a) for a in slots))
        if len(pool) < len(targets):
            raise ValueError(f"{len(pool)} headlines for the {len(targets)} slot targets of {self.donor.file}")
        shown = dict(zip(targets, rng.sample(pool, len(targets)), strict=True))
        for a in slots:
            self._teaser(a, shown[_href(a)])
        self._head(doc, layout, article, self.url(n))
        html = lxml.html.tostring(doc, encoding="utf-8", doctype=doc.getroottree().docinfo.doctype)
        page_text = _text(_parse(html.decode("utf-8")))
        return html, self._snippets(article, page_text, list(shown.values()), rng), list(shown.values())

    def _body(self, layout: Layout, removable: list[_Element], article: Article) -> None:
        area, donor_paragraphs = layout.area, layout.paragraphs
        common = Counter((p.tag, tuple(p.attrib.items())) for p in donor_paragraphs).most_common(1)[0][0]
        prototypes = [(p.tag, tuple(p.attrib.items())) for p in donor_paragraphs]
        new = []
        for i, text in enumerate(article.paragraphs):
            tag, attrib = prototypes[i] if i < len(prototypes) else common
            p = lxml.html.Element(tag, dict(attrib))
            p.text, p.tail = text, "\n"
            new.append(p)
        # the new paragraphs at the donor paragraphs' places, the rest after the last of them
        places = donor_paragraphs[: len(new)]
        for place, p in zip(places, new, strict=False):
            place.addprevious(p)
        last = new[len(places) - 1]
        for p in new[len(places) :]:
            last.addnext(p)
            last = p
        # loose text between the donor's paragraphs (lines split by <br>) is its article text too
        for child in _article_span(layout):
            if child.tail and child.tail.strip():
                child.tail = "\n"
        for child in removable:
            area.remove(child)

    def _teaser(self, a: _Element, headline: str) -> None:
        a.set("href", self.url(self.own.get(headline) or self.beyond[headline]))
        if a.get("title"):
            a.set("title", headline)
        nodes = list(_text_nodes(a))
        # a teaser link may hold its headline in a heading next to a kicker or a description
        heading = [node for node in nodes if _in_heading(node[0] if node[1] == "text" else node[0].getparent(), a)]
        main = max(heading or nodes, key=lambda node: len(node[2]))
        for el, attr, text in nodes:
            if (el, attr) == main[:2]:
                setattr(el, attr, headline)
            elif _words(text) >= HEADLINE_WORDS[0]:
                setattr(el, attr, None)

    def _head(self, doc: _Element, layout: Layout, article: Article, url: str) -> None:
        title, description = article.title, article.description
        donor_title = layout.title or ""
        assert layout.headline is not None
        for child in list(layout.headline):
            layout.headline.remove(child)
        layout.headline.text = title
        for el in doc.iter("title"):
            old = normalise(el.text_content())
            el.text = old.replace(donor_title, title) if donor_title and donor_title in old else title
        for meta in doc.xpath(_TITLE_METAS):
            old = normalise(meta.get("content", ""))
            meta.set("content", old.replace(donor_title, title) if donor_title and donor_title in old else title)
        donor_urls = {self.donor.url, _original(self.donor.url)}
        for link in doc.xpath("//link[contains(concat(' ', @rel, ' '), ' canonical ')]"):
            donor_urls.add(urljoin(self.donor.url, link.get("href", "")))
            link.set("href", url)
        head = doc.find("head")
        if not doc.xpath("//link[contains(concat(' ', @rel, ' '), ' canonical ')]") and head is not None:
            head.append(lxml.html.Element("link", rel="canonical", href=url))
        for meta in doc.xpath("//meta[@property='og:url' or @name='og:url']"):
            donor_urls.add(meta.get("content", ""))
            meta.set("content", url)
        for meta in [m for m in doc.iter("meta") if _meta_name(m) in _DESCRIPTIONS]:
            if description is None:
                meta.drop_tree()
            else:
                meta.set("content", description)
        for script in doc.xpath("//script[@type='application/ld+json']"):
            try:
                data = json.loads(script.text or "")
            except ValueError:
                continue
            for obj in _objects(data):
                if isinstance(obj.get("headline"), str):
                    obj["headline"] = title
                for key in ("name", "alternativeHeadline"):
                    if isinstance(obj.get(key), str) and normalise(obj[key]) == donor_title:
                        obj[key] = title
                for key in ("url", "@id", "mainEntityOfPage"):
                    if isinstance(obj.get(key), str) and obj[key].split("#")[0] in donor_urls:
                        obj[key] = url + obj[key][len(obj[key].split("#")[0]) :]
                if "description" in obj and _describes_page(obj):
                    if description is None:
                        del obj["description"]
                    else:
                        obj["description"] = description
            script.text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        _declare_utf8(doc)

    def _snippets(self, article: Article, page_text: str, withouts: list[str], rng: random.Random) -> list[str]:
        """Up to MAX_SNIPPETS distinctive strings of the body, from paragraphs spread over it."""
        paragraphs = article.paragraphs
        count = min(MAX_SNIPPETS, len(paragraphs))
        picked = sorted({round(i * (len(paragraphs) - 1) / max(count - 1, 1)) for i in range(count)})
        snippets = []
        for i in picked:
            words = paragraphs[i].split(" ")
            if len(words) <= SNIPPET_WORDS + 2:
                candidates = [paragraphs[i]]
            else:
                starts = list(range(len(words) - SNIPPET_WORDS + 1))
                rng.shuffle(starts)
                candidates = [" ".join(words[s : s + SNIPPET_WORDS]) for s in starts]
            for snippet in candidates:
                if page_text.count(snippet) == 1 and not any(snippet in h or h in snippet for h in withouts):
                    snippets.append(snippet)
                    break
        return snippets


def _describes_page(obj: dict) -> bool:
    """Whether a JSON-LD object is the page's article or the page (not its author, not the site)."""
    types = obj.get("@type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    return "headline" in obj or any(isinstance(t, str) and _PAGE_TYPES.search(t) for t in types)


def _text_nodes(a: _Element) -> Iterator[tuple[_Element, str, str]]:
    """A link's text nodes as (owner element, "text" or "tail", text), script and style left out."""
    for el in a.iter():
        hidden = el.tag in _NO_TEXT or isinstance(el, _Comment | _ProcessingInstruction)
        if not hidden and el.text and el.text.strip():
            yield el, "text", el.text
        if el is not a and el.tail and el.tail.strip():
            yield el, "tail", el.tail


def _in_heading(el: _Element | None, a: _Element) -> bool:
    while el is not None:
        if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return True
        if el is a:
            return False
        el = el.getparent()
    return False


def _declare_utf8(doc: _Element) -> None:
    """Declare the charset the page is written in, UTF-8, instead of the donor's."""
    for meta in list(doc.iter("meta")):
        if meta.get("charset") is not None or (meta.get("http-equiv") or "").lower() == "content-type":
            meta.drop_tree()
    # first in <head>: a parser reading bytes looks for it in the first 1024 bytes only
    head = doc.find("head")
    if head is not None:
        head.insert(0, lxml.html.Element("meta", charset="utf-8"))
