"""``python -m benchmarks``: every row of the performance table, product against baseline.

Builds its lakes under a temporary folder (or ``--root``, kept and reused), then runs each row
``--repeat`` times as alternating pairs (product, baseline, then baseline, product, ...) and
prints median, min-max and the ratio of the medians (product / baseline: below x1.00 the
product is faster or smaller). See benchmarks/README.md for what each row measures.

    python -m benchmarks [--large] [--repeat N] [--root DIR] [--only KEY ...] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from benchmarks import snippets
from benchmarks.lakes import FIRST_DAY, TradesShape, link_copy
from benchmarks.measure import REPO, Row, Sample, alternate, markdown, reported, spawn
from benchmarks.presets import (
    DEFAULT,
    HOT,
    HOT_2,
    LARGE,
    Lakes,
    Preset,
    build_apart,
    compile_package,
)

CLI = [sys.executable, "-m", "pointline_tui"]
PROBE = [sys.executable, str(REPO / "benchmarks" / "probe.py")]
KEYS = (
    "stats", "stats-two", "stats-again", "paint", "overview", "overview-again", "refresh", "rss",
    "compact", "compact-polars", "compact-two", "compact-big", "vacuum", "page", "page-deep",
    "page-turn",
)  # fmt: skip
"""The rows, in the order they run (``--only`` takes these)."""
# -- the sides of the rows ----------------------------------------------------------------------


def stats(root: Path, cache: Path, *, fresh: bool) -> Callable[[], Sample]:
    """``pointline-tui stats trades --json``, with an empty (``fresh``) or a warm cache."""

    def run() -> Sample:
        if fresh:
            shutil.rmtree(cache, ignore_errors=True)
        argv = [*CLI, "stats", "trades", "--json", "--silver-root", str(root)]
        return spawn([*argv, "--cache-dir", str(cache)])[0]

    return run


def plain_stats(table: Path) -> Callable[[], Sample]:
    return lambda: spawn([sys.executable, "-c", snippets.STATS, str(table)])[0]


def probe(mode: str, root: Path, cache: Path, *, fresh: bool = False) -> Callable[[], Sample]:
    """A console run headless to a state (``benchmarks/probe.py``)."""

    def run() -> Sample:
        if fresh:
            shutil.rmtree(cache, ignore_errors=True)
        return reported([*PROBE, mode, str(root), str(cache), repr(time.time())])

    return run


def timed_snippet(code: str, *args: str) -> Callable[[], Sample]:
    """A baseline that times itself from its spawn (``snippets``)."""
    return lambda: reported([sys.executable, "-c", code, *args, repr(time.time())])


def on_copy(source: Path, work: Path, run: Callable[[Path], Sample]) -> Callable[[], Sample]:
    """``run`` on a fresh linked copy of the lake ``source`` (made before, not timed)."""

    def step() -> Sample:
        shutil.rmtree(work, ignore_errors=True)
        link_copy(source / "trades", work / "trades")
        try:
            return run(work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    return step


def compact(*partitions: tuple[str, date]) -> Callable[[Path], Sample]:
    """``pointline-tui compact trades`` of ``partitions`` (one date, one or more exchanges)."""

    def run(root: Path) -> Sample:
        argv = [*CLI, "compact", "trades", "--silver-root", str(root), "--no-cache"]
        argv += ["--date", partitions[0][1].isoformat()]
        if len(partitions) == 1:
            argv += ["--exchange", partitions[0][0]]
        return spawn(argv)[0]

    return run


def optimize(part: tuple[str, date]) -> Callable[[Path], Sample]:
    def run(root: Path) -> Sample:
        args = [str(root / "trades"), part[0], part[1].isoformat()]
        return spawn([sys.executable, "-c", snippets.OPTIMIZE, *args])[0]

    return run


def read_and_write(part: tuple[str, date]) -> Callable[[Path], Sample]:
    def run(root: Path) -> Sample:
        folder = root / "trades" / f"exchange={part[0]}" / f"trading_date={part[1].isoformat()}"
        return spawn([sys.executable, "-c", snippets.READ_AND_WRITE, str(folder), str(root / "x")])[
            0
        ]

    return run


def vacuum(root: Path) -> Sample:
    argv = [*CLI, "vacuum", "trades", "--retention-hours", "0", "--force-retention"]
    return spawn([*argv, "--silver-root", str(root), "--no-cache"])[0]


def plain_vacuum(root: Path) -> Sample:
    return spawn([sys.executable, "-c", snippets.VACUUM, str(root / "trades")])[0]


def page(kind: str, root: Path, offset: int) -> Callable[[], Sample]:
    bench = str(REPO / "benchmarks")
    code = snippets.QUARANTINE_PAGE
    return lambda: reported(
        [sys.executable, "-c", code, bench, kind, str(root), str(offset), "crossed_book"]
    )


# -- the rows -----------------------------------------------------------------------------------


def rows(
    lakes: Lakes, work: Path, preset: Preset
) -> dict[str, tuple[Row, Callable[[], Sample], Callable[[], Sample]]]:
    """Every row by key: the row, its product and its baseline."""
    cache, cache2 = work / "cache", work / "cache-two"
    warm_cache = work / "cache-warm"
    stats(lakes.one, warm_cache, fresh=True)()  # filled once: the later opens read it
    probe("overview", lakes.one, warm_cache)()
    refresh_lake = work / "refresh"
    if not refresh_lake.exists():
        link_copy(lakes.one / "trades", refresh_lake / "trades")
    refresh_cache = work / "cache-refresh"
    copy = work / "copy"
    files = preset.trades.files
    one_table = f"{files:,}-file trades"
    q_rows = f"{preset.quarantine_rows:,}-row log"
    return {
        "stats": (
            Row(
                f"`stats trades --json`, {one_table}",
                "open + `get_add_actions` + group_by",
                "≤ 1.3",
                "process, empty cache",
            ),
            stats(lakes.one, cache, fresh=True),
            plain_stats(lakes.one / "trades"),
        ),
        "stats-two": (
            Row(
                "the same, lake with a second such table",
                "lake with one table",
                "≤ 1.05",
                "process, empty cache",
            ),
            stats(lakes.two, cache2, fresh=True),
            stats(lakes.one, cache, fresh=True),
        ),
        "stats-again": (
            Row(
                "second `stats` right after the first",
                "first run (empty cache)",
                "≤ 0.1 (10x faster)",
                "process",
            ),
            stats(lakes.one, warm_cache, fresh=False),
            stats(lakes.one, cache, fresh=True),
        ),
        "paint": (
            Row(
                "console first paint (tree lists the tables)",
                "stock Textual app (Tree + DataTable) mounted",
                "≤ 1.1",
                "process: spawn to screen state, headless 80x24",
            ),
            probe("first-paint", lakes.one, warm_cache),
            probe("stock", lakes.one, warm_cache),
        ),
        "overview": (
            Row(
                "console overview with figures, first open (empty cache)",
                "process: open + group_by every table",
                "≤ 1.05",
                "process: spawn to the figures and log checks shown",
            ),
            probe("overview", lakes.one, cache, fresh=True),
            timed_snippet(snippets.OPEN_AND_GROUP, str(lakes.one)),
        ),
        "overview-again": (
            Row(
                "console overview, later open of the unchanged lake",
                "process: open + group_by every table",
                "< 0.5 s",
                "process: spawn to the figures and log checks shown",
            ),
            probe("overview", lakes.one, warm_cache),
            timed_snippet(snippets.OPEN_AND_GROUP, str(lakes.one)),
        ),
        "refresh": (
            Row(
                "`r` after a one-file append, list updated",
                "`update_incremental` + group_by",
                "< 0.2 s",
                "in-app: key to the partition list counting the file",
            ),
            probe("refresh", refresh_lake, refresh_cache),
            lambda: reported(
                [
                    sys.executable,
                    "-c",
                    snippets.REFRESH,
                    str(refresh_lake / "trades"),
                    snippets.APPEND,
                    str(REPO),
                ]
            ),
        ),
        "rss": (
            Row(
                "console RSS with the table open (warm cache)",
                "delta-rs holding table + add actions",
                "< 400 MiB",
                "process peak RSS (VmHWM)",
                memory=True,
            ),
            probe("table-open", lakes.one, warm_cache),
            timed_snippet(snippets.HOLD_TABLE, str(lakes.one / "trades")),
        ),
        "compact": (
            Row(
                f"compact one hot partition ({preset.hot_files} x 1.5 MB)",
                "delta-rs optimize, same filter",
                "≤ 1.05",
                "process, fresh copy each run",
            ),
            on_copy(lakes.hot, copy, compact(HOT)),
            on_copy(lakes.hot, copy, optimize(HOT)),
        ),
        "compact-polars": (
            Row(
                "the same", "polars read + one zstd write", "≤ 1.3", "process, fresh copy each run"
            ),
            on_copy(lakes.hot, copy, compact(HOT)),
            on_copy(lakes.hot, copy, read_and_write(HOT)),
        ),
        "compact-two": (
            Row(
                "two partitions in one call",
                "one partition",
                "≤ 1.2 on 2 cores",
                "process, fresh copy each run",
            ),
            on_copy(lakes.hot, copy, compact(HOT, HOT_2)),
            on_copy(lakes.hot, copy, compact(HOT)),
        ),
        "compact-big": (
            Row(
                f"compact one partition inside the {one_table} table",
                "delta-rs optimize, same filter",
                "≤ 1.1",
                "process, fresh copy each run",
            ),
            on_copy(lakes.one, copy, compact(("binance", FIRST_DAY))),
            on_copy(lakes.one, copy, optimize(("binance", FIRST_DAY))),
        ),
        "vacuum": (
            Row(
                f"vacuum {preset.vacuum_partitions * preset.vacuum_appends:,} tombstones",
                "delta-rs vacuum",
                "≤ 1.1",
                "process, fresh copy each run",
            ),
            on_copy(lakes.vacuum, copy, vacuum),
            on_copy(lakes.vacuum, copy, plain_vacuum),
        ),
        "page": (
            Row(
                f"filtered 100-row quarantine page, {q_rows}, first page",
                "`read_delta` + filter + slice",
                "< 0.3 s, < 250 MiB",
                "in-process (own process), view made before",
            ),
            page("view", lakes.quarantine, 0),
            page("baseline", lakes.quarantine, 0),
        ),
        "page-deep": (
            Row(
                f"the same, a deep page (offset {preset.deep_offset:,}), new filter",
                "`read_delta` + filter + slice",
                "< 0.3 s",
                "in-process (own process): counts the filter's matches first",
            ),
            page("view", lakes.quarantine, preset.deep_offset),
            page("baseline", lakes.quarantine, preset.deep_offset),
        ),
        "page-turn": (
            Row(
                "the same deep page, filter counted (a page turn)",
                "`read_delta` + filter + slice",
                "< 0.3 s",
                "in-process (own process)",
            ),
            page("turn", lakes.quarantine, preset.deep_offset),
            page("baseline", lakes.quarantine, preset.deep_offset),
        ),
    }


def machine() -> str:
    import deltalake
    import polars
    import textual

    cores = os.cpu_count()
    try:
        mem = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.split()[7]
    except (OSError, IndexError):
        mem = "?"
    return (
        f"{cores} cores, {mem} GiB; Python {platform.python_version()}, deltalake "
        f"{deltalake.__version__}, polars {polars.__version__}, textual {textual.__version__}; "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--large", action="store_true", help="the 200,000-file trades table")
    parser.add_argument("--repeat", type=int, default=5, help="pairs per row (default 5)")
    parser.add_argument("--root", type=Path, help="build into (and reuse) this folder")
    parser.add_argument("--only", nargs="*", help="run only these rows (keys: see --list)")
    parser.add_argument("--list", action="store_true", help="list the rows' keys")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--exchanges", type=int, help="trades: exchanges")
    parser.add_argument("--dates", type=int, help="trades: dates per exchange")
    parser.add_argument("--appends", type=int, help="trades: append commits (files per partition)")
    args = parser.parse_args()
    preset = LARGE if args.large else DEFAULT
    shape = preset.trades
    shape = TradesShape(
        exchanges=args.exchanges or shape.exchanges,
        dates=args.dates or shape.dates,
        appends=args.appends or shape.appends,
    )
    preset = Preset(
        **{**{f: getattr(preset, f) for f in preset.__dataclass_fields__}, "trades": shape}
    )
    with tempfile.TemporaryDirectory(prefix="pointline-bench-") as tmp:
        root = args.root or Path(tmp) / "data"
        if args.list:
            print("\n".join(KEYS))
            return
        lakes = build_apart(root, preset)
        compile_package()
        table = rows(lakes, Path(tmp), preset)
        assert tuple(table) == KEYS, tuple(table)
        done = []
        for key, (row, product, baseline) in table.items():
            if args.only and key not in args.only:
                continue
            started = time.perf_counter()
            try:
                alternate(row, product, baseline, args.repeat)
            except RuntimeError as err:  # one row failing leaves the others to run
                row.note = f"failed: {str(err).splitlines()[0]}"
            done.append(row)
            took = time.perf_counter() - started
            print(f"  {key} ({took:.0f} s): {markdown([row]).splitlines()[-1]}", flush=True)
        text = (
            f"Machine: {machine()}.\n"
            f"Each row: median of {args.repeat} alternating pairs (min-max); ratio = product / "
            "baseline of the same run.\n\n" + markdown(done)
        )
        print(text)
        if args.markdown:
            args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
