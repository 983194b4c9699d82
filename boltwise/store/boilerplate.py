"""Learned boilerplate's rows: articles per site and, per site, articles per normalised line."""

from __future__ import annotations

from boltwise.clean.learned import BoilerplateModel, SiteLines
from boltwise.store.database import Database


class BoilerplateRows(Database):
    async def load_boilerplate(self, model: BoilerplateModel) -> None:
        for site, articles in await self._fetchall("SELECT site, articles FROM boilerplate_sites"):
            model.sites[site] = SiteLines(articles=articles)
        for site, key, count in await self._fetchall("SELECT site, line_hash, articles FROM boilerplate_lines"):
            model.sites[site].counts[key] = count

    async def save_boilerplate(self, model: BoilerplateModel) -> None:
        """Write what the model added since the last save, as increments (the decider of a
        shared crawl saves after every batch, and a site's lines run into the hundred thousands)."""
        for site in sorted(model.dirty):
            seen = model.sites[site]
            await self._execute(
                "INSERT INTO boilerplate_sites VALUES (?, ?)"
                " ON CONFLICT (site) DO UPDATE SET articles = boilerplate_sites.articles + excluded.articles",
                (site, seen.new_articles),
            )
            await self._executemany(
                "DELETE FROM boilerplate_lines WHERE site = ? AND line_hash = ?",
                ((site, key) for key in sorted(seen.forgotten)),
            )
            await self._executemany(
                "INSERT INTO boilerplate_lines VALUES (?, ?, ?) ON CONFLICT (site, line_hash)"
                " DO UPDATE SET articles = boilerplate_lines.articles + excluded.articles",
                ((site, key, seen.added[key]) for key in sorted(seen.added)),
            )
            seen.new_articles, seen.added, seen.forgotten = 0, {}, set()
        model.dirty.clear()
        self._wrote()
