"""``pointline-tui check [TABLE]``: diagnose the lake's tables and what their upkeep needs.

Integrity findings (logs, files, containment) come from ``storage.delta.check``; a sound
table then gets its maintenance findings (``lake.health``: warnings and infos, each naming
what to do and the command or key that does it). Only an ``error`` finding exits 1.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING

from pointline_tui.cli.options import (
    Subparsers,
    UsageError,
    add_root_options,
    check_range,
    lake_reader,
)
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.formatting import human_bytes
from pointline_tui.storage.limits import PENDING_AGE_HOURS
from pointline_tui.text import one_line

if TYPE_CHECKING:
    from pointline_tui.lake.reader import LakeReader
    from pointline_tui.storage.models import Finding, Severity

NAME = "check"
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


def add_parser(subparsers: Subparsers) -> None:
    """Add ``check [TABLE] [--deep] [--severity S] [--pending-hours H] [--json]``."""
    parser = subparsers.add_parser(
        NAME,
        help="diagnose tables: damaged logs, missing or orphaned files, links out, and "
        "maintenance (small files, vacuum, log length, manifest, dim_symbol)",
    )
    parser.add_argument("table", nargs="?", metavar="TABLE", help="one table (default: all)")
    parser.add_argument(
        "--deep", action="store_true", help="also read every data file's parquet footer"
    )
    parser.add_argument(
        "--severity",
        choices=SEVERITIES,
        default="info",
        help="show findings of this severity and worse (info: all; error: damage only)",
    )
    parser.add_argument(
        "--pending-hours",
        type=int,
        default=24,
        metavar="H",
        help="report manifest entries pending for longer than H hours "
        f"(24; {PENDING_AGE_HOURS.range_text})",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array of findings")
    add_root_options(parser)


def run(args: argparse.Namespace) -> int:
    """Print the findings of every table (or ``TABLE``); exit 1 when any is an error.

    Raises:
        UsageError: no lake, no folder ``TABLE`` in it, or a bad ``--pending-hours``.
    """
    from pointline_tui.lake.catalog import table_dir
    from pointline_tui.lake.health import lake_health
    from pointline_tui.storage.delta.check import check_table

    reader = lake_reader(args)
    check_range(PENDING_AGE_HOURS, args.pending_hours, "--pending-hours")
    if args.table is not None:
        path = table_dir(reader.silver_root, args.table)
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"no table {args.table!r} in {reader.silver_root}")
        names = [args.table]
    else:
        names = [entry.name for entry in reader.catalog(open_tables=False)]
    integrity = {name: check_table(reader.silver_root, name, deep=args.deep) for name in names}
    sound = [
        name
        for name, found in integrity.items()
        if not any(f.severity == "error" for f in found) and _is_delta(reader, name)
    ]
    # Maintenance findings are never errors: "--severity error" needs none of them.
    wanted = sound if args.severity != "error" else []
    upkeep = lake_health(reader, wanted, pending_hours=args.pending_hours) if wanted else None
    findings = [f for name in names for f in integrity[name]]
    findings += [] if upkeep is None else list(upkeep.findings)
    failed = any(f.severity == "error" for f in findings)
    worst = SEVERITIES.index(args.severity)
    shown = [f for f in findings if SEVERITIES.index(f.severity) <= worst]
    emit(args, [jsonable(asdict(f)) for f in shown], _lines(names, shown))
    return 1 if failed else 0


def _is_delta(reader: LakeReader, name: str) -> bool:
    entry = reader.entry(name)
    return entry is not None and entry.state == "delta"


def _lines(names: list[str], findings: list[Finding]) -> list[str]:
    lines = []
    for name in names:
        mine = [f for f in findings if f.table == name]
        lines.append(f"{one_line(name)}: {_tally(mine) or 'ok'}")
        for f in sorted(mine, key=lambda f: SEVERITIES.index(f.severity)):
            size = f" ({human_bytes(f.bytes)})" if f.bytes is not None else ""
            does = f" → {one_line(f.command)}" if f.command else ""
            does += f" (console key {one_line(f.key)})" if f.key else ""
            lines.append(f"  {f.severity:<7} {f.kind}{size}: {one_line(f.message)}{does}")
    lines.append(f"checked {len(names)} table(s): {_tally(findings) or 'nothing found'}")
    return lines


def _tally(findings: list[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    return ", ".join(
        f"{counts[s]} {s}{'' if counts[s] == 1 else 's'}" for s in SEVERITIES if counts[s]
    )
