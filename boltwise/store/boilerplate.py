"""Learned boilerplate's rows: articles per site and, per site, articles per key.

Learned lines (keys: line hashes), learned templates (keys: template slots) and learned field
values (keys: :func:`boltwise.clean.sitefields.field_key`) are each a
:class:`~boltwise.clean.learned.BoilerplateModel`, each in its own two tables (:data:`LINES`,
:data:`TEMPLATES`, :data:`FIELDS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from boltwise.clean.learned import BoilerplateModel, SiteLines
from boltwise.store.database import Database


@dataclass(frozen=True)
class Tables:
    sites: str  # (site, articles)
    keys: str  # (site, key column, articles)
    key: str


LINES = Tables("boilerplate_sites", "boilerplate_lines", "line_hash")
TEMPLATES = Tables("template_sites", "template_slots", "slot")
FIELDS = Tables("field_sites", "field_values", "value_hash")


class BoilerplateRows(Database):
    async def load_boilerplate(self, model: BoilerplateModel, tables: Tables = LINES) -> None:
        for site, articles in await self._fetchall(f"SELECT site, articles FROM {tables.sites}"):
            model.sites[site] = SiteLines(articles=articles)
        for site, key, count in await self._fetchall(f"SELECT site, {tables.key}, articles FROM {tables.keys}"):
            model.sites[site].counts[key] = count

    async def save_boilerplate(self, model: BoilerplateModel, tables: Tables = LINES) -> None:
        """Write what the model added since the last save, as increments (the decider of a
        shared crawl saves after every batch, and a site's lines run into the hundred thousands)."""
        for site in sorted(model.dirty):
            seen = model.sites[site]
            await self._execute(
                f"INSERT INTO {tables.sites} VALUES (?, ?)"
                f" ON CONFLICT (site) DO UPDATE SET articles = {tables.sites}.articles + excluded.articles",
                (site, seen.new_articles),
            )
            await self._executemany(
                f"DELETE FROM {tables.keys} WHERE site = ? AND {tables.key} = ?",
                ((site, key) for key in sorted(seen.forgotten)),
            )
            await self._executemany(
                f"INSERT INTO {tables.keys} VALUES (?, ?, ?) ON CONFLICT (site, {tables.key})"
                f" DO UPDATE SET articles = {tables.keys}.articles + excluded.articles",
                ((site, key, seen.added[key]) for key in sorted(seen.added)),
            )
            seen.new_articles, seen.added, seen.forgotten = 0, {}, set()
        model.dirty.clear()
        self._wrote()

    async def save_removals(self, removed: dict[tuple[str, str], int], lines: dict[tuple[str, int], str]) -> None:
        """Add lines removed per site and rule, and keep the text of learned lines removed (the
        model keeps their hashes only): what the crawl report shows."""
        await self._executemany(
            "INSERT INTO clean_removed VALUES (?, ?, ?) ON CONFLICT (site, rule)"
            " DO UPDATE SET lines = clean_removed.lines + excluded.lines",
            ((site, rule, count) for (site, rule), count in sorted(removed.items())),
        )
        await self._executemany(
            "INSERT INTO clean_learned_lines VALUES (?, ?, ?) ON CONFLICT (site, line_hash) DO NOTHING",
            ((site, key, line) for (site, key), line in sorted(lines.items())),
        )
        self._wrote()
