"""``pointline-tui stats [TABLE]``: per-partition file statistics, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pointline_tui.cli.options import (
    Subparsers,
    add_root_options,
    cache_folder,
    lake_reader,
    lake_root,
    table_entry,
)
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
    When the cache holds every table's statistics at its newest version, they are printed
    from there (no table is opened, polars is not loaded).

    Raises:
        UsageError: no lake, or a named table that is missing or no Delta table.
    """
    records = _cached_records(args)
    if records is None:
        records = _read_records(args)
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


def _cached_records(args: argparse.Namespace) -> list[dict[str, Any]] | None:
    """The records from the cache's statistics files; ``None`` unless every table has them."""
    from pointline_tui.lake.cached_stats import load_stats
    from pointline_tui.lake.catalog import LakeCatalog

    silver_root = lake_root(args)
    folder = cache_folder(args, silver_root)
    if folder is None:
        return None
    catalog = LakeCatalog(silver_root)
    try:
        entry = catalog.entry(args.table, open_table=False) if args.table else None
    except StorageError:
        return None  # a bad name: the reader says why
    if args.table and (entry is None or entry.state != "delta"):
        return None
    records: list[dict[str, Any]] = []
    for each in [entry] if entry is not None else catalog.tables(open_tables=False):
        if each.state != "delta":
            records.append({"table": each.name, "error": each.reason or each.state})
            continue
        rows = load_stats(folder, each.path.resolve())
        if rows is None:
            return None
        records += _records(each.name, rows)
    return records


def _read_records(args: argparse.Namespace) -> list[dict[str, Any]]:
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
        records += _records(entry.name, frame.iter_rows(named=True))
    return records


def _records(table: str, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One record per partition row of ``partitions.STATS_SCHEMA``."""
    return [
        {
            "table": table,
            "exchange": row["exchange"],
            "trading_date": iso_date(row["trading_date"]) if row["trading_date"] else None,
            "files": row["files"],
            "bytes": row["bytes"],
            "rows": row["rows"],
            "small_files": row["small_files"],
            "hot": row["hot"],
            "avg_file_bytes": row["avg_file_bytes"],
        }
        for row in rows
    ]
