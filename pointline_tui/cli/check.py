"""``pointline-tui check [TABLE]``: diagnose the lake's tables (logs, files, containment)."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING

from pointline_tui.cli.options import Subparsers, UsageError, add_root_options, lake_reader
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.formatting import human_bytes
from pointline_tui.text import one_line

if TYPE_CHECKING:
    from pointline_tui.storage.models import Finding

NAME = "check"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``check [TABLE] [--deep] [--json]`` and the root options."""
    parser = subparsers.add_parser(
        NAME, help="diagnose tables: damaged logs, missing or orphaned files, links out"
    )
    parser.add_argument("table", nargs="?", metavar="TABLE", help="one table (default: all)")
    parser.add_argument(
        "--deep", action="store_true", help="also read every data file's parquet footer"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array of findings")
    add_root_options(parser)


def run(args: argparse.Namespace) -> int:
    """Print the findings of every table (or ``TABLE``); exit 1 when any is an error.

    Raises:
        UsageError: no lake, or no folder ``TABLE`` in it.
    """
    from pointline_tui.lake.catalog import table_dir
    from pointline_tui.storage.delta.check import check_table

    reader = lake_reader(args)
    if args.table is not None:
        path = table_dir(reader.silver_root, args.table)
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"no table {args.table!r} in {reader.silver_root}")
        names = [args.table]
    else:
        names = [entry.name for entry in reader.catalog(open_tables=False)]
    findings = [f for name in names for f in check_table(reader.silver_root, name, deep=args.deep)]
    emit(args, [jsonable(asdict(f)) for f in findings], _lines(names, findings))
    return 1 if any(f.severity == "error" for f in findings) else 0


def _lines(names: list[str], findings: list[Finding]) -> list[str]:
    lines = []
    for name in names:
        mine = [f for f in findings if f.table == name]
        lines.append(f"{one_line(name)}: {_tally(mine) or 'ok'}")
        for f in mine:
            size = f" ({human_bytes(f.bytes)})" if f.bytes is not None else ""
            lines.append(f"  {f.severity:<7} {f.kind}{size}: {one_line(f.message)}")
    lines.append(f"checked {len(names)} table(s): {_tally(findings) or 'nothing found'}")
    return lines


def _tally(findings: list[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    return ", ".join(
        f"{counts[s]} {s}{'' if counts[s] == 1 else 's'}"
        for s in ("error", "warning", "info")
        if counts[s]
    )
