"""``pointline-tui diff TABLE FROM TO``: two versions of a table compared per partition."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pointline_tui.cli.options import (
    Subparsers,
    UsageError,
    add_root_options,
    lake_reader,
    table_entry,
)
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.formatting import count, human_bytes, partition_name
from pointline_tui.text import one_line

if TYPE_CHECKING:
    from pointline_tui.lake.versions import PartitionDiff, SchemaChange, VersionDiff

NAME = "diff"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``diff TABLE FROM TO [--json]`` and the root options."""
    parser = subparsers.add_parser(
        NAME, help="compare two versions of a table per partition (files, bytes, rows)"
    )
    parser.add_argument("table", metavar="TABLE")
    parser.add_argument("from_version", type=int, metavar="FROM", help="the older version")
    parser.add_argument("to_version", type=int, metavar="TO", help="the newer version")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_root_options(parser)


def run(args: argparse.Namespace) -> int:
    """Print the partitions whose files differ between the versions, and schema changes.

    Differences are the result, not a failure: the exit code is 0 whatever they are.

    Raises:
        UsageError: no lake, a missing table, or a version the table does not have.
    """
    from pointline_tui.lake.versions import version_diff
    from pointline_tui.storage.delta.restore import VersionNotFoundError

    reader = lake_reader(args)
    entry = table_entry(reader, args.table)
    try:
        diff = version_diff(entry.path, args.from_version, args.to_version)
    except VersionNotFoundError as err:
        raise UsageError(str(err)) from err
    emit(args, diff_json(diff), diff_lines(diff))
    return 0


def diff_json(diff: VersionDiff) -> dict[str, Any]:
    """The ``--json`` object: original values, one object per partition that differs."""
    return {
        "table": diff.table,
        "from_version": diff.from_version,
        "to_version": diff.to_version,
        "schema_changes": [schema_json(change) for change in diff.schema_changes],
        "partitions": [partition_json(part) for part in diff.partitions],
    }


def schema_json(change: SchemaChange) -> dict[str, Any]:
    """One schema change as JSON."""
    return {
        "column": change.column,
        "change": change.change,
        "from": change.before,
        "to": change.after,
    }


def partition_json(part: PartitionDiff) -> dict[str, Any]:
    """One partition's difference as JSON (``trading_date`` null for unpartitioned tables)."""
    payload: dict[str, Any] = jsonable(
        {
            "exchange": part.exchange,
            "trading_date": part.trading_date,
            "files_from": part.files_from,
            "files_to": part.files_to,
            "bytes_from": part.bytes_from,
            "bytes_to": part.bytes_to,
            "rows_from": part.rows_from,
            "rows_to": part.rows_to,
        }
    )
    return payload


def diff_lines(diff: VersionDiff) -> list[str]:
    """The diff for people: one line per partition, then schema changes and a summary."""
    lines = [f"{one_line(diff.table)}: version {diff.from_version} -> {diff.to_version}"]
    lines += [partition_line(part, diff) for part in diff.partitions]
    lines += [f"schema: {one_line(change.summary)}" for change in diff.schema_changes]
    lines.append(
        f"{count(len(diff.partitions))} partition(s) differ, {count(diff.unchanged)} unchanged"
        + (f", {len(diff.schema_changes)} schema change(s)" if diff.schema_changes else "")
    )
    return lines


def partition_line(part: PartitionDiff, diff: VersionDiff) -> str:
    """``okx/2024-05-01  files 6 -> 1  bytes 52.2 KiB -> 19.1 KiB  rows 658 -> 658``."""
    if part.files_from == 0:
        state = f" (only in version {diff.to_version})"
    elif part.files_to == 0:
        state = f" (only in version {diff.from_version})"
    else:
        state = ""
    return (
        f"{partition_name(part.exchange, part.trading_date)}  "
        f"files {count(part.files_from)} -> {count(part.files_to)}  "
        f"bytes {human_bytes(part.bytes_from)} -> {human_bytes(part.bytes_to)}  "
        f"rows {count(part.rows_from)} -> {count(part.rows_to)}{state}"
    )
