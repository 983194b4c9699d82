"""Dedup decisions on variants derived from the saved articles."""

import asyncio
import zlib

import numpy as np
import pytest

from boltwise.clean.cleaner import Cleaner
from boltwise.dedup.fingerprint import NUM_PERM, fingerprint, minhash, shingle_keys, words
from boltwise.dedup.index import DedupIndex
from boltwise.store import open_store
from boltwise.urls import canonical_url

from .conftest import BOLTWISE_SEEDS, body_lines, seed_lines

ALL_SEEDS = sorted([*BOLTWISE_SEEDS, "003_84c19c9baf8032c0.txt"])


class SyncIndex:
    """The async index driven from plain tests, on one event loop per test."""

    def __init__(self, uri):
        self.loop = asyncio.new_event_loop()
        self.store = self.loop.run_until_complete(open_store(uri))
        self.index = DedupIndex(self.store)

    def check(self, *args):
        return self.loop.run_until_complete(self.index.check(*args))

    def close(self):
        self.loop.run_until_complete(self.store.close())
        self.loop.close()


@pytest.fixture
def index(store_uri):
    sync = SyncIndex(store_uri)
    yield sync
    sync.close()


def cleaned(lines):
    return Cleaner().clean("\n".join(lines), site=None, title=None).text


def test_the_five_saved_articles_are_not_duplicates_of_each_other(index):
    # all about NATO and Ukraine, four in one site's frame: still five different stories
    decisions = [index.check(name, cleaned(seed_lines(name)), None) for name in ALL_SEEDS]
    assert [d.kind for d in decisions] == ["new"] * 5


def test_copy_in_another_frame_is_an_exact_duplicate(index):
    original = seed_lines("000_8393ffbcd8907b3d.txt")
    index.check("original", cleaned(original), None)
    # the same article with other job offers and another book in the IT BOLTWISE frame
    furniture = original[len(body_lines("000_8393ffbcd8907b3d.txt")) :]
    jobs_at = furniture.index("Stellenangebote")
    other_frame = [
        *furniture[: jobs_at + 1],
        "Data Scientist (m/w/d) NLP",
        "- Ein anderes Buch | Ein Untertitel",
        *furniture[jobs_at + 6 :],
    ]
    decision = index.check("copy", cleaned(body_lines("000_8393ffbcd8907b3d.txt") + other_frame), None)
    assert (decision.kind, decision.duplicate_of, decision.similarity) == ("exact", "original", 1.0)


def test_revised_and_truncated_copies_are_near_duplicates(index):
    body = body_lines("004_c11d6f5acf65279e.txt")
    index.check("original", "\n".join(body), None)
    revised = [
        *body[:3],
        body[3].replace("Sergej Lawrow", "Sergei Lawrow").replace("nicht funktionieren", "kaum funktionieren"),
        *body[4:],
        "Aktualisiert: Die Schweiz bestätigte am Abend ihre Bereitschaft.",
    ]
    near = index.check("revised-elsewhere", "\n".join(revised), None)
    assert near.kind == "near" and near.duplicate_of == "original" and near.similarity >= 0.8
    truncated = index.check("wire-copy", "\n".join(body[: len(body) * 6 // 10]), None)
    assert truncated.kind == "near" and truncated.duplicate_of == "original" and truncated.similarity >= 0.9


def test_a_longer_copy_that_contains_an_indexed_one_supersedes_it(index):
    body = body_lines("004_c11d6f5acf65279e.txt")
    truncated = "\n".join(body[: len(body) * 6 // 10])
    assert index.check("wire-copy", truncated, None).kind == "new"
    complete = index.check("original", "\n".join(body), None)
    assert (complete.kind, complete.duplicate_of, complete.supersedes) == ("new", None, ("wire-copy",))
    # the superseded text left the index: a copy of it now points at the complete article
    again = index.check("wire-copy-2", truncated, None)
    assert (again.kind, again.duplicate_of) == ("near", "original")
    # a copy that is only a little longer (a source line added) is the same version: first kept
    attributed = index.check("attributed", "\n".join([*body, "Quelle: nachrichten.example."]), None)
    assert (attributed.kind, attributed.duplicate_of, attributed.supersedes) == ("near", "original", ())


def test_copies_of_equal_length_keep_the_first_and_short_texts_never_supersede(index):
    body = body_lines("001_bbbc0ff35450de96.txt")
    index.check("first", "\n".join(body), None)
    assert index.check("second", "\n".join(body), None).duplicate_of == "first"
    # a 30-word teaser, then a 45-word text containing it: below BOLTWISE_DEDUP_MIN_WORDS, both new
    teaser = " ".join(body[1].split()[:30])
    assert index.check("teaser", teaser, None).kind == "new"
    longer = teaser + " " + " ".join(body[2].split()[:15])
    decision = index.check("teaser-longer", longer, None)
    assert (decision.kind, decision.supersedes, len(longer.split())) == ("new", (), 45)


def test_a_digest_of_several_articles_supersedes_none_of_them(index):
    texts = {name: "\n".join(body_lines(name)) for name in BOLTWISE_SEEDS[:3]}
    for name, text in texts.items():
        index.check(name, text, None)
    digest = index.check("digest", "\n".join(texts.values()), None)
    assert (digest.kind, digest.supersedes) == ("near", ())
    # nor does a page more than MAX_COMPLETION times as long as the one article it contains
    body = body_lines("004_c11d6f5acf65279e.txt")
    index.check("short", "\n".join(body[:4]), None)
    padded = "\n".join([*body[:4], *(f"Absatz {n}: " + " ".join(body[4:]) for n in range(6))])
    assert index.check("padded", padded, None).supersedes == ()


def test_short_texts_are_not_matched_by_containment(index):
    body = body_lines("001_bbbc0ff35450de96.txt")
    index.check("original", "\n".join(body), None)
    teaser = " ".join(body[1].split()[:30])  # a 30-word teaser quoting the article
    assert index.check("teaser", teaser, None).kind == "new"


def test_same_url_changed_text_is_a_revision_unless_older(index):
    body = body_lines("002_d0fef97fb407ba67.txt")
    url = "https://www.it-boltwise.de/a.html"
    assert index.check(url, "\n".join(body), "2025-08-25T11:30:00+02:00").kind == "new"
    assert index.check(url, "\n".join(body), "2025-08-25T11:30:00+02:00").kind == "url"
    update = index.check(url, "\n".join([*body, "Update: neue Zahlen."]), "2025-08-26T09:00:00+02:00")
    assert (update.kind, update.revision) == ("revision", 2)
    # a differently rendered copy that is not newer (an AMP page, say) is not a revision
    older = index.check(url, "\n".join(body[:-1]), "2025-08-25T11:30:00+02:00")
    assert (older.kind, older.revision, older.duplicate_of) == ("url", 2, url)


def test_decisions_persist_across_runs(store_uri):
    text = "\n".join(body_lines("000_8393ffbcd8907b3d.txt"))
    first = SyncIndex(store_uri)
    assert first.check("a", text, None).kind == "new"
    first.close()
    second = SyncIndex(store_uri)
    assert second.check("a", text, None).kind == "url"
    assert second.check("b", text, None).kind == "exact"
    second.close()


def keys(strings):
    return np.array([zlib.crc32(s.encode()) for s in strings], np.uint64)


def test_shingle_keys_depend_on_every_word_and_its_place():
    a, b, c, d = (int(k) for k in keys("abcd"))
    windows = shingle_keys(np.array([a, b, c, d, a, b, d, c, b, a], np.uint64))
    assert len(windows) == 8 and windows[0] == shingle_keys(np.array([a, b, c], np.uint64))[0]
    assert len(set(windows.tolist())) == 8  # abc bcd cda dab abd bdc dcb cba: all different
    assert len(shingle_keys(np.array([a], np.uint64))) == 1  # short texts: one shingle


def test_minhash_of_many_keys_is_computed_in_slices_with_the_same_result():
    from boltwise.dedup.fingerprint import _A, _B, _SLICE

    many = np.random.default_rng(7).integers(0, 2**32, 3 * _SLICE + 5, dtype=np.uint64)
    at_once = ((_A * many + _B) >> np.uint64(32)).min(axis=1).astype(np.uint32)
    assert np.array_equal(minhash(many), at_once)


@pytest.mark.parametrize("jaccard", [0.3, 0.5, 0.8, 0.9])
def test_minhash_estimates_jaccard_without_bias(jaccard):
    errors = []
    for trial in range(50):
        shared = round(2 * 400 * jaccard / (1 + jaccard))  # two sets of 400 with this Jaccard
        common = [f"c{trial}-{i}" for i in range(shared)]
        a = set(common + [f"a{trial}-{i}" for i in range(400 - shared)])
        b = set(common + [f"b{trial}-{i}" for i in range(400 - shared)])
        estimate = float((minhash(keys(a)) == minhash(keys(b))).sum()) / NUM_PERM
        errors.append(estimate - len(a & b) / len(a | b))
    # the standard error of one estimate is sqrt(J(1-J)/126) <= 0.045; of the mean of 50, <= 0.0065
    assert abs(sum(errors) / len(errors)) < 0.02
    assert max(abs(e) for e in errors) < 0.2


def test_exact_hash_ignores_case_sharp_s_and_punctuation():
    assert fingerprint("Die STRASSE – gesperrt!").exact == fingerprint("die Straße, gesperrt.").exact
    assert words("Größe: „XL“") == ["grösse", "xl"]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://www.it-boltwise.de/a.html?utm_source=rss&utm_medium=rss",
            "https://www.it-boltwise.de/a.html",
        ),
        ("HTTPS://Example.DE:443/a?b=2&a=1#kommentare", "https://example.de/a?a=1&b=2"),
        ("https://example.de/a?fbclid=x&gclid=y&id=7", "https://example.de/a?id=7"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical
