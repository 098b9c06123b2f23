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
        UsageError: the path exists and is not an empty folder, or cannot be written.
    """
    from pointline_tui.demo import build_demo_lake

    if args.path.exists() and not args.path.is_dir():
        raise UsageError(f"{args.path} is not a folder; pick a new or empty folder")
    try:
        path = build_demo_lake(args.path)
    except FileExistsError as err:
        raise UsageError(f"{err}; pick a new or empty folder") from err
    except (NotADirectoryError, PermissionError, FileNotFoundError) as err:
        raise UsageError(
            f"{args.path}: cannot create the demo lake there ({err.strerror})"
        ) from err
    print(f"built the demo lake in {path}; open it with: pointline-tui {path}")
    return 0
