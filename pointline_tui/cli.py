"""Entry point ``pointline-tui``: find the lake, then run the console or a subcommand."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pointline_tui import __version__

SUBCOMMANDS = ("demo", "stats", "compact", "vacuum")


class UsageError(Exception):
    """Bad arguments or a lake that cannot be opened: exit code 2."""


def _add_root_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--silver-root", type=Path, metavar="PATH", help="the silver lake folder")
    parser.add_argument("--root", type=Path, help="a pointline root; the lake is ROOT/silver")


def resolve_silver_root(
    positional: Path | None,
    silver_root: Path | None,
    root: Path | None,
    *,
    for_app: bool = True,
) -> Path:
    """The lake folder: argument, ``--silver-root``, ``--root``/silver, then the environment.

    ``for_app`` words the "no lake given" message for the app (which also takes a positional
    SILVER_ROOT and ``--demo``) or for a subcommand.

    Raises:
        UsageError: nothing names a lake, or the folder is missing or unreadable.
    """
    env = os.environ
    if positional is not None or silver_root is not None:
        path = positional if positional is not None else silver_root
    elif root is not None:
        path = root / "silver"
    elif env.get("POINTLINE_SILVER_ROOT"):
        path = Path(env["POINTLINE_SILVER_ROOT"])
    elif env.get("POINTLINE_ROOT"):
        path = Path(env["POINTLINE_ROOT"]) / "silver"
    else:
        options = "SILVER_ROOT, --silver-root or --root" if for_app else "--silver-root or --root"
        raise UsageError(
            f"no lake given: pass {options}, or set POINTLINE_SILVER_ROOT or POINTLINE_ROOT"
            + (" (or try --demo)" if for_app else "")
        )
    assert path is not None
    from pointline_tui.lake.catalog import check_root
    from pointline_tui.lake.errors import LakeRootError

    try:
        check_root(path)
    except LakeRootError as err:
        raise UsageError(str(err)) from err
    return path


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pointline-tui",
        description="Console for a pointline silver lake (Delta tables). "
        f"Subcommands: {', '.join(SUBCOMMANDS)} (pointline-tui SUBCOMMAND --help).",
    )
    parser.add_argument(
        "silver_root_arg",
        nargs="?",
        type=Path,
        metavar="SILVER_ROOT",
        help="the silver lake folder",
    )
    _add_root_options(parser)
    parser.add_argument("--demo", action="store_true", help="build a demo lake and open it")
    parser.add_argument("--read-only", action="store_true", help="offer and allow no writes")
    parser.add_argument("--version", action="version", version=f"pointline-tui {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pointline-tui`` and return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            from pointline_tui.subcommands import run_subcommand

            return run_subcommand(args)
        return _run_app(_app_parser().parse_args(args))
    except UsageError as err:
        print(f"pointline-tui: {err}", file=sys.stderr)
        return 2


def _run_app(args: argparse.Namespace) -> int:
    if args.demo:
        return _run_demo(read_only=args.read_only)
    root = resolve_silver_root(args.silver_root_arg, args.silver_root, args.root)
    from pointline_tui.app import build_app  # after the checks: a bad root fails fast

    app = build_app(root, read_only=args.read_only)
    app.run()
    return app.return_code or 0  # Textual sets 1 when the app stopped on an exception


def _run_demo(*, read_only: bool) -> int:
    from pointline_tui.app import build_app
    from pointline_tui.demo import build_demo_lake

    folder = Path(tempfile.mkdtemp(prefix="pointline-demo-"))
    print(f"Building the demo lake in {folder} ...", file=sys.stderr)
    try:
        build_demo_lake(folder / "silver")
        app = build_app(folder / "silver", read_only=read_only)
        app.run()  # a dropped SSH session ends it normally too: see PointlineApp.on_mount
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return app.return_code or 0
