"""The console: parse the app's arguments, find the lake (or build the demo one), run the app."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pointline_tui import __version__
from pointline_tui.cli.options import add_root_options, cache_folder, resolve_silver_root

if TYPE_CHECKING:
    from pointline_tui.app import PointlineApp


def run(argv: Sequence[str], *, subcommands: Sequence[str]) -> int:
    """Run the console on the lake that ``argv`` names, or on a demo lake; return the exit code.

    Args:
        argv: the arguments after ``pointline-tui``, which do not start with a subcommand.
        subcommands: the subcommands' names, for the help.

    Raises:
        UsageError: nothing names a lake, or the folder is missing or unreadable.
    """
    args = _parser(subcommands).parse_args(argv)
    if args.demo:
        return _run_demo(read_only=args.read_only)
    root = resolve_silver_root(args.silver_root_arg, args.silver_root, args.root)
    app = console_app(root, read_only=args.read_only, cache_folder=cache_folder(args, root))
    app.run()
    return app.return_code or 0  # Textual sets 1 when the app stopped on an exception


def console_app(root: Path, *, read_only: bool, cache_folder: Path | None) -> PointlineApp:
    """The console over the (checked) lake at ``root``, as the command line opens it.

    The delta-rs loads the cache cannot spare begin first (``HeadStart``): they need not wait
    for the app's imports.
    """
    from pointline_tui.lake.head_start import HeadStart

    head_start = HeadStart(root, cache_folder)
    from pointline_tui.app import build_app  # after the checks: a bad root fails fast

    return build_app(root, read_only=read_only, cache_folder=cache_folder, head_start=head_start)


def _parser(subcommands: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pointline-tui",
        description="Console for a pointline silver lake (Delta tables). "
        f"Subcommands: {', '.join(subcommands)} (pointline-tui SUBCOMMAND --help).",
    )
    parser.add_argument(
        "silver_root_arg",
        nargs="?",
        type=Path,
        metavar="SILVER_ROOT",
        help="the silver lake folder",
    )
    add_root_options(parser, verbose=False)
    parser.add_argument("--demo", action="store_true", help="build a demo lake and open it")
    parser.add_argument("--read-only", action="store_true", help="offer and allow no writes")
    parser.add_argument("--version", action="version", version=f"pointline-tui {__version__}")
    return parser


def _run_demo(*, read_only: bool) -> int:
    """Build a demo lake in a temporary folder, open it, and remove it however the run ends.

    It uses no statistics cache: the lake is gone after the run, so would be its cache files.

    Ctrl+C, SIGTERM or a dropped session while the lake is being built ends the build (the
    signal is raised as ``KeyboardInterrupt``) and still removes the folder.
    """
    folder = Path(tempfile.mkdtemp(prefix="pointline-demo-"))
    previous = {sig: signal.signal(sig, _interrupt) for sig in _BUILD_SIGNALS}
    try:
        print(f"Building the demo lake in {folder} ...", file=sys.stderr)
        from pointline_tui.app import build_app
        from pointline_tui.demo import build_demo_lake

        build_demo_lake(folder / "silver")
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # the app handles them from here
        app = build_app(folder / "silver", read_only=read_only)
        app.run()  # a dropped SSH session ends it normally too: see PointlineApp.on_mount
        return app.return_code or 0
    except KeyboardInterrupt:
        print("pointline-tui: interrupted; the demo lake was removed", file=sys.stderr)
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(folder, ignore_errors=True)


_BUILD_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
