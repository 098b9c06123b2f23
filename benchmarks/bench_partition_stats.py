"""Time and peak memory of LakeReader's partition statistics against plain delta-rs + polars.

Builds a trades table of many small files (``--files`` over ``--partitions`` partitions, one
append commit spanning every partition at a time, as ingestion in bulk writes them) in a
temporary silver root, then measures, each in its own subprocess and ``--repeat`` times
(median reported):

(a) cold ``LakeReader(root).partition_stats("trades")`` against
    ``DeltaTable(path).get_add_actions(flatten=True)`` and the same polars aggregation;
(b) after one more append (one file, one partition), ``refresh()`` + ``partition_stats`` of
    a warm reader against reopening ``DeltaTable(path)`` + the aggregation (and, for reference,
    plain ``update_incremental()`` on a warm ``DeltaTable`` + the aggregation);
(c) first paint: cold ``catalog()`` against listing the root + opening each Delta table, and
    cold ``lake_overview()`` against opening + aggregating each table.

Memory is the growth of peak RSS over the RSS before the step (Linux's VmHWM, reset first
through /proc/self/clear_refs; ``resource.getrusage`` elsewhere): unlike tracemalloc it
includes the Rust allocations of polars and delta-rs.

    .venv/bin/python benchmarks/bench_partition_stats.py [--files N] [--partitions N]
        [--rows-per-file N] [--repeat N] [--root DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from _measure import Measured
from deltalake import DeltaTable

from pointline_tui.lake import LakeReader
from pointline_tui.lake.partitions import HOT_MIN_SMALL_FILES, SMALL_FILE_BYTES
from pointline_tui.storage.delta import DeltaEventStore

REPO = Path(__file__).resolve().parents[1]
EXCHANGES = ("binance", "okx", "bybit", "coinbase", "kraken", "deribit", "szse", "sse")
FIRST_DAY = date(2024, 5, 1)
TABLE = "trades"


def trades_frame(exchange: str, day: date, n: int, *, start: int, file_id: int) -> pl.DataFrame:
    """Rows of one partition, from the tests' deterministic builder."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.frames import trades

    return trades(exchange, day, n, start=start, file_id=file_id)


def partition_keys(count: int) -> list[tuple[str, date]]:
    """``count`` (exchange, trading_date) keys: the exchanges in turn, then the next day."""
    per_day = len(EXCHANGES)
    return [
        (EXCHANGES[i % per_day], FIRST_DAY + timedelta(days=i // per_day)) for i in range(count)
    ]


def build(root: Path, files: int, partitions: int, rows_per_file: int) -> int:
    """Write ``files // partitions`` commits, each one file in every partition; returns commits."""
    store = DeltaEventStore(root)
    keys = partition_keys(partitions)
    commits = max(1, files // partitions)
    for c in range(commits):
        frame = pl.concat(
            trades_frame(ex, day, rows_per_file, start=c * rows_per_file, file_id=c + 1)
            for ex, day in keys
        )
        store.append(TABLE, frame)
    return commits


# -- baseline ---------------------------------------------------------------------------------


def baseline_stats(dt: DeltaTable) -> pl.DataFrame:
    """Plain delta-rs add actions + one polars group_by: the figures partition_stats gives."""
    actions = pl.DataFrame(dt.get_add_actions(flatten=True))
    size = pl.col("size_bytes")
    return actions.group_by("partition.exchange", "partition.trading_date").agg(
        pl.len().alias("files"),
        size.sum().alias("bytes"),
        pl.col("num_records").sum().alias("rows"),
        size.min().alias("min_file_bytes"),
        size.mean().alias("avg_file_bytes"),
        size.max().alias("max_file_bytes"),
        (size < SMALL_FILE_BYTES).sum().alias("small_files"),
        (size < SMALL_FILE_BYTES).sum().ge(HOT_MIN_SMALL_FILES).alias("hot"),
        pl.col("modification_time").max().alias("last_modified"),
    )


def delta_tables(root: Path) -> list[Path]:
    """The sub-folders of ``root`` holding a Delta log (what the catalog opens)."""
    return sorted(
        Path(e.path)
        for e in os.scandir(root)
        if e.name[0] not in "._"
        and e.is_dir()
        and os.path.isdir(os.path.join(e.path, "_delta_log"))
    )


# -- measuring (in the child process) ---------------------------------------------------------


def timed(step: Callable[[], tuple[int, int]]) -> dict[str, float]:
    """Run ``step`` (returning partitions and files seen); seconds and peak RSS growth in MiB."""
    with Measured() as measured:
        partitions, files = step()
    return {
        "seconds": measured.seconds,
        "mib": measured.mib,
        "partitions": partitions,
        "files": files,
    }


def _seen(stats: pl.DataFrame) -> tuple[int, int]:
    return stats.height, int(stats.get_column("files").sum())


def child(mode: str, root: Path, rows_per_file: int) -> dict[str, dict[str, float]]:
    """One measurement (or a few on one state of the table) in this fresh process."""
    path = root / TABLE
    if mode == "cold":
        return {
            "console": timed(lambda: _seen(LakeReader(root).partition_stats(TABLE))),
        }
    if mode == "cold-baseline":
        return {"baseline": timed(lambda: _seen(baseline_stats(DeltaTable(str(path)))))}
    if mode == "refresh":
        reader = LakeReader(root)
        reader.partition_stats(TABLE)  # warm: the console has shown the table already
        warm = DeltaTable(str(path))
        baseline_stats(warm)
        ex, day = partition_keys(1)[0]
        extra = trades_frame(ex, day, rows_per_file, start=10**9, file_id=10**6)
        DeltaEventStore(root).append(TABLE, extra)

        def console() -> tuple[int, int]:
            reader.refresh(TABLE)
            return _seen(reader.partition_stats(TABLE))

        def incremental() -> tuple[int, int]:
            warm.update_incremental()
            return _seen(baseline_stats(warm))

        return {
            "console": timed(console),
            "incremental": timed(incremental),
            "baseline": timed(lambda: _seen(baseline_stats(DeltaTable(str(path))))),
        }
    if mode == "overview":
        reader = LakeReader(root)

        def catalog() -> tuple[int, int]:
            return len(reader.catalog()), 0

        def overview() -> tuple[int, int]:
            o = LakeReader(root).lake_overview()
            return o.partitions, o.files

        return {"catalog": timed(catalog), "overview": timed(overview)}
    if mode == "overview-baseline":

        def listing() -> tuple[int, int]:
            return len([DeltaTable(str(p)) for p in delta_tables(root)]), 0

        def totals() -> tuple[int, int]:
            frames = [baseline_stats(DeltaTable(str(p))) for p in delta_tables(root)]
            stats = pl.concat(frames)
            return stats.height, int(stats.get_column("files").sum())

        return {"catalog": timed(listing), "overview": timed(totals)}
    raise ValueError(mode)


def run_child(mode: str, root: Path, rows_per_file: int) -> dict[str, dict[str, float]]:
    args = [sys.executable, __file__, "--child", mode, "--root", str(root)]
    args += ["--rows-per-file", str(rows_per_file)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


# -- the parent ---------------------------------------------------------------------------------


def median(runs: list[dict[str, dict[str, float]]], key: str) -> dict[str, float]:
    """Median seconds and MiB of ``key`` over the runs (partition and file counts must agree)."""
    seen = {(r[key]["partitions"], r[key]["files"]) for r in runs}
    assert len(seen) == 1, (key, seen)
    return {
        "seconds": statistics.median(r[key]["seconds"] for r in runs),
        "mib": statistics.median(r[key]["mib"] for r in runs),
        "partitions": runs[0][key]["partitions"],
        "files": runs[0][key]["files"],
    }


def row(
    label: str, console: dict[str, float], base: dict[str, float], base_label: str
) -> list[str]:
    ms, base_ms = console["seconds"] * 1000, base["seconds"] * 1000
    memory = max(console["mib"], 0.1) / max(base["mib"], 0.1)
    return [
        label,
        f"{ms:.1f}",
        f"{console['mib']:.1f}",
        base_label,
        f"{base_ms:.1f}",
        f"{base['mib']:.1f}",
        f"x{ms / base_ms:.2f}",
        f"x{memory:.2f}",
    ]


def print_table(header: list[str], rows: list[list[str]], numeric: set[int]) -> None:
    """A Markdown table, numbers right-aligned (pasted as is into benchmarks/README.md)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "| " + " | ".join(padded) + " |"

    print(line(header))
    print(
        "|"
        + "|".join("-" * (w + 1) + (":" if i in numeric else "-") for i, w in enumerate(widths))
        + "|"
    )
    for r in rows:
        print(line(r))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4_000, help="data files in the table")
    parser.add_argument("--partitions", type=int, default=200)
    parser.add_argument("--rows-per-file", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--root", type=Path, help="reuse (or build into) this silver root")
    parser.add_argument(
        "--child",
        choices=("cold", "cold-baseline", "refresh", "overview", "overview-baseline"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.root, args.rows_per_file)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or Path(tmp) / "silver"
        if not (root / TABLE).exists():
            started = time.perf_counter()
            commits = build(root, args.files, args.partitions, args.rows_per_file)
            took = time.perf_counter() - started
            print(
                f"built {TABLE}: {commits} commits x {args.partitions} partitions = "
                f"{commits * args.partitions:,} files of {args.rows_per_file} rows in {took:.1f} s"
            )
        cold, cold_base, fresh, over, over_base = [], [], [], [], []
        for i in range(args.repeat):
            # Alternate which side runs first, so neither always gets the warmer page cache.
            first, second = ("cold", "cold-baseline")[:: 1 if i % 2 == 0 else -1]
            got = {first: run_child(first, root, args.rows_per_file)}
            got[second] = run_child(second, root, args.rows_per_file)
            cold.append(got["cold"])
            cold_base.append(got["cold-baseline"])
            over.append(run_child("overview", root, args.rows_per_file))
            over_base.append(run_child("overview-baseline", root, args.rows_per_file))
            # The append changes the table: each refresh run works on a copy of the original.
            copy = Path(tmp) / f"refresh-{i}"
            shutil.copytree(root, copy)
            fresh.append(run_child("refresh", copy, args.rows_per_file))
            shutil.rmtree(copy)

        a, a_base = median(cold, "console"), median(cold_base, "baseline")
        assert (a["partitions"], a["files"]) == (a_base["partitions"], a_base["files"])
        b, b_inc, b_base = (median(fresh, k) for k in ("console", "incremental", "baseline"))
        assert a["files"] + 1 == b["files"] == b_base["files"] == b_inc["files"], (a, b, b_base)
        c_cat, c_over = median(over, "catalog"), median(over, "overview")
        c_cat_base, c_over_base = median(over_base, "catalog"), median(over_base, "overview")
        assert c_over["files"] == c_over_base["files"] == a["files"]

        print(
            f"{TABLE}: {int(a['files']):,} files in {int(a['partitions'])} partitions; "
            f"median of {args.repeat} runs, each in a fresh process; "
            "ratio = console / baseline (x1.00 = same, above = console slower or bigger)"
        )
        header = ["console step", "ms", "MiB", "baseline (delta-rs + polars)", "ms", "MiB"]
        print_table(
            [*header, "time", "memory"],
            [
                row("(a) cold partition_stats", a, a_base, "open + add actions + group_by"),
                row("(b) refresh + partition_stats", b, b_base, "reopen + add actions + group_by"),
                row("(b) refresh + partition_stats", b, b_inc, "update_incremental + group_by"),
                row("(c) catalog (first paint)", c_cat, c_cat_base, "scandir + open each table"),
                row("(c) lake_overview", c_over, c_over_base, "open + group_by each table"),
            ],
            numeric={1, 2, 4, 5, 6, 7},
        )


if __name__ == "__main__":
    main()
