"""``pointline-tui clean-log TABLE``: remove the log files past the log retention."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from pointline_tui.cli.checkpoint import add_log_parser, log_store
from pointline_tui.cli.options import Subparsers
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.formatting import files, human_bytes, utc_time
from pointline_tui.text import one_line

NAME = "clean-log"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``clean-log TABLE [--dry-run] [--json]`` and the root options."""
    add_log_parser(
        subparsers,
        NAME,
        "remove a table's log files older than its log retention that no retained version "
        "needs (recorded in its history)",
        dry_run="list the files only",
    )


def run(args: argparse.Namespace) -> int:
    """Clean up the table's log (or list what would go, ``--dry-run``) and print the files.

    Raises:
        UsageError: no lake, or a missing table.
        OperationFailed: the table cannot be read.
    """
    report = log_store(args).clean_log(args.table, dry_run=args.dry_run)
    name = one_line(args.table)
    lines = [f"{name}/_delta_log/{one_line(file)}" for file in report.removed_files]
    verb = "would remove" if report.dry_run else "removed"
    kept = (
        "no checkpoint is old enough to read the retained versions from"
        if report.keep_from is None
        else f"retained versions are read from checkpoint {report.keep_from}"
    )
    lines.append(
        f"{verb} {files(report.files_removed)}, {human_bytes(report.bytes_freed)} "
        f"(older than {utc_time(report.cutoff)} UTC; {kept}; oldest version "
        f"{report.oldest_version_before} -> {report.oldest_version_after})"
    )
    emit(args, jsonable(asdict(report)), lines)
    return 0
