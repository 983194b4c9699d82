"""Dedup keeps the most complete copy of a story, whichever copy a crawl meets first."""

import asyncio
import json

import pytest

from boltwise.store import open_store

from .conftest import body_lines, crawl

BODY = body_lines("004_c11d6f5acf65279e.txt")
FULL = "https://a.example/artikel"
TRUNCATED = "https://b.example/kurz"
COPY = "https://c.example/kopie"  # the truncated text again, under a third URL


def page(url: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html lang='de'><head><title>Lawrow und die Schweiz</title><link rel='canonical' href='{url}'>"
        f"</head><body><article><h1>Lawrow und die Schweiz</h1>{body}</article></body></html>"
    )


PAGES = {FULL: BODY, TRUNCATED: BODY[: len(BODY) // 2], COPY: BODY[: len(BODY) // 2]}


async def stored(uri: str) -> tuple[list[tuple], list[str], dict[str, tuple]]:
    store = await open_store(uri)
    try:
        articles = await store._fetchall("SELECT url, item FROM articles ORDER BY url")
        revisions = await store._fetchall("SELECT url FROM article_revisions ORDER BY url")
        ledger = await store._fetchall("SELECT url, state, reason FROM ledger")
    finally:
        await store.close()
    documents = [(url, json.loads(item) if isinstance(item, str) else item) for url, item in articles]
    return documents, [url for (url,) in revisions], {url: (state, reason) for url, state, reason in ledger}


@pytest.mark.parametrize("mode", ["drop", "mark"])
@pytest.mark.parametrize(
    "order", [[TRUNCATED, COPY, FULL], [FULL, TRUNCATED, COPY]], ids=["truncated-first", "full-first"]
)
def test_the_complete_article_is_stored_in_either_order(tmp_path, store_uri, order, mode):
    pages = tmp_path / "pages"
    pages.mkdir()
    for number, url in enumerate(order):  # the files spider reads them in name order
        (pages / f"{number}.html").write_text(page(url, PAGES[url]), "utf-8")
    source = {url: str(pages / f"{number}.html") for number, url in enumerate(order)}

    result = crawl(
        tmp_path, "files", "-a", f"path={pages}", "-s", f"BOLTWISE_STORE_URI={store_uri}",
        "-s", f"BOLTWISE_DEDUP_MODE={mode}",
    )  # fmt: skip
    assert result.returncode == 0, result.log

    articles, revisions, ledger = asyncio.run(stored(store_uri))
    assert [url for url, _ in articles] == [FULL] and revisions == [FULL]
    assert articles[0][1]["text"] == "\n".join(BODY)
    # the stored article is the complete one as emitted, without supersedes (which says what the
    # feed's item replaces): the same record in either order, but for its file's path and time
    complete = next(item for item in result.items if item["url"] == FULL)
    assert articles[0][1] == {name: value for name, value in complete.items() if name != "supersedes"}
    assert ledger[source[FULL]] == ("stored", None)
    assert ledger[source[TRUNCATED]] == ledger[source[COPY]] == ("duplicate", f"copy of {FULL}")

    # what a feed consumer sees: the truncated article went out first, then the complete one
    # naming it; or the complete one alone (drop) or with its copies marked (mark)
    emitted = [(item["url"], item["supersedes"], item["duplicate_of"]) for item in result.items]
    if order[0] == TRUNCATED:
        assert emitted[0] == (TRUNCATED, [], None)
        assert emitted[-1] == (FULL, [TRUNCATED], None)
        assert result.stat("boltwise/dedup/supersedes") == result.stat("boltwise/store/superseded") == 1
    else:
        assert emitted[0] == (FULL, [], None)
        assert result.stat("boltwise/dedup/supersedes") is None
    copies = [(url, duplicate_of) for url, _, duplicate_of in emitted if duplicate_of]
    if mode == "drop":
        assert len(emitted) == (2 if order[0] == TRUNCATED else 1) and not copies
    else:
        # the copy met before the complete article copies the truncated one, as known then
        expected = [(COPY, TRUNCATED)] if order[0] == TRUNCATED else [(TRUNCATED, FULL), (COPY, FULL)]
        assert copies == expected
