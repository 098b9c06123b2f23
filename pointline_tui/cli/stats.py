"""``pointline-tui stats [TABLE]``: per-partition file statistics, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pointline_tui.cli.options import Subparsers, add_root_options, lake_reader, table_entry
from pointline_tui.cli.output import print_table
from pointline_tui.formatting import count, human_bytes, iso_date
from pointline_tui.storage.models import StorageError
from pointline_tui.text import one_line

NAME = "stats"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``stats [TABLE] [--json]`` and the root options."""
    parser = subparsers.add_parser(NAME, help="per-partition file statistics")
    parser.add_argument("table", nargs="?", metavar="TABLE", help="one table (default: all)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_root_options(parser)


def run(args: argparse.Namespace) -> int:
    """Print one record per partition of ``args.table``, or of every table.

    A table that cannot be read is one record with its error; exit code 1 if it was named.

    Raises:
        UsageError: no lake, or a named table that is missing or no Delta table.
    """
    reader = lake_reader(args)
    entries = (
        [table_entry(reader, args.table, damaged_ok=True)] if args.table else list(reader.catalog())
    )
    records: list[dict[str, Any]] = []
    for entry in entries:
        if entry.state != "delta":
            records.append({"table": entry.name, "error": entry.reason or entry.state})
            continue
        try:
            frame = reader.partition_stats(entry.name)
        except StorageError as err:
            records.append({"table": entry.name, "error": str(err)})
            continue
        for row in frame.iter_rows(named=True):
            records.append(
                {
                    "table": entry.name,
                    "exchange": row["exchange"],
                    "trading_date": iso_date(row["trading_date"]) if row["trading_date"] else None,
                    "files": row["files"],
                    "bytes": row["bytes"],
                    "rows": row["rows"],
                    "small_files": row["small_files"],
                    "hot": row["hot"],
                    "avg_file_bytes": row["avg_file_bytes"],
                }
            )
    if args.json:
        print(json.dumps(records, indent=2))
    else:
        print_table(
            ["table", "exchange", "date", "files", "small", "bytes", "rows", "hot"],
            [
                [
                    one_line(r["table"]),
                    one_line(r["exchange"] or "-"),
                    r["trading_date"] or "-",
                    count(r["files"]),
                    count(r["small_files"]),
                    human_bytes(r["bytes"]),
                    count(r["rows"]),
                    "hot" if r["hot"] else "",
                ]
                for r in records
                if "error" not in r
            ],
        )
        for r in records:
            if "error" in r:
                print(f"{one_line(r['table'])}: cannot read: {one_line(r['error'])}")
    # A named table that cannot be read is a failed operation; in a listing it is one row.
    return 1 if args.table and any("error" in r for r in records) else 0
