"""``pointline-tui demo PATH``: build the demo lake in a new or empty folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from pointline_tui.cli.options import Subparsers, UsageError

NAME = "demo"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``demo PATH``."""
    parser = subparsers.add_parser(NAME, help="build the demo lake at PATH")
    parser.add_argument("path", type=Path, metavar="PATH", help="a new or empty folder")


def run(args: argparse.Namespace) -> int:
    """Build the demo lake at ``args.path`` and say how to open it.

    Raises:
        UsageError: the folder exists and is not empty.
    """
    from pointline_tui.demo import build_demo_lake

    try:
        path = build_demo_lake(args.path)
    except FileExistsError as err:
        raise UsageError(f"{err}; pick a new or empty folder") from err
    print(f"built the demo lake in {path}; open it with: pointline-tui {path}")
    return 0
