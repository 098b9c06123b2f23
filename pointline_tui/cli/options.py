"""The command line's shared pieces: lake and table options, their resolution, exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeAlias

from pointline_tui.storage.models import StorageError, UnknownTableError
from pointline_tui.text import full_error, short_error

if TYPE_CHECKING:  # the lake layer loads polars and deltalake: only once a subcommand runs
    import polars as pl
    from deltalake import DeltaTable

    from pointline_tui.lake.catalog import LakeCatalog, TableEntry
    from pointline_tui.lake.reader import LakeReader
    from pointline_tui.lake.stats_cache import StatsCache
    from pointline_tui.storage.limits import Limit

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``add_subparsers`` returns: each subcommand adds its own parser to it."""


class UsageError(Exception):
    """Bad arguments or a lake that cannot be opened: exit code 2."""


class OperationFailed(Exception):
    """The operation ran and failed: exit code 1."""


class Subcommand(Protocol):
    """A module of ``pointline_tui.cli`` that is one subcommand.

    Importing it must stay cheap: it imports the lake and storage layers (polars, deltalake)
    inside ``run``, or for type checking only, so that ``--help`` and the console start fast.
    """

    NAME: str
    """The word after ``pointline-tui`` that selects it."""

    def add_parser(self, subparsers: Subparsers) -> None:
        """Add its parser, named ``NAME``, to the subcommands' ``subparsers``."""

    def run(self, args: argparse.Namespace) -> int:
        """Run it on its parsed arguments: the result on stdout, and the exit code.

        Raises:
            UsageError: bad arguments, a missing lake or table (exit code 2).
            OperationFailed: the operation ran and failed (exit code 1).
        """


def run_subcommand(subcommands: Sequence[Subcommand], argv: Sequence[str]) -> int:
    """Parse ``argv``, run the subcommand it names and return the exit code.

    An unknown table is a usage error; a failed operation, a storage error or an OS error
    prints its reason on stderr and returns 1.

    Args:
        subcommands: every subcommand, in the order of the usage line.
        argv: the arguments after ``pointline-tui``, a subcommand's name first.

    Raises:
        UsageError: bad arguments, a missing lake or table (exit code 2).
    """
    parser = argparse.ArgumentParser(prog="pointline-tui", exit_on_error=False)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for subcommand in subcommands:
        subcommand.add_parser(subparsers)
    try:
        args = parser.parse_args(list(argv))
    except argparse.ArgumentError as err:
        raise UsageError(str(err)) from err
    except SystemExit as exit_:  # --help, or argparse's own usage errors
        return int(exit_.code or 0)
    run = {subcommand.NAME: subcommand.run for subcommand in subcommands}[args.command]
    try:
        return run(args)
    except UnknownTableError as err:
        raise UsageError(str(err)) from err
    except (OperationFailed, StorageError, OSError) as err:
        print(f"pointline-tui {args.command}: {short_error(err)}", file=sys.stderr)
        if getattr(args, "verbose", False):
            print(full_error(err), file=sys.stderr)
        return 1


def add_root_options(parser: argparse.ArgumentParser, *, verbose: bool = True) -> None:
    """Add the options that name the lake, the cache's (``cache_from_args``) and ``--verbose``.

    ``--silver-root`` and ``--root`` name the lake; ``--cache-dir`` and ``--no-cache`` choose
    where tables' statistics are kept between runs.
    """
    parser.add_argument("--silver-root", type=Path, metavar="PATH", help="the silver lake folder")
    parser.add_argument("--root", type=Path, help="a pointline root; the lake is ROOT/silver")
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="keep tables' statistics here between runs, never inside the lake "
        "(default: $XDG_CACHE_HOME/pointline-tui, else ~/.cache/pointline-tui)",
    )
    cache.add_argument(
        "--no-cache", action="store_true", help="read every table's log, keep nothing"
    )
    if verbose:
        parser.add_argument(
            "--verbose", action="store_true", help="on failure, print every error in full too"
        )


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


def lake_reader(
    args: argparse.Namespace,
    *,
    on_load: Callable[[str, DeltaTable, pl.DataFrame], None] | None = None,
) -> LakeReader:
    """A reader of the lake that the root options (or the environment) name.

    ``on_load``: see ``LakeReader``.

    Raises:
        UsageError: nothing names a lake, or the folder is missing or unreadable.
    """
    silver_root = lake_root(args)
    from pointline_tui.lake.reader import LakeReader

    return LakeReader(silver_root, cache=cache_from_args(args, silver_root), on_load=on_load)


def lake_root(args: argparse.Namespace) -> Path:
    """The silver root that the root options (or the environment) name.

    Raises:
        UsageError: nothing names a lake, or the folder is missing or unreadable.
    """
    try:
        return resolve_silver_root(None, args.silver_root, args.root, for_app=False)
    except UsageError as err:
        table = getattr(args, "table", None)
        if table is not None and Path(table).is_dir():
            raise UsageError(
                f"{err}; {table!r} is a folder, not a table name: to open it as the lake, "
                f"pass --silver-root {table}"
            ) from err
        raise


def cache_from_args(args: argparse.Namespace, silver_root: Path) -> StatsCache | None:
    """The statistics cache that ``--cache-dir`` and ``--no-cache`` ask for.

    Raises:
        UsageError: the cache folder is inside the lake (or is its root).
    """
    folder = cache_folder(args, silver_root)
    if folder is None:
        return None
    from pointline_tui.lake.stats_cache import StatsCache

    return StatsCache(folder)


def cache_folder(args: argparse.Namespace, silver_root: Path) -> Path | None:
    """The cache folder ``--cache-dir`` and ``--no-cache`` ask for (``None``: no cache).

    ``--no-cache``: none; ``--cache-dir DIR``: DIR; else the user's cache folder
    (``$XDG_CACHE_HOME/pointline-tui``, else ``~/.cache/pointline-tui``).

    Raises:
        UsageError: the cache folder is inside the lake (or is its root).
    """
    if args.no_cache:
        return None
    from pointline_tui.lake.cache_files import default_cache_folder
    from pointline_tui.storage.delta.layout import inside

    folder = default_cache_folder() if args.cache_dir is None else args.cache_dir.absolute()
    if inside(folder, silver_root):
        option = "--cache-dir" if args.cache_dir is not None else "the user cache folder"
        raise UsageError(
            f"{option} {folder} is inside the lake {silver_root}: the cache is never kept in "
            "the lake; pass --cache-dir with a folder outside it, or --no-cache"
        )
    return folder


def table_entry(
    reader: LakeReader | LakeCatalog, table: str, *, damaged_ok: bool = False
) -> TableEntry:
    """The catalog entry of ``table``, from the reader or (without polars) a catalog.

    Raises:
        UsageError: no such folder, or one that is not a Delta table (exit code 2).
        OperationFailed: a Delta table whose log does not load (exit code 1), unless
            ``damaged_ok``.
    """
    from pointline_tui.storage.delta.check import check_table

    entry = reader.entry(table)
    if entry is not None:
        if entry.state == "damaged" and not damaged_ok:
            findings = check_table(reader.silver_root, table)  # what stops the load, by name
            errors = [f for f in findings if f.severity == "error"]
            reason = errors[0].message.removeprefix(f"{table}: ") if errors else entry.reason
            raise OperationFailed(f"table {table!r} cannot be read: {reason}")
        if entry.state not in ("delta", "damaged"):
            reason = entry.reason or "an empty folder"
            raise UsageError(f"{table!r} in {reader.silver_root} is not a table: {reason}")
        return entry
    raise UsageError(f"no table {table!r} in {reader.silver_root}")


def check_range(limit: Limit, value: float, option: str) -> None:
    """Refuse an option's value outside its documented range, before anything is opened.

    Raises:
        UsageError: naming the option, the value and the range (exit code 2).
    """
    if not limit.minimum <= value <= limit.maximum:
        raise UsageError(f"{option} must be from {limit.range_text}, got {value:,}")


def add_partition_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--exchange`` and ``--date``, which narrow a table to some partitions."""
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


def selected_partitions(reader: LakeReader, args: argparse.Namespace) -> pl.DataFrame:
    """The partition statistics of ``args.table`` narrowed to ``--exchange`` and ``--date``.

    Raises:
        UsageError: the table is not partitioned but the options ask for partitions, or no
            partition matches them.
    """
    stats = reader.partition_stats(args.table)
    if args.exchange is None and args.date is None:
        return stats
    if not reader.partitioned(args.table):
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
