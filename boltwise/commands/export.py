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
from contextlib import ExitStack, closing
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy.exceptions import UsageError
from scrapy.exporters import BaseItemExporter
from scrapy.extensions.postprocessing import PostProcessingManager
from scrapy.utils.conf import feed_process_params_from_cli
from scrapy.utils.misc import load_object

from boltwise.commands._store import StoreCommand, quiet_broken_pipe
from boltwise.exporters import FEED_EXPORTERS, require_pyarrow
from boltwise.limits import DateRange
from boltwise.store import Store

# formats whose file is one whole (a JSON array, an XML document, Parquet's footer): -o onto one
# that has content would break it
WHOLE_FILE_FORMATS = ("json", "xml", "parquet")


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
        if opts.duplicates and (opts.site or opts.since or opts.until):
            raise UsageError("--duplicates lists the ledger's copies: --site, --since and --until do not apply")
        try:
            self.dates = DateRange.parse(opts.since or "", opts.until or "", datetime.now(UTC))
        except ValueError as exc:
            message = str(exc).replace("BOLTWISE_SINCE", "--since").replace("BOLTWISE_UNTIL", "--until")
            raise UsageError(message) from exc
        # what Scrapy fills into a feed's URI: the spider's name (whose store), the start time
        self.uri_params = {"name": opts.spider, "time": datetime.now(UTC).replace(microsecond=0).isoformat()}
        self.uri_params["time"] = self.uri_params["time"].replace(":", "-")
        fmt = opts.output_format or ""
        if fmt and fmt not in self.settings.getwithbase("FEED_EXPORTERS"):
            raise UsageError(f"-t {fmt}: no exporter for that format (FEED_EXPORTERS)")
        output, overwrite = (
            [f"{uri}:{fmt or 'jsonl'}" if uri == "-" else f"{uri}:{fmt}" if fmt else uri for uri in uris or []]
            for uris in (opts.output, opts.overwrite_output)
        )
        if not output and not overwrite and not self.settings.getdict("FEEDS"):
            overwrite = [f"-:{fmt or 'jsonl'}"]
        self.feeds = feed_process_params_from_cli(self.settings, output, overwrite_output=overwrite)
        exporters = self.settings.getwithbase("FEED_EXPORTERS")
        for uri, options in self.feeds.items():
            if not exporters.get(options.get("format")):
                raise UsageError(f"{uri}: no exporter for the format {options.get('format')!r} (FEED_EXPORTERS)")
            if options["format"] == "parquet":
                require_pyarrow()

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        async def export(store: Store) -> int:
            count = 0
            with ExitStack() as files:
                exporters = [self._exporter(uri, options, files) for uri, options in self.feeds.items()]
                for exporter in exporters:
                    exporter.start_exporting()
                async for item in _selected(store, opts, self.dates):
                    for exporter in exporters:
                        exporter.export_item(item)
                    count += 1
                for exporter in exporters:
                    exporter.finish_exporting()
            return count

        with quiet_broken_pipe():
            count = self.with_store(opts.spider, export)
        what = "copies" if opts.duplicates else "revisions" if opts.revisions else "articles"
        for uri in self.feeds:
            if not uri.startswith("stdout:"):
                print(f"Exported {count} {what} to {uri}", file=sys.stderr)

    def _exporter(self, uri: str, options: dict[str, Any], files: ExitStack) -> BaseItemExporter:
        """The exporter of one feed (a local file, or stdout), made as Scrapy's feed exports make
        it: with its options, its URI's %(name)s and %(time)s filled in, its post-processing."""
        assert self.settings is not None
        fmt = options["format"]
        extra: dict[str, Any] = {}
        if uri.startswith("stdout:"):
            file: IO[bytes] = sys.stdout.buffer
        elif "://" in uri and not uri.startswith("file://"):
            raise UsageError(f"{uri}: boltwise-export writes local files and stdout only")
        else:
            path = Path(uri.removeprefix("file://") % self.uri_params)
            appending = not options.get("overwrite") and path.is_file() and path.stat().st_size > 0
            if appending and fmt in WHOLE_FILE_FORMATS:
                raise UsageError(f"-o {path}: a {fmt} file cannot be appended to; -O writes it anew")
            if appending and fmt == "csv":
                extra["include_headers_line"] = False  # the file has its header
            file = files.enter_context(path.open("ab" if appending or not options.get("overwrite") else "wb"))
        if options.get("postprocessing"):
            plugins = [load_object(plugin) for plugin in options["postprocessing"]]
            file = files.enter_context(closing(PostProcessingManager(plugins, file, options)))  # type: ignore[arg-type]
        exporter_class = load_object(self.settings.getwithbase("FEED_EXPORTERS")[fmt])
        return exporter_class(
            file,
            fields_to_export=options.get("fields", self.settings.getlist("FEED_EXPORT_FIELDS") or None),
            encoding=options.get("encoding", self.settings.get("FEED_EXPORT_ENCODING") or "utf-8"),
            indent=options.get("indent", self.settings.getint("FEED_EXPORT_INDENT")),
            **{**extra, **options.get("item_export_kwargs", {})},
        )


async def _selected(
    store: Store, opts: argparse.Namespace, dates: DateRange | None
) -> AsyncIterator[dict[str, Any]]:
    """What the options ask for: articles (or revisions) of a site and published range, or copies."""
    if opts.duplicates:
        async for copy in store.duplicates():
            yield copy
        return
    items = store.revisions() if opts.revisions else store.articles(opts.site)
    async for item in items:
        if opts.revisions and opts.site and item.get("site") != opts.site:
            continue  # articles() selected by site already
        if dates is not None and not dates.includes(item.get("published")):
            continue
        yield item
