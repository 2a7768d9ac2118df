"""`rag index` and `rag add`: documents into the library and the index, on the command line.

    $ rag add https://example.org/article --then-index     a web page, stored as web/<name>.md
    $ rag add --csv articles.csv --text-col text           a table's rows, read in place
    $ rag index [--rebuild] [--ray [ADDRESS]]              build or update the index

Each command's options beside the common ones of rag.cli (`index_options`, `add_options`) and
its run (`run_index`, `run_add`); `settings` is called once the arguments are checked.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from rag.cli_output import print_report
from rag.core.config import Settings
from rag.core.errors import RagError


def index_options(p) -> None:
    """The options of `rag index`."""
    p.add_argument("--rebuild", action="store_true", help="force a full rebuild")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                   help="read, chunk and embed on Ray: a local Ray without ADDRESS, else the cluster "
                        "at ADDRESS (e.g. auto, ray://head:10001)")


def run_index(args, settings: Callable[[], Settings]) -> int:
    from rag.assistant import Assistant

    assistant = Assistant.from_settings(settings())
    print_report(assistant.rebuild(force=args.rebuild, runner="local" if args.ray is None else "ray"), args.json)
    return 0


def add_options(p) -> None:
    """The options of `rag add`."""
    p.add_argument("urls", nargs="*", metavar="URL", help="http(s) pages; each article is stored as web/<name>.md")
    p.add_argument("--csv", type=Path, help="a CSV file: one document per row")
    p.add_argument("--jsonl", type=Path, help="a JSON Lines file: one document per line")
    p.add_argument("--text-col", "--text-field", dest="text_col", help="column (name or 1-based number) with the text")
    p.add_argument("--title-col", "--title-field", dest="title_col", help="column with the title")
    p.add_argument("--date-col", "--date-field", dest="date_col", help="column with the date (ISO or DD.MM.YYYY)")
    p.add_argument("--id-col", "--id-field", dest="id_col", help="column with a unique id (default: the row number)")
    p.add_argument("--delimiter", help="CSV field delimiter (default ','; 'tab' for tabs)")
    p.add_argument("--quotechar", help="CSV quote character (default '\"')")
    p.add_argument("--no-header", action="store_true", help="the CSV has no header row: give columns by number")
    p.add_argument("--then-index", action="store_true", help="update the index afterwards (as `rag index`)")


def _char(value: str | None) -> str | None:
    return {"\\t": "\t", "tab": "\t"}.get(value, value) if value is not None else None


def run_add(args, settings: Callable[[], Settings]) -> int:
    from rag.assistant import Assistant

    tables = [(fmt, path) for fmt, path in (("csv", args.csv), ("jsonl", args.jsonl)) if path]
    if not (args.urls or tables):
        print("error: give one or more URLs, or --csv FILE / --jsonl FILE", file=sys.stderr)
        return 2
    assistant = Assistant.from_settings(settings())
    status = 0
    for url in args.urls:
        try:
            page = assistant.add_url(url)
        except RagError as exc:  # one bad URL must not stop the others
            print(f"error: {exc}", file=sys.stderr)
            status = 2
            continue
        print(f"Added {page.source}: {page.title or '(untitled)'}"
              f"{f' ({page.date})' if page.date else ''}, {page.chars} characters from {page.url}")
    for fmt, path in tables:
        if not args.text_col:
            print(f"error: --{fmt} needs --text-col (a column name or 1-based number)", file=sys.stderr)
            return 2
        spec = assistant.add_import(path, fmt, args.text_col, title=args.title_col, date=args.date_col,
                                    id=args.id_col, delimiter=_char(args.delimiter) or ",",
                                    quotechar=_char(args.quotechar) or '"', header=not args.no_header)
        print(f"Import spec written: {spec}. Each `rag index` reads the rows of {Path(path).resolve()} "
              f"(not copied) as documents named {Path(path).name}#<{'id' if args.id_col else 'row'}>.")
    if args.then_index and status == 0:
        print_report(assistant.rebuild(), False)
    elif status == 0:
        print("Run `rag index` to make them searchable.")
    return status
