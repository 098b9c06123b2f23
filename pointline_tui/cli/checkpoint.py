"""``pointline-tui checkpoint TABLE``: write a checkpoint so readers stop replaying commits."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING

from pointline_tui.cli.options import Subparsers, add_root_options, lake_reader, table_entry
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.text import one_line

if TYPE_CHECKING:
    from pointline_tui.storage.delta.log_maintenance import DeltaLogMaintenance

NAME = "checkpoint"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``checkpoint TABLE [--dry-run] [--json]`` and the root options."""
    add_log_parser(
        subparsers,
        NAME,
        "write a checkpoint of a table's latest version (recorded in its history)",
        dry_run="say what it would write only",
    )


def add_log_parser(subparsers: Subparsers, name: str, what: str, *, dry_run: str) -> None:
    """Add a log maintenance subcommand: ``NAME TABLE [--dry-run] [--json]``, root options."""
    parser = subparsers.add_parser(name, help=what)
    parser.add_argument("table", metavar="TABLE")
    parser.add_argument("--dry-run", action="store_true", help=dry_run)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_root_options(parser)


def log_store(args: argparse.Namespace) -> DeltaLogMaintenance:
    """The log maintenance of the lake the options name, once ``args.table`` is a table.

    Raises:
        UsageError: no lake, or a missing table.
        OperationFailed: the table cannot be read.
    """
    from pointline_tui.storage.delta.layout import table_path
    from pointline_tui.storage.delta.log_maintenance import DeltaLogMaintenance

    reader = lake_reader(args)
    table_path(reader.silver_root, args.table)  # the stores' name rule, dry run or not
    table_entry(reader, args.table)
    return DeltaLogMaintenance(reader.silver_root)


def run(args: argparse.Namespace) -> int:
    """Checkpoint the table (or plan it, ``--dry-run``) and print the report.

    Raises:
        UsageError: no lake, or a missing table.
        OperationFailed: the table cannot be read.
    """
    report = log_store(args).checkpoint(args.table, dry_run=args.dry_run)
    name = one_line(args.table)
    if not report.needed:
        line = f"{name}: version {report.version} has a checkpoint already; nothing to do"
    elif report.dry_run:
        line = (
            f"{name}: would record a CHECKPOINT commit on version {report.version} and "
            f"checkpoint it ({report.live_files:,} files; readers replay "
            f"{report.commits_since_checkpoint:,} commits now, none after)"
        )
    else:
        line = (
            f"{name}: checkpoint written at version {report.checkpoint_version} "
            f"({report.live_files:,} files; {report.commits_since_checkpoint:,} commits no "
            "longer replayed)"
        )
    emit(args, jsonable(asdict(report)), [line])
    return 0
