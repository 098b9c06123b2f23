"""``pointline-tui vacuum TABLE``: delete the files that no current version references."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from pointline_tui.cli.options import (
    Subparsers,
    UsageError,
    add_partition_options,
    add_root_options,
    check_range,
    lake_reader,
    lake_root,
    selected_partitions,
    table_entry,
)
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.formatting import count, human_bytes
from pointline_tui.storage.limits import RETENTION_HOURS
from pointline_tui.storage.models import RetentionError
from pointline_tui.text import one_line

NAME = "vacuum"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``vacuum TABLE``, its retention, dry-run, partition and output options, the root's."""
    parser = subparsers.add_parser(NAME, help="delete files no current version references")
    parser.add_argument("table", metavar="TABLE")
    parser.add_argument(
        "--retention-hours",
        type=int,
        default=168,
        metavar="H",
        help=f"keep files removed less than H hours ago (168; {RETENTION_HOURS.range_text})",
    )
    parser.add_argument("--dry-run", action="store_true", help="list the files only")
    parser.add_argument(
        "--force-retention", action="store_true", help="allow a retention below the minimum"
    )
    add_partition_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_root_options(parser)


def run(args: argparse.Namespace) -> int:
    """Vacuum the table (or list what would go, ``--dry-run``) and print the files.

    Raises:
        UsageError: no lake, a missing table, a bad option, no matching partition, or a
            retention below the table's minimum without ``--force-retention``.
        OperationFailed: the table cannot be read.
    """
    from pointline_tui.lake.catalog import LakeCatalog, open_delta
    from pointline_tui.storage.delta import DeltaEventStore
    from pointline_tui.storage.delta.layout import table_path

    silver_root = lake_root(args)
    store = DeltaEventStore(silver_root)
    table_path(silver_root, args.table)  # the stores' name rule, dry run or not
    check_range(RETENTION_HOURS, args.retention_hours, "--retention-hours")
    partitions = None
    if args.exchange is not None or args.date is not None:
        reader = lake_reader(args, on_load=store.adopt)  # one log read: the vacuum starts there
        table_entry(reader, args.table)
        stats = selected_partitions(reader, args)
        partitions = [(ex, day) for ex, day in stats.select("exchange", "trading_date").iter_rows()]
    else:  # no statistics wanted: the load that proves the table reads is the vacuum's

        def open_for_store(name: str, path: Path) -> object:
            store.adopt(name, table := open_delta(name, path))
            return table

        table_entry(LakeCatalog(silver_root, opener=open_for_store), args.table)
    try:
        report = store.vacuum_table(
            args.table,
            retention_hours=args.retention_hours,
            dry_run=args.dry_run,
            enforce_retention=not args.force_retention,
            partitions=partitions,
        )
    except RetentionError as err:
        reason = str(err).removesuffix(" (override the check to go ahead)")
        raise UsageError(f"{reason}; pass --force-retention to go ahead") from err
    verb = "would remove" if report.dry_run else "removed"
    lines = [f"{args.table}/{one_line(path)}" for path in report.removed_files]
    scope = "whole table" if partitions is None else f"{len(partitions)} partition(s)"
    lines.append(
        f"{verb} {count(report.files_removed)} files, {human_bytes(report.bytes_freed)} "
        f"({scope}, retention {report.retention_hours} h)"
    )
    emit(args, jsonable(asdict(report)), lines)
    return 0
