"""``pointline-tui compact TABLE``: plan, then rewrite the partitions the plan does not skip."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pointline_tui.cli.options import (
    OperationFailed,
    Subparsers,
    add_partition_options,
    add_root_options,
    check_range,
    lake_reader,
    lake_root,
    selected_partitions,
    table_entry,
)
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.formatting import count, files, human_bytes, partition_name
from pointline_tui.storage.limits import TARGET_SIZE_MB
from pointline_tui.text import one_line

if TYPE_CHECKING:
    from pointline_tui.lake.plan import CompactionPlan

NAME = "compact"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``compact TABLE``, its partition, size, dry-run and output options, and the root's."""
    parser = subparsers.add_parser(NAME, help="compact a table's partitions")
    parser.add_argument("table", metavar="TABLE")
    add_partition_options(parser)
    parser.add_argument(
        "--target-size-mb",
        type=int,
        default=128,
        metavar="N",
        help=f"file size to aim for (128; {TARGET_SIZE_MB.range_text})",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan only")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_root_options(parser)


def run(args: argparse.Namespace) -> int:
    """Print the plan (``--dry-run``) or compact as planned and print the report.

    Raises:
        UsageError: no lake, a missing table, a bad option or no matching partition.
        OperationFailed: the table cannot be read, or a partition failed (the others finish).
    """
    from pointline_tui.maintenance import compact_each
    from pointline_tui.storage.delta import DeltaEventStore
    from pointline_tui.storage.delta.check import refuse_on_errors
    from pointline_tui.storage.delta.layout import table_path

    store = DeltaEventStore(lake_root(args))
    # The table delta-rs loads to plan is the one the compaction starts from: one log read.
    reader = lake_reader(args, on_load=None if args.dry_run else store.adopt)
    table_path(reader.silver_root, args.table)  # the stores' name rule, dry run or not
    table_entry(reader, args.table)
    check_range(TARGET_SIZE_MB, args.target_size_mb, "--target-size-mb")
    if not args.dry_run:  # one clear refusal, not one per partition
        refuse_on_errors(args.table, reader.health(args.table, scan_files=False))
    stats = selected_partitions(reader, args)
    keys = [(ex, day) for ex, day in stats.select("exchange", "trading_date").iter_rows()]
    plan = reader.plan_compaction(args.table, keys, target_size_mb=args.target_size_mb)
    if args.dry_run:
        emit(args, jsonable(asdict(plan)), _plan_lines(args.table, plan))
        return 0
    if not reader.partitioned(args.table):
        report = store.compact_partitions(args.table, target_size_mb=args.target_size_mb)
        emit(args, jsonable(asdict(report)), [_report_line(args.table, asdict(report))])
        return 0
    # As in the console: only the partitions the plan does not skip are rewritten.
    todo = [
        (p.exchange, p.trading_date)
        for p in plan.partitions
        if not p.skipped and p.exchange is not None and p.trading_date is not None
    ]
    skipped = [p for p in plan.partitions if p.skipped]
    compaction = compact_each(store, args.table, todo, target_size_mb=args.target_size_mb)
    done = [p for p in compaction.partitions if p.state == "done"]
    payload = {
        "table_name": compaction.table_name,
        "partitions_processed": len(done),
        "files_before": compaction.total("files_before"),
        "files_after": compaction.total("files_after"),
        "bytes_before": compaction.total("bytes_before"),
        "bytes_after": compaction.total("bytes_after"),
        "partitions": [asdict(p) for p in compaction.partitions],
        "failed": compaction.count("failed"),
        "skipped": [
            {"exchange": p.exchange, "trading_date": p.trading_date, "reason": p.skip_reason}
            for p in skipped
        ],
    }
    lines = [
        _report_line(partition_name(p.exchange, p.trading_date), asdict(p))
        if p.state == "done"
        else f"{partition_name(p.exchange, p.trading_date)}: {p.state.upper()} "
        f"{one_line(p.error or '')}".rstrip()
        for p in compaction.partitions
    ]
    lines += [
        f"{partition_name(p.exchange, p.trading_date)}: skip ({p.skip_reason})" for p in skipped
    ]
    lines.append(_report_line("total", payload))
    emit(args, jsonable(payload), lines)
    if compaction.count("failed"):
        raise OperationFailed(f"{compaction.count('failed')} of {len(todo)} partitions failed")
    return 0


def _plan_lines(table: str, plan: CompactionPlan) -> list[str]:
    lines = []
    for p in plan.partitions:
        where = partition_name(p.exchange, p.trading_date)
        if p.skipped:
            lines.append(f"{where}: skip ({p.skip_reason})")
        else:
            lines.append(
                f"{where}: {count(p.files)} files ({count(p.small_files)} small), "
                f"{human_bytes(p.bytes)} -> ~{files(p.expected_files)}"
            )
    lines.append(
        f"{table}: {plan.to_compact} to compact, {plan.skipped} skipped; "
        f"{files(plan.files)} -> ~{count(plan.expected_files)} at {plan.target_size_mb} MB"
    )
    return lines


def _report_line(label: str, figures: dict[str, Any]) -> str:
    return (
        f"{label}: {count(figures['files_before'])} -> {count(figures['files_after'])} files, "
        f"{human_bytes(figures['bytes_before'])} -> {human_bytes(figures['bytes_after'])}"
    )
