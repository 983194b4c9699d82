"""``scrapy boltwise-report``: the crawl report of the replay fixture, as JSON and as HTML in Chromium."""

import json
import shutil
import subprocess
import sys

import pytest
from lxml import html

from .conftest import FIXTURES, REPO, crawl

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it): apt-get install chromium"
)


def report(*args):
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "boltwise-report", *args], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The report of the replay fixture's crawl, as JSON and as HTML."""
    tmp = tmp_path_factory.mktemp("report")
    store = f"BOLTWISE_STORE_URI=sqlite:///{tmp}/state.sqlite3"
    result = crawl(tmp, "boltwise", "-s", f"BOLTWISE_REPLAY_DIR={FIXTURES / 'site'}", "-s", store)
    assert result.returncode == 0 and len(result.items) == 4
    report("-s", store, "-O", str(tmp / "report.json"))
    report("-s", store, "-O", str(tmp / "report.html"))
    return json.loads((tmp / "report.json").read_text("utf-8")), tmp / "report.html", result


def test_the_json_report_counts_the_fixture_crawl(reports):
    data, _, result = reports
    [site] = data["sites"]
    assert (site["site"], site["stored"], site["duplicates"], site["revisions"]) == (
        "it-boltwise.de",
        4,
        {"url": 2},
        0,
    )
    # the six article URLs (two of them copies by URL) and the listing pages: all came back
    assert site["discovered"] == site["fetched"] >= 6
    assert site["removed"]["promo"] == result.stat("boltwise/clean/removed/promo")
    assert site["average_words"] > 100
    assert sum(data["published_per_day"].values()) == 4
    assert sorted(c["copies"] for c in data["duplicate_clusters"]) == [1, 1]
    [run] = data["runs"]
    assert run["spider"] == "boltwise" and run["stats"]["item_scraped_count"] == 4


def test_the_html_report_is_self_contained(reports):
    _, page, _ = reports
    tree = html.parse(str(page)).getroot()
    assert tree.xpath("//script") == [] and tree.xpath("//svg") != []
    assert [v for v in tree.xpath("//@src | //@href") if v.startswith(("http", "//"))] == []


def render(page, tmp_path):
    """The DOM Chromium renders of ``page``, its console lines and a screenshot."""
    flags = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}", "--enable-logging=stderr", "--v=0",
    ]  # fmt: skip
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    shot = tmp_path / "report.png"
    subprocess.run(
        [*flags, "--window-size=1400,1000", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    return html.fromstring(dom.stdout), console, shot


@needs_chromium
def test_chromium_renders_the_report_with_the_sites_numbers_and_no_console_error(reports, tmp_path):
    data, page, _ = reports
    dom, console, shot = render(page, tmp_path)
    assert console == []
    [row] = dom.xpath("//table[@id='sites']/tbody/tr")
    cells = [cell.text_content() for cell in row.xpath("td")]
    site = data["sites"][0]
    assert cells[:5] == [
        "it-boltwise.de",
        *(str(site[k]) for k in ("discovered", "fetched", "stored", "revisions")),
    ]
    assert cells[5] == "url: 2"
    assert shot.stat().st_size > 10_000  # a picture of the page, not an empty one


@needs_chromium
def test_the_console_check_sees_a_page_error(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><p>x</p><script>throw new Error('broken page')</script></body></html>")
    _, console, _ = render(page, tmp_path)
    assert any("broken page" in line for line in console)


def test_a_report_of_a_store_that_does_not_exist_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "boltwise-report", "-s", f"BOLTWISE_STORE_URI=sqlite:///{tmp_path}/no.sqlite3"],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode != 0 and "No store at" in done.stderr
    assert not (tmp_path / "no.sqlite3").exists()


def test_report_and_export_read_both_kinds_of_store(tmp_path, store_uri):
    setting = f"BOLTWISE_STORE_URI={store_uri}"
    assert crawl(tmp_path, "files", "-a", "path=fixtures/articles", "-s", setting).returncode == 0
    data = json.loads(report("-s", setting, "-t", "json").stdout)
    assert sum(site["stored"] for site in data["sites"]) == 5 and len(data["runs"]) == 1
    exported = subprocess.run(
        [sys.executable, "-m", "scrapy", "boltwise-export", "-s", setting, "--revisions", "-t", "csv"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert len(exported.stdout.splitlines()) > 5  # a header and five articles (texts span lines)


def test_what_the_store_holds_is_escaped_in_the_page():
    from boltwise.report import render_html

    hostile = "<svg onload=alert(1)>"
    page = render_html({
        "store": hostile, "generated_at": "now",
        "sites": [{"site": hostile, "discovered": 1, "fetched": 1, "stored": 1, "revisions": 0,
                   "duplicates": {hostile: 1}, "dropped": {hostile: 1}, "average_words": 5, "removed": {hostile: 1}}],
        "published_per_day": {hostile: 1}, "duplicate_clusters": [{"article": hostile, "copies": 1}],
        "learned_lines": {hostile: [{"line": hostile, "support": 3}]},
        "runs": [{"id": 1, "spider": hostile, "started_at": hostile, "finished_at": hostile, "stats": {hostile: 1}}],
    })  # fmt: skip
    assert "onload" in page and "<svg onload" not in page


def test_saved_files_count_for_their_articles_site(tmp_path):
    store = f"BOLTWISE_STORE_URI=sqlite:///{tmp_path}/state.sqlite3"
    assert crawl(tmp_path, "files", "-a", "path=fixtures/articles", "-s", store).returncode == 0
    data = json.loads(report("-s", store, "-t", "json").stdout)
    sites = {site["site"]: (site["discovered"], site["stored"]) for site in data["sites"]}
    # four IT BOLTWISE articles; the fifth file's article names no site
    assert sites == {"it-boltwise.de": (4, 4), "(none)": (1, 1)}
