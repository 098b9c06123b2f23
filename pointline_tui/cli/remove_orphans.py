"""``pointline-tui remove-orphans TABLE``: free the files no version of the log names."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from pointline_tui.cli.options import (
    Subparsers,
    add_root_options,
    check_range,
    lake_reader,
    table_entry,
)
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.formatting import count, files, human_bytes
from pointline_tui.storage.limits import ORPHAN_MIN_AGE_HOURS
from pointline_tui.text import one_line

NAME = "remove-orphans"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``remove-orphans TABLE [--min-age-hours H] [--dry-run] [--json]``."""
    parser = subparsers.add_parser(
        NAME, help="delete files no version references (killed writes and compactions)"
    )
    parser.add_argument("table", metavar="TABLE")
    parser.add_argument(
        "--min-age-hours",
        type=float,
        default=24,
        metavar="H",
        help="leave files younger than H hours, which may be writes in flight "
        f"(24; {ORPHAN_MIN_AGE_HOURS.range_text})",
    )
    parser.add_argument("--dry-run", action="store_true", help="list the files only")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_root_options(parser)


def run(args: argparse.Namespace) -> int:
    """Delete the table's old orphans (or list them, ``--dry-run``) and print them.

    Raises:
        UsageError: no lake, a missing table or a bad option.
    """
    from pointline_tui.storage.delta import DeltaEventStore

    reader = lake_reader(args)
    check_range(ORPHAN_MIN_AGE_HOURS, args.min_age_hours, "--min-age-hours")
    table_entry(reader, args.table)
    report = DeltaEventStore(reader.silver_root).remove_orphans(
        args.table, min_age_hours=args.min_age_hours, dry_run=args.dry_run
    )
    verb = "would remove" if report.dry_run else "removed"
    lines = [f"{one_line(args.table)}/{one_line(path)}" for path in report.removed_files]
    lines.append(
        f"{verb} {files(report.files_removed)}, {human_bytes(report.bytes_freed)}"
        + (
            f"; left {count(report.too_young)} younger than {report.min_age_hours:g} h"
            if report.too_young
            else ""
        )
    )
    emit(args, jsonable(asdict(report)), lines)
    return 0
