"""``scrapy boltwise-report -O report.html``: what the store holds and what its crawls did."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.exceptions import UsageError

from boltwise.commands._store import StoreCommand
from boltwise.report import gather, render_html, render_json

FORMATS = {"html": render_html, "json": render_json}


class Command(StoreCommand):
    def syntax(self) -> str:
        return "-O FILE [-t html|json] [--spider NAME]"

    def short_desc(self) -> str:
        return "Write a crawl report of the store: one self-contained HTML page, or JSON"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-O", "--overwrite-output", metavar="FILE", default="-", help="the report (- for stdout)"
        )
        parser.add_argument(
            "-t", "--output-format", metavar="FORMAT", help="html or json (default: the extension)"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        out = opts.overwrite_output
        fmt = opts.output_format or (Path(out).suffix.lstrip(".").lower() if out != "-" else "html")
        if fmt not in FORMATS:
            raise UsageError(f"the report is html or json, not {fmt!r}: name FILE.html or FILE.json, or use -t")
        text = FORMATS[fmt](self.with_store(opts.spider, gather))
        if out == "-":
            sys.stdout.write(text)
        else:
            Path(out).write_text(text, "utf-8")
            print(f"Wrote the report to {out}", file=sys.stderr)
