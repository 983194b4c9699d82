"""The crawl report: what a store holds and what happened, per site, as data and as one HTML page.

:func:`gather` reads the store once (the ledger and the articles a batch at a time) into plain
data, the JSON report; :func:`render_html` makes the self-contained page of it: tables and a bar
chart in plain SVG, no script, no external request.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from boltwise.store import Store
from boltwise.store.ledger import COPY_OF
from boltwise.urls import site_of

# states of a URL whose page came back; a dropped URL's page came back when a stage dropped it
# (its reason is the drop's class name, "TooShort: …"), not when the request was refused
_FETCHED = ("fetched", "stored", "duplicate", "listing")
_STAGE_DROP = re.compile(r"^([A-Z]\w+): ")
_RUN_STATS = (
    ("requests", "downloader/request_count"),
    ("responses", "downloader/response_count"),
    ("items", "item_scraped_count"),
    ("stored", "boltwise/store/stored"),
    ("copies by URL", "boltwise/dedup/url"),
    ("exact copies", "boltwise/dedup/exact"),
    ("near copies", "boltwise/dedup/near"),
    ("dropped", "item_dropped_count"),
)


def _site() -> dict[str, Any]:
    return {
        "discovered": 0, "fetched": 0, "stored": 0, "revisions": 0, "words": 0,
        "duplicates": Counter(), "dropped": Counter(), "removed": {},
    }  # fmt: skip


async def gather(store: Store) -> dict[str, Any]:
    """The report's data: per site, per published day, the largest duplicate clusters, the
    learned lines and the crawl runs."""
    sites: defaultdict[str, dict[str, Any]] = defaultdict(_site)
    days: Counter[str] = Counter()
    # saved files' ledger rows are their paths: their site is their article's
    site_of_file: dict[str, str] = {}
    async for item in store.articles():
        site = sites[item.get("site") or "(none)"]
        site["stored"] += 1
        site["words"] += item.get("word_count") or 0
        if published := (item.get("published") or "")[:10]:
            days[published] += 1
        if item.get("site") and not item["source"].startswith(("http://", "https://")):
            site_of_file[item["source"]] = item["site"]
    clusters: Counter[str] = Counter()
    async for url, state, reason, kind in store.ledger_rows():
        site = sites[site_of(url) or site_of_file.get(url) or "(none)"]
        site["discovered"] += 1
        if state in _FETCHED or (state == "dropped" and _STAGE_DROP.match(reason or "")):
            site["fetched"] += 1
        if state == "duplicate":
            site["duplicates"][kind or "unknown"] += 1
            clusters[(reason or "").removeprefix(COPY_OF)] += 1
        elif state == "dropped":
            site["dropped"][_reason(reason)] += 1
    for name, revisions in await store.revisions_per_site():
        sites[name or "(none)"]["revisions"] = revisions
    for name, rule, lines in await store.removed_per_site():
        sites[name or "(none)"]["removed"][rule] = lines
    learned: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for name, line, support in await store.learned_lines():
        learned[name].append({"line": line, "support": support})
    return {
        "store": str(store),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sites": [
            {
                "site": name,
                **{k: v for k, v in site.items() if k != "words"},
                "duplicates": dict(sorted(site["duplicates"].items())),
                "dropped": dict(site["dropped"].most_common()),
                "average_words": round(site["words"] / site["stored"]) if site["stored"] else None,
            }
            for name, site in sorted(sites.items())
        ],
        "published_per_day": dict(sorted(days.items())),
        "duplicate_clusters": [
            {"article": original, "copies": copies} for original, copies in clusters.most_common(10)
        ],
        "learned_lines": dict(sorted(learned.items())),
        "runs": [
            {"id": id_, "spider": spider, "started_at": started, "finished_at": finished, "stats": stats}
            for id_, spider, started, finished, stats in await store.runs()
        ],
    }


def _reason(reason: str | None) -> str:
    """What a drop's reason says, without its particulars: the drop's name, or its first words."""
    if match := _STAGE_DROP.match(reason or ""):
        return match[1]
    return (reason or "unknown")[:60]


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=1, default=str)


# --- HTML ----------------------------------------------------------------------------------------

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f3f3; } .muted { color: #777; } svg rect { fill: #3b6ea8; }
"""


def render_html(report: dict[str, Any]) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>boltwise crawl report</title>',
        f"<style>{_STYLE}</style></head><body>",
        "<h1>boltwise crawl report</h1>",
        f'<p class="muted">{e(report["store"])} · generated {e(report["generated_at"])}</p>',
        "<h2>Per site</h2>",
        _table(
            [
                "site",
                "discovered",
                "fetched",
                "stored",
                "revisions",
                "duplicates",
                "dropped",
                "average words",
                "boilerplate removed",
            ],
            [
                [
                    e(site["site"]),
                    site["discovered"],
                    site["fetched"],
                    site["stored"],
                    site["revisions"],
                    _counts(site["duplicates"]),
                    _counts(site["dropped"]),
                    "" if site["average_words"] is None else site["average_words"],
                    _counts(site["removed"]),
                ]
                for site in report["sites"]
            ],
            table_id="sites",
        ),
        "<h2>Articles per published day</h2>",
        _bars(report["published_per_day"]),
        "<h2>Largest duplicate clusters</h2>",
        _table(
            ["article kept", "copies"],
            [[e(c["article"]), c["copies"]] for c in report["duplicate_clusters"]],
            table_id="clusters",
        ),
        "<h2>Learned boilerplate lines</h2>",
    ]
    if not report["learned_lines"]:
        parts.append('<p class="muted">No learned line has been removed yet.</p>')
    for site, lines in report["learned_lines"].items():
        parts.append(f"<h3>{e(site)}</h3>")
        parts.append(_table(["line", "support (articles)"], [[e(x["line"]), x["support"]] for x in lines]))
    parts.append("<h2>Crawl runs</h2>")
    parts.append(
        _table(
            ["run", "spider", "started", "finished", *(label for label, _ in _RUN_STATS), "all stats"],
            [
                [
                    run["id"],
                    e(run["spider"]),
                    e(run["started_at"] or ""),
                    e(run["finished_at"]),
                    *(run["stats"].get(name, 0) for _, name in _RUN_STATS),
                    f"<details><summary>{len(run['stats'])}</summary><pre>{e(render_json(run['stats']))}</pre></details>",
                ]
                for run in report["runs"]
            ],
            table_id="runs",
        )
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _counts(counts: dict[str, int]) -> str:
    return "<br>".join(f"{html.escape(name)}: {count}" for name, count in counts.items())


def _table(header: list[str], rows: list[list[Any]], table_id: str | None = None) -> str:
    if not rows:
        return '<p class="muted">None.</p>'
    head = "".join(f"<th>{name}</th>" for name in header)
    body = "".join("<tr>" + "".join(map(_cell, row)) + "</tr>" for row in rows)
    attributes = f' id="{table_id}"' if table_id else ""
    return f"<table{attributes}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    return f'<td class="n">{value}</td>' if isinstance(value, int) else f"<td>{value}</td>"


def _bars(per_day: dict[str, int], width: int = 800, height: int = 160) -> str:
    """A bar chart in plain SVG: one bar per published day, each with its date and count as title."""
    if not per_day:
        return '<p class="muted">No article has a publication date.</p>'
    most = max(per_day.values())
    step = min(width / len(per_day), 40)  # a few days: bars of 40 pixels, not the whole width
    bars = "".join(
        f'<rect x="{i * step:.2f}" y="{height - count / most * height:.2f}" width="{max(step - 1, 0.5):.2f}"'
        f' height="{count / most * height:.2f}"><title>{html.escape(day)}: {count}</title></rect>'
        for i, (day, count) in enumerate(per_day.items())
    )
    first, last = html.escape(next(iter(per_day))), html.escape(next(reversed(per_day)))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{len(per_day) * step:.0f}" height="{height}" role="img"'
        f' aria-label="articles per published day">{bars}</svg>'
        f'<p class="muted">{first} to {last}, {len(per_day)} days with articles; the highest bar: {most}</p>'
    )
