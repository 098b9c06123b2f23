"""Entry point ``pointline-tui``: a subcommand by its name, otherwise the console."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pointline_tui.cli import (
    check,
    checkpoint,
    clean_log,
    compact,
    console,
    demo,
    diff,
    reconcile,
    remove_orphans,
    restore,
    stats,
    vacuum,
)
from pointline_tui.cli.options import Subcommand, UsageError, run_subcommand

SUBCOMMANDS: tuple[Subcommand, ...] = (
    demo,
    stats,
    check,
    compact,
    vacuum,
    remove_orphans,
    checkpoint,
    clean_log,
    diff,
    restore,
    reconcile,
)
"""Every subcommand, in the order of the usage line: a module of this package (``Subcommand``)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pointline-tui`` and return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    names = [subcommand.NAME for subcommand in SUBCOMMANDS]
    try:
        if args and args[0] in names:
            return run_subcommand(SUBCOMMANDS, args)
        return console.run(args, subcommands=names)
    except UsageError as err:
        print(f"pointline-tui: {err}", file=sys.stderr)
        return 2
