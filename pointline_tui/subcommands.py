"""Non-interactive subcommands (stats, compact, vacuum, demo): the app's code paths, for scripts.

Exit codes: 0 success, 1 a failed operation, 2 bad arguments or a missing table.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from pointline_tui.cli import UsageError, _add_root_options, resolve_silver_root
from pointline_tui.formatting import count, files, human_bytes, iso_date
from pointline_tui.lake.catalog import TableEntry
from pointline_tui.lake.plan import CompactionPlan
from pointline_tui.lake.reader import LakeReader
from pointline_tui.maintenance import compact_each
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.layout import table_path
from pointline_tui.storage.models import RetentionError, StorageError, UnknownTableError


class OperationFailed(Exception):
    """The operation ran and failed: exit code 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pointline-tui", exit_on_error=False)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the demo lake at PATH")
    demo.add_argument("path", type=Path, metavar="PATH", help="a new or empty folder")

    stats = sub.add_parser("stats", help="per-partition file statistics")
    stats.add_argument("table", nargs="?", metavar="TABLE", help="one table (default: all)")
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _add_root_options(stats)

    compact = sub.add_parser("compact", help="compact a table's partitions")
    compact.add_argument("table", metavar="TABLE")
    _add_partition_options(compact)
    compact.add_argument(
        "--target-size-mb", type=int, default=128, metavar="N", help="file size to aim for (128)"
    )
    compact.add_argument("--dry-run", action="store_true", help="print the plan only")
    compact.add_argument("--json", action="store_true", help="print JSON instead of text")
    _add_root_options(compact)

    vacuum = sub.add_parser("vacuum", help="delete files no current version references")
    vacuum.add_argument("table", metavar="TABLE")
    vacuum.add_argument(
        "--retention-hours",
        type=int,
        default=168,
        metavar="H",
        help="keep files removed less than H hours ago (168)",
    )
    vacuum.add_argument("--dry-run", action="store_true", help="list the files only")
    vacuum.add_argument(
        "--force-retention", action="store_true", help="allow a retention below the minimum"
    )
    _add_partition_options(vacuum)
    vacuum.add_argument("--json", action="store_true", help="print JSON instead of text")
    _add_root_options(vacuum)
    return parser


def _add_partition_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exchange", metavar="X", help="only this exchange's partitions")
    parser.add_argument(
        "--date",
        type=_trading_date,
        metavar="YYYY-MM-DD",
        help="only this trading date's partitions",
    )


def _trading_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def run_subcommand(argv: Sequence[str]) -> int:
    """Run one subcommand; print its result on stdout and any reason on stderr."""
    try:
        args = _parser().parse_args(list(argv))
    except argparse.ArgumentError as err:
        raise UsageError(str(err)) from err
    except SystemExit as exit_:  # --help, or argparse's own usage errors
        return int(exit_.code or 0)
    try:
        if args.command == "demo":
            from pointline_tui.demo import build_demo_lake

            try:
                path = build_demo_lake(args.path)
            except FileExistsError as err:
                raise UsageError(f"{err}; pick a new or empty folder") from err
            print(f"built the demo lake in {path}; open it with: pointline-tui {path}")
            return 0
        silver_root = resolve_silver_root(None, args.silver_root, args.root, for_app=False)
        reader = LakeReader(silver_root)
        command = {"stats": _stats, "compact": _compact, "vacuum": _vacuum}[args.command]
        return command(reader, args)
    except UnknownTableError as err:
        raise UsageError(str(err)) from err
    except RetentionError as err:
        reason = str(err).removesuffix(" (override the check to go ahead)")
        raise UsageError(f"{reason}; pass --force-retention to go ahead") from err
    except (OperationFailed, StorageError, OSError) as err:
        print(f"pointline-tui {args.command}: {err}", file=sys.stderr)
        return 1


def _entry(reader: LakeReader, table: str, *, damaged_ok: bool = False) -> TableEntry:
    """The catalog entry of ``table``.

    Raises:
        UsageError: no such folder, or one that is not a Delta table (exit code 2).
        OperationFailed: a Delta table whose log does not load (exit code 1), unless
            ``damaged_ok``.
    """
    for entry in reader.catalog():
        if entry.name == table:
            if entry.state == "damaged" and not damaged_ok:
                raise OperationFailed(f"table {table!r} cannot be read: {entry.reason}")
            if entry.state not in ("delta", "damaged"):
                reason = entry.reason or "an empty folder"
                raise UsageError(f"{table!r} in {reader.silver_root} is not a table: {reason}")
            return entry
    raise UsageError(f"no table {table!r} in {reader.silver_root}")


def _stats(reader: LakeReader, args: argparse.Namespace) -> int:
    entries = (
        [_entry(reader, args.table, damaged_ok=True)] if args.table else list(reader.catalog())
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
        _print_table(
            ["table", "exchange", "date", "files", "small", "bytes", "rows", "hot"],
            [
                [
                    r["table"],
                    r["exchange"] or "-",
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
                print(f"{r['table']}: cannot read: {r['error']}")
    # A named table that cannot be read is a failed operation; in a listing it is one row.
    return 1 if args.table and any("error" in r for r in records) else 0


def _selected(reader: LakeReader, args: argparse.Namespace) -> pl.DataFrame:
    """The table's partition statistics narrowed to ``--exchange`` and ``--date``."""
    stats = reader.partition_stats(args.table)
    if args.exchange is None and args.date is None:
        return stats
    if not _partitioned(stats):
        raise UsageError(f"table {args.table!r} is not partitioned by exchange and date")
    wanted = []
    if args.exchange is not None:
        stats = stats.filter(exchange=args.exchange)
        wanted.append(f"--exchange {args.exchange}")
    if args.date is not None:
        stats = stats.filter(trading_date=args.date)
        wanted.append(f"--date {args.date.isoformat()}")
    if stats.is_empty():
        raise UsageError(f"no partition of {args.table!r} matches {' '.join(wanted)}")
    return stats


def _partitioned(stats: pl.DataFrame) -> bool:
    return stats.get_column("exchange").null_count() < stats.height or stats.is_empty()


def _compact(reader: LakeReader, args: argparse.Namespace) -> int:
    table_path(reader.silver_root, args.table)  # the stores' name rule, dry run or not
    _entry(reader, args.table)
    if args.target_size_mb < 1:
        raise UsageError(f"--target-size-mb must be at least 1, got {args.target_size_mb}")
    stats = _selected(reader, args)
    keys = [(ex, day) for ex, day in stats.select("exchange", "trading_date").iter_rows()]
    plan = reader.plan_compaction(args.table, keys, target_size_mb=args.target_size_mb)
    if args.dry_run:
        _emit(args, _jsonable(asdict(plan)), _plan_lines(args.table, plan))
        return 0
    store = DeltaEventStore(reader.silver_root)
    if not _partitioned(stats):
        report = store.compact_partitions(args.table, target_size_mb=args.target_size_mb)
        _emit(args, _jsonable(asdict(report)), [_report_line(args.table, asdict(report))])
        return 0
    # As in the console: only the partitions the plan does not skip are rewritten.
    todo = [(p.exchange, p.trading_date) for p in plan.partitions if not p.skipped]
    skipped = [p for p in plan.partitions if p.skipped]
    run = compact_each(store, args.table, todo, target_size_mb=args.target_size_mb)  # type: ignore[arg-type]
    done = [p for p in run.partitions if p.state == "done"]
    payload = {
        "table_name": run.table_name,
        "partitions_processed": len(done),
        "files_before": run.total("files_before"),
        "files_after": run.total("files_after"),
        "bytes_before": run.total("bytes_before"),
        "bytes_after": run.total("bytes_after"),
        "partitions": [asdict(p) for p in run.partitions],
        "failed": run.count("failed"),
        "skipped": [
            {"exchange": p.exchange, "trading_date": p.trading_date, "reason": p.skip_reason}
            for p in skipped
        ],
    }
    lines = [
        _report_line(f"{p.exchange}/{p.trading_date}", asdict(p))
        if p.state == "done"
        else f"{p.exchange}/{p.trading_date}: {p.state.upper()} {p.error or ''}".rstrip()
        for p in run.partitions
    ]
    lines += [f"{p.exchange}/{iso_date(p.trading_date)}: skip ({p.skip_reason})" for p in skipped]
    lines.append(_report_line("total", payload))
    _emit(args, _jsonable(payload), lines)
    if run.count("failed"):
        raise OperationFailed(f"{run.count('failed')} of {len(todo)} partitions failed")
    return 0


def _vacuum(reader: LakeReader, args: argparse.Namespace) -> int:
    table_path(reader.silver_root, args.table)  # the stores' name rule, dry run or not
    _entry(reader, args.table)
    if args.retention_hours < 0:
        raise UsageError(f"--retention-hours must not be negative, got {args.retention_hours}")
    partitions = None
    if args.exchange is not None or args.date is not None:
        stats = _selected(reader, args)
        partitions = [(ex, day) for ex, day in stats.select("exchange", "trading_date").iter_rows()]
    report = DeltaEventStore(reader.silver_root).vacuum_table(
        args.table,
        retention_hours=args.retention_hours,
        dry_run=args.dry_run,
        enforce_retention=not args.force_retention,
        partitions=partitions,
    )
    verb = "would remove" if report.dry_run else "removed"
    lines = [f"{args.table}/{path}" for path in report.removed_files]
    scope = "whole table" if partitions is None else f"{len(partitions)} partition(s)"
    lines.append(
        f"{verb} {count(report.files_removed)} files, {human_bytes(report.bytes_freed)} "
        f"({scope}, retention {report.retention_hours} h)"
    )
    _emit(args, _jsonable(asdict(report)), lines)
    return 0


def _plan_lines(table: str, plan: CompactionPlan) -> list[str]:
    lines = []
    for p in plan.partitions:
        where = f"{p.exchange}/{iso_date(p.trading_date)}"
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


def _emit(args: argparse.Namespace, payload: Any, lines: list[str]) -> None:
    print(json.dumps(payload, indent=2) if args.json else "\n".join(lines))


def _jsonable(value: Any) -> Any:
    """Dates and datetimes as ISO strings, tuples as lists, for ``json.dumps``."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
