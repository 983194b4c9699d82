"""``scrapy boltwise-export -O articles.csv``: the store's articles through Scrapy's feed exporters.

The format comes from the file's extension, from ``FILE:FORMAT`` or from ``-t``, as for
``scrapy crawl``; ``FEEDS`` is honoured, ``-o`` appends and ``-O`` overwrites. Any format in
``FEED_EXPORTERS`` works (``json``, ``jsonl``, ``csv``, ``xml``, …), and ``parquet``
(:mod:`boltwise.exporters`). Rows are read a batch at a time and written as they come.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from scrapy.exceptions import UsageError
from scrapy.exporters import BaseItemExporter
from scrapy.utils.conf import feed_process_params_from_cli
from scrapy.utils.misc import load_object

from boltwise.commands._store import StoreCommand
from boltwise.exporters import FEED_EXPORTERS
from boltwise.store import Store


class Command(StoreCommand):
    def syntax(self) -> str:
        return (
            "[-o FILE | -O FILE] [-t FORMAT] [--site SITE] [--since DATE] [--until DATE]"
            " [--revisions | --duplicates] [--spider NAME]"
        )

    def short_desc(self) -> str:
        return "Export the stored articles through Scrapy's feed exporters (JSON Lines to stdout by default)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o", "--output", metavar="FILE", action="append", help="append to FILE (- for stdout)"
        )
        parser.add_argument(
            "-O", "--overwrite-output", metavar="FILE", action="append", help="write FILE anew (- for stdout)"
        )
        parser.add_argument(
            "-t", "--output-format", metavar="FORMAT", help="the format of every output (default: the extension)"
        )
        parser.add_argument("--site", help="only articles of this site (e.g. it-boltwise.de)")
        parser.add_argument("--since", metavar="DATE", help="only articles published on or after DATE (ISO 8601)")
        parser.add_argument("--until", metavar="DATE", help="only articles published on or before DATE (ISO 8601)")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--revisions", action="store_true", help="every stored revision, not only the latest")
        which.add_argument(
            "--duplicates", action="store_true", help="the URLs recorded as copies, with the article each copies"
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        for name, path in FEED_EXPORTERS.items():
            self.settings["FEED_EXPORTERS"].setdefault(name, path)
        fmt = opts.output_format
        output, overwrite = (
            [f"{uri}:{fmt}" if fmt else uri for uri in uris or []] for uris in (opts.output, opts.overwrite_output)
        )
        if not output and not overwrite and not self.settings.getdict("FEEDS"):
            overwrite = [f"-:{fmt or 'jsonl'}"]
        self.feeds = feed_process_params_from_cli(self.settings, output, overwrite_output=overwrite)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        async def export(store: Store) -> int:
            count = 0
            with ExitStack() as files:
                exporters = [self._exporter(uri, options, files) for uri, options in self.feeds.items()]
                for exporter in exporters:
                    exporter.start_exporting()
                async for item in _selected(store, opts):
                    for exporter in exporters:
                        exporter.export_item(item)
                    count += 1
                for exporter in exporters:
                    exporter.finish_exporting()
            return count

        count = self.with_store(opts.spider, export)
        what = "copies" if opts.duplicates else "revisions" if opts.revisions else "articles"
        for uri in self.feeds:
            if not uri.startswith("stdout:"):
                print(f"Exported {count} {what} to {uri}", file=sys.stderr)

    def _exporter(self, uri: str, options: dict[str, Any], files: ExitStack) -> BaseItemExporter:
        """The exporter of one feed (a local file, or stdout), made as Scrapy's feed exports make it."""
        assert self.settings is not None
        if uri.startswith("stdout:"):
            file: IO[bytes] = sys.stdout.buffer
        elif "://" in uri and not uri.startswith("file://"):
            raise UsageError(f"{uri}: boltwise-export writes local files and stdout only")
        else:
            path = Path(uri.removeprefix("file://"))
            file = files.enter_context(path.open("wb" if options.get("overwrite") else "ab"))
        exporter_class = load_object(self.settings.getwithbase("FEED_EXPORTERS")[options["format"]])
        return exporter_class(
            file,
            fields_to_export=options.get("fields", self.settings.getlist("FEED_EXPORT_FIELDS") or None),
            encoding=options.get("encoding", self.settings.get("FEED_EXPORT_ENCODING") or "utf-8"),
            indent=options.get("indent", self.settings.getint("FEED_EXPORT_INDENT")),
            **options.get("item_export_kwargs", {}),
        )


async def _selected(store: Store, opts: argparse.Namespace) -> AsyncIterator[dict[str, Any]]:
    """What the options ask for: articles (or revisions) of a site and published range, or copies."""
    if opts.duplicates:
        async for copy in store.duplicates():
            yield copy
        return
    items = store.revisions() if opts.revisions else store.articles(opts.site)
    async for item in items:
        if opts.site and item.get("site") != opts.site:
            continue
        if (opts.since or opts.until) and not _published_within(item.get("published"), opts.since, opts.until):
            continue
        yield item


def _published_within(published: str | None, since: str | None, until: str | None) -> bool:
    """ISO 8601 compared as text, as far as the bound is written: ``--until 2025-04-30`` keeps
    the whole day."""
    if not published:
        return False
    return (not since or published[: len(since)] >= since) and (not until or published[: len(until)] <= until)
