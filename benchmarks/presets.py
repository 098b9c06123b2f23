"""What a benchmark run builds: the presets' sizes and the lakes, built in a process apart."""

from __future__ import annotations

import compileall
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.lakes import (
    FIRST_DAY,
    TradesShape,
    append_commits,
    build_trades,
    build_validation_log,
    link_copy,
)
from benchmarks.measure import REPO

HOT = ("okx", FIRST_DAY)
HOT_2 = ("bybit", FIRST_DAY)


@dataclass(frozen=True, slots=True, kw_only=True)
class Preset:
    """The sizes of the data a run builds."""

    trades: TradesShape
    hot_files: int = 64
    hot_rows: int = 38_000
    """Rows per hot file: about 1.5 MB each (96 MB a partition: one bin at 128 MB)."""
    vacuum_partitions: int = 500
    vacuum_appends: int = 10
    quarantine_rows: int = 5_000_000
    quarantine_files: int = 50
    deep_offset: int = 1_000_000
    """The offset of the deep filtered page (within the rule's matches)."""


DEFAULT = Preset(
    trades=TradesShape(exchanges=4, dates=50, appends=20),
    quarantine_rows=5_000_000,
    deep_offset=1_000_000,
)
LARGE = Preset(
    trades=TradesShape(exchanges=4, dates=500, appends=100),
    quarantine_rows=20_000_000,
    quarantine_files=200,
    deep_offset=4_000_000,
)


@dataclass(frozen=True, slots=True)
class Lakes:
    """Silver roots: ``one`` (trades), ``two`` (trades and a copy), ``hot`` (two hot
    partitions of big files), ``vacuum`` (5,000 tombstones), ``quarantine`` (a big log)."""

    one: Path
    two: Path
    hot: Path
    vacuum: Path
    quarantine: Path


def lakes_under(root: Path) -> Lakes:
    return Lakes(*(root / n for n in ("one", "two", "hot", "vacuum", "quarantine")))


def build_apart(root: Path, preset: Preset) -> Lakes:
    """``build`` in a process of its own, so this one stays small.

    A child's peak RSS (``wait4``) starts from its parent's at the fork: a parent grown by
    building 20 M rows would be counted in every process measured after.
    """
    builder = multiprocessing.get_context("spawn").Process(target=build, args=(root, preset))
    builder.start()
    builder.join()
    if builder.exitcode != 0:
        raise SystemExit(f"building the lakes failed (exit code {builder.exitcode})")
    return lakes_under(root)


def compile_package() -> None:
    """Write the package's bytecode, as installing it does (an editable install does not)."""
    compileall.compile_dir(REPO / "pointline_tui", quiet=1)


def build(root: Path, preset: Preset) -> Lakes:
    """Build (or reuse, when already there) every lake of ``preset`` under ``root``."""
    lakes = lakes_under(root)

    def step(target: Path, what: str, make: Callable[[], None]) -> None:
        if target.exists():
            return
        started = time.perf_counter()
        make()
        print(f"built {what} in {time.perf_counter() - started:.0f} s", flush=True)

    shape = preset.trades
    step(
        lakes.one / "trades",
        f"trades ({shape.files:,} files)",
        lambda: build_trades(lakes.one / "trades", shape, progress=True),
    )

    def two() -> None:
        link_copy(lakes.one / "trades", lakes.two / "trades")
        link_copy(lakes.one / "trades", lakes.two / "trades_archive")

    step(lakes.two, "a lake of two such tables (linked copies)", two)
    step(
        lakes.hot / "trades",
        f"2 hot partitions x {preset.hot_files} files of {preset.hot_rows:,} rows",
        lambda: append_commits(
            lakes.hot / "trades", [HOT, HOT_2], preset.hot_files, preset.hot_rows, noisy=True
        ),
    )

    def vacuum() -> None:
        keys = TradesShape(exchanges=1, dates=preset.vacuum_partitions, appends=1).partitions()
        append_commits(lakes.vacuum / "trades", keys, preset.vacuum_appends, 20)
        from deltalake import DeltaTable

        DeltaTable(str(lakes.vacuum / "trades")).optimize.compact()  # every file tombstoned

    files = preset.vacuum_partitions * preset.vacuum_appends
    step(lakes.vacuum / "trades", f"a table with {files:,} tombstones", vacuum)
    step(
        lakes.quarantine / "validation_log",
        f"a {preset.quarantine_rows:,}-row validation_log",
        lambda: build_validation_log(
            lakes.quarantine / "validation_log", preset.quarantine_rows, preset.quarantine_files
        ),
    )
    return lakes
