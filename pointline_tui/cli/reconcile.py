"""``pointline-tui reconcile``: does the lake hold the rows its manifest says, once?"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING

from pointline_tui.cli.options import Subparsers, UsageError, add_root_options, lake_reader
from pointline_tui.cli.output import emit, jsonable
from pointline_tui.formatting import count
from pointline_tui.text import one_line

if TYPE_CHECKING:
    from pointline_tui.lake.reconcile import ReconcileFinding, Reconciliation

NAME = "reconcile"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``reconcile [--table T] [--status S] [--json]`` and the root options."""
    parser = subparsers.add_parser(
        NAME, help="compare manifest row counts with the rows each file_id has in the lake"
    )
    parser.add_argument("--table", metavar="T", help="only this event table")
    parser.add_argument(
        "--status", metavar="S", help="only entries with this status (pending, success, ...)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array of findings")
    add_root_options(parser)


def run(args: argparse.Namespace) -> int:
    """Print the findings, by table; exit 1 when there is any.

    Raises:
        UsageError: no lake, a table that is not an event table of the lake, an unknown
            status.
    """
    from pointline_tui.lake.reconcile import reconcile
    from pointline_tui.storage.schemas import EVENT_TABLES, MANIFEST_STATUSES

    if args.status is not None and args.status not in MANIFEST_STATUSES:
        raise UsageError(
            f"unknown status {args.status!r}; statuses: {', '.join(MANIFEST_STATUSES)}"
        )
    if args.table is not None and args.table not in EVENT_TABLES:
        raise UsageError(
            f"{args.table!r} is not an event table; event tables: {', '.join(EVENT_TABLES)}"
        )
    root = lake_reader(args).silver_root
    if args.table is not None and not (root / args.table).is_dir():
        raise UsageError(f"no table {args.table!r} in {root}")
    result = reconcile(root, table=args.table, status=args.status)
    emit(args, [jsonable(asdict(f)) for f in result.findings], _lines(result))
    return 1 if result.findings else 0


def _lines(result: Reconciliation) -> list[str]:
    tables = list(result.tables)
    tables += sorted({f.table for f in result.findings} - set(tables))
    lines = []
    for table in tables:
        mine = [f for f in result.findings if f.table == table]
        lines.append(f"{table}: {_tally(mine) or 'ok'}")
        lines.extend(f"  {_line(f)}" for f in mine)
    lines.append(
        f"reconciled {count(result.entries)} manifest entries against "
        f"{count(result.rows)} rows in {len(result.tables)} table(s): "
        f"{_tally(result.findings) or 'nothing found'}"
    )
    return lines


def _line(finding: ReconcileFinding) -> str:
    file = "no file_id" if finding.file_id is None else f"file {finding.file_id}"
    status = f" ({finding.status})" if finding.status is not None else ""
    return f"{finding.kind}  {file}{status}: {one_line(finding.message)}"


def _tally(findings: list[ReconcileFinding] | tuple[ReconcileFinding, ...]) -> str:
    if not findings:
        return ""
    from pointline_tui.lake.reconcile import KINDS

    kinds = Counter(f.kind for f in findings)
    each = ", ".join(f"{kinds[kind]} {kind}" for kind in KINDS if kinds[kind])
    return f"{len(findings)} finding{'' if len(findings) == 1 else 's'} ({each})"
