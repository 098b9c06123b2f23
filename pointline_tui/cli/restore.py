"""``pointline-tui restore TABLE``: take a table back to an earlier version, plan first."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pointline_tui.cli.diff import diff_lines, partition_json, schema_json
from pointline_tui.cli.options import (
    OperationFailed,
    Subparsers,
    UsageError,
    add_root_options,
    lake_reader,
    table_entry,
)
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.formatting import files, human_bytes, utc_time
from pointline_tui.text import one_line

if TYPE_CHECKING:
    from pointline_tui.lake.versions import VersionDiff
    from pointline_tui.storage.delta.restore import RestorePlan, RestoreReport

NAME = "restore"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``restore TABLE (--version N | --timestamp ISO) [--dry-run] [--json]``."""
    parser = subparsers.add_parser(
        NAME, help="restore a table to an earlier version (delta-rs restore, audited)"
    )
    parser.add_argument("table", metavar="TABLE")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--version", type=int, metavar="N", help="the version to restore")
    target.add_argument(
        "--timestamp",
        type=_timestamp,
        metavar="ISO",
        help="restore the newest version committed at or before this time "
        "(ISO 8601; UTC unless it names a zone)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show the plan only: what would change"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_root_options(parser)


def run(args: argparse.Namespace) -> int:
    """Plan the restore, print it, and (unless ``--dry-run``) commit it.

    Raises:
        UsageError: no lake, a missing table, or a version (or time) the table does not have.
        OperationFailed: files of the target version are gone (a dry run).
    """
    from pointline_tui.lake.versions import version_diff
    from pointline_tui.storage.delta.restore import (
        DeltaTableRestorer,
        VersionNotFoundError,
        version_at,
    )

    reader = lake_reader(args)
    entry = table_entry(reader, args.table)
    restorer = DeltaTableRestorer(reader.silver_root)
    try:
        target = args.version if args.timestamp is None else version_at(entry.path, args.timestamp)
        plan = restorer.plan_restore(args.table, target)
    except VersionNotFoundError as err:
        raise UsageError(str(err)) from err
    diff = version_diff(entry.path, plan.current_version, plan.target_version)
    if args.dry_run:
        emit(args, _json(plan, diff, None), _plan_lines(plan, diff))
        if plan.missing:
            raise OperationFailed(_missing(plan))
        return 0
    report = restorer.restore_table(
        args.table, plan.target_version, expected_version=plan.current_version
    )
    lines = _plan_lines(plan, diff) + [
        f"restored {one_line(args.table)} to version {report.target_version}: committed "
        f"version {report.version} ({files(report.files_restored)} back, "
        f"{files(report.files_removed)} removed)"
    ]
    emit(args, _json(plan, diff, report), lines)
    return 0


def _plan_lines(plan: RestorePlan, diff: VersionDiff) -> list[str]:
    when = "" if plan.target_timestamp is None else f" ({utc_time(plan.target_timestamp)})"
    lines = [
        f"plan: {one_line(plan.table_name)} from version {plan.current_version} to version "
        f"{plan.target_version}{when}"
    ]
    lines += diff_lines(diff)[1:]
    lines += [
        f"back: {one_line(plan.table_name)}/{one_line(f.path)} ({human_bytes(f.size_bytes)}, "
        f"{'on disk' if f.on_disk else 'MISSING'})"
        for f in plan.returning
    ]
    back = sum(f.size_bytes for f in plan.returning)
    lines.append(
        f"{files(len(plan.returning))} come back ({human_bytes(back)}), "
        f"{files(plan.files_removed)} leave ({human_bytes(plan.bytes_removed)})"
    )
    if plan.missing:
        lines.append(_missing(plan))
    else:
        lines.append("every file of the target version is on disk")
    return lines


def _missing(plan: RestorePlan) -> str:
    return (
        f"version {plan.target_version} cannot be restored: {files(len(plan.missing))} of it "
        f"are gone (vacuumed?), first: {one_line(plan.missing[0])}"
    )


def _json(plan: RestorePlan, diff: VersionDiff, report: RestoreReport | None) -> dict[str, Any]:
    payload: dict[str, Any] = jsonable(
        {
            "table": plan.table_name,
            "from_version": plan.current_version,
            "target_version": plan.target_version,
            "target_timestamp": None
            if plan.target_timestamp is None
            else plan.target_timestamp.isoformat(),
            "dry_run": report is None,
            "version": None if report is None else report.version,
            "files_restored": len(plan.returning) if report is None else report.files_restored,
            "files_removed": plan.files_removed if report is None else report.files_removed,
            "returning_files": [asdict(f) for f in plan.returning],
            "missing_files": list(plan.missing),
            "schema_changes": [schema_json(change) for change in diff.schema_changes],
            "partitions": [partition_json(part) for part in diff.partitions],
        }
    )
    return payload


def _timestamp(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
