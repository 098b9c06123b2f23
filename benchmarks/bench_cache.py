"""What the statistics cache saves: a second ``stats`` run, and ``r`` after a one-file append.

Builds the trades table of ``bench_partition_stats.py`` (``--files`` over ``--partitions``
partitions) in a temporary silver root, then measures:

(a) ``pointline-tui stats trades --json --silver-root ROOT --cache-dir DIR`` as a whole process
    (interpreter start and imports included), ``--repeat`` times each: with an empty cache
    folder (cold: the log is loaded, the cache written), right after another run (warm: read
    from the cache), and with ``--no-cache``; against a process that does the same work with
    plain delta-rs + polars (open, add actions, group_by, JSON out);
(b) in one process, ``--repeat`` times: a new ``LakeReader(root, cache=...)``'s
    ``partition_stats`` with an empty cache, right after (warm) and without cache, against
    ``DeltaTable(path)`` + add actions + the same group_by: what (a) costs once Python is up;
(c) in one process, ``--appends`` times: one more append (one file, one partition) by the store,
    then ``refresh("trades")`` + ``partition_stats`` of a warm reader with a cache, both without
    and with a delta-rs handle kept (the app keeps one once a table's detail was shown), against
    ``update_incremental()`` on a warm ``DeltaTable`` + the same group_by.

Each figure is the median of its runs, with the min-max spread; ratio = console / baseline
(below x1.00: the console is faster).

    .venv/bin/python benchmarks/bench_cache.py [--files N] [--partitions N]
        [--rows-per-file N] [--repeat N] [--appends N] [--root DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_partition_stats import TABLE, baseline_stats, build, partition_keys, trades_frame
from deltalake import DeltaTable

from pointline_tui.lake import LakeReader
from pointline_tui.lake.stats_cache import StatsCache
from pointline_tui.storage.delta import DeltaEventStore

CONSOLE = [sys.executable, "-m", "pointline_tui"]
PLAIN = """
import json, sys
import polars as pl
from deltalake import DeltaTable
actions = pl.DataFrame(DeltaTable(sys.argv[1]).get_add_actions(flatten=True))
stats = actions.group_by("partition.exchange", "partition.trading_date").agg(
    pl.len().alias("files"), pl.col("size_bytes").sum().alias("bytes"),
    pl.col("num_records").sum().alias("rows"),
).sort("partition.exchange", "partition.trading_date")
print(json.dumps(stats.with_columns(pl.col("partition.trading_date").cast(pl.String)).to_dicts()))
"""


def process_seconds(argv: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - started, out


def stats_runs(root: Path, cache_dir: Path, repeat: int) -> dict[str, list[float]]:
    """(a): whole processes; the order of the variants rotates, so none always runs first."""
    stats = [*CONSOLE, "stats", TABLE, "--json", "--silver-root", str(root)]
    cached = [*stats, "--cache-dir", str(cache_dir)]
    variants = ["cold", "warm", "no-cache", "plain"]
    runs: dict[str, list[float]] = {v: [] for v in variants}
    outputs = set()
    for i in range(repeat):
        for variant in variants[i % 4 :] + variants[: i % 4]:
            if variant == "cold":
                shutil.rmtree(cache_dir, ignore_errors=True)
            elif variant == "warm" and not any(cache_dir.glob("*.parquet")):
                process_seconds(cached)  # fill the cache first (not timed)
            argv = {
                "cold": cached,
                "warm": cached,
                "no-cache": [*stats, "--no-cache"],
                "plain": [sys.executable, "-c", PLAIN, str(root / TABLE)],
            }[variant]
            seconds, out = process_seconds(argv)
            runs[variant].append(seconds)
            if variant != "plain":
                outputs.add(out)
    assert len(outputs) == 1, "cold, warm and uncached runs must print the same statistics"
    return runs


def refresh_runs(root: Path, cache_dir: Path, appends: int, rows: int) -> dict[str, list[float]]:
    """(c): one process, each append followed by the three ways of seeing it."""
    path = root / TABLE
    cache = StatsCache(cache_dir)
    bare = LakeReader(root, cache=cache)
    bare.partition_stats(TABLE)
    shown = LakeReader(root, cache=cache)
    shown.summary(TABLE)  # the table's detail was shown: a delta-rs handle is kept
    warm = DeltaTable(str(path))
    baseline_stats(warm)
    store = DeltaEventStore(root)
    ex, day = partition_keys(1)[0]
    runs: dict[str, list[float]] = {"bare": [], "shown": [], "incremental": []}
    for i in range(appends):
        store.append(TABLE, trades_frame(ex, day, rows, start=10**9 + i * rows, file_id=10**6 + i))
        seen = []
        for key, reader in (("bare", bare), ("shown", shown)):
            started = time.perf_counter()
            reader.refresh(TABLE)
            stats = reader.partition_stats(TABLE)
            runs[key].append(time.perf_counter() - started)
            assert reader.last_load(TABLE) == "incremental", reader.last_load(TABLE)
            seen.append(int(stats.get_column("files").sum()))
        started = time.perf_counter()
        warm.update_incremental()
        base = baseline_stats(warm)
        runs["incremental"].append(time.perf_counter() - started)
        seen.append(base.height and int(base.get_column("files").sum()))
        assert len(set(seen)) == 1, seen
    return runs


def reader_runs(root: Path, cache_dir: Path, repeat: int) -> dict[str, list[float]]:
    """(b): one process, a new reader each time: what (a) spends once Python is up."""
    variants = ["cold", "warm", "no-cache", "plain"]
    runs: dict[str, list[float]] = {v: [] for v in variants}

    def stats(cache: StatsCache | None) -> str | None:
        reader = LakeReader(root, cache=cache)
        reader.partition_stats(TABLE)
        return reader.last_load(TABLE)

    for i in range(repeat):
        for variant in variants[i % 4 :] + variants[: i % 4]:  # none always runs first
            if variant == "cold":
                shutil.rmtree(cache_dir, ignore_errors=True)
            elif variant == "warm" and not any(cache_dir.glob("*.parquet")):
                stats(StatsCache(cache_dir))  # fill the cache first (not timed)
            started = time.perf_counter()
            if variant == "plain":
                baseline_stats(DeltaTable(str(root / TABLE)))
            else:
                how = stats(None if variant == "no-cache" else StatsCache(cache_dir))
                assert how == ("cache" if variant == "warm" else "full"), (variant, how)
            runs[variant].append(time.perf_counter() - started)
    return runs


def cell(runs: list[float]) -> tuple[str, str]:
    ms = [r * 1000 for r in runs]
    return f"{statistics.median(ms):.1f}", f"{min(ms):.1f}-{max(ms):.1f}"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A Markdown table, numbers right-aligned (pasted as is into benchmarks/README.md)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = {i for i in range(len(header)) if i not in (0, 3)}

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


def row(label: str, runs: list[float], base_label: str, base: list[float]) -> list[str]:
    ratio = statistics.median(runs) / statistics.median(base)
    return [label, *cell(runs), base_label, *cell(base), f"x{ratio:.2f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4_000, help="data files in the table")
    parser.add_argument("--partitions", type=int, default=200)
    parser.add_argument("--rows-per-file", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure in (a) and (b)")
    parser.add_argument("--appends", type=int, default=10, help="one-file appends in (c)")
    parser.add_argument("--root", type=Path, help="reuse (or build into) this silver root")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, cache_dir = args.root or Path(tmp) / "silver", Path(tmp) / "cache"
        if not (root / TABLE).exists():
            started = time.perf_counter()
            commits = build(root, args.files, args.partitions, args.rows_per_file)
            print(
                f"built {TABLE}: {commits} commits x {args.partitions} partitions = "
                f"{commits * args.partitions:,} files of {args.rows_per_file} rows in "
                f"{time.perf_counter() - started:.1f} s"
            )
        a = stats_runs(root, cache_dir, args.repeat)
        b = reader_runs(root, cache_dir, args.repeat)
        # The appends change the table: they go to a copy, so that --root stays as it was.
        copy = Path(tmp) / "appended"
        shutil.copytree(root, copy)
        c = refresh_runs(copy, Path(tmp) / "cache-appended", args.appends, args.rows_per_file)
        print(
            f"(a) median of {args.repeat} whole processes, (b) of {args.repeat} runs, (c) of "
            f"{args.appends} appends; "
            "ratio = console / baseline (below x1.00: the console is faster)"
        )
        print_table(
            ["console", "ms", "min-max", "baseline", "ms", "min-max", "ratio"],
            [
                row("(a) stats, warm cache", a["warm"], "(a) stats, cold cache", a["cold"]),
                row("(a) stats, warm cache", a["warm"], "(a) stats --no-cache", a["no-cache"]),
                row(
                    "(a) stats, warm cache", a["warm"], "(a) delta-rs + polars process", a["plain"]
                ),
                row("(a) stats, cold cache", a["cold"], "(a) stats --no-cache", a["no-cache"]),
                row("(b) new reader, warm cache", b["warm"], "(b) same, cold cache", b["cold"]),
                row("(b) new reader, warm cache", b["warm"], "(b) same, no cache", b["no-cache"]),
                row(
                    "(b) new reader, warm cache",
                    b["warm"],
                    "open + add actions + group_by",
                    b["plain"],
                ),
                row(
                    "(c) refresh + stats",
                    c["bare"],
                    "update_incremental + group_by",
                    c["incremental"],
                ),
                row(
                    "(c) same, handle kept",
                    c["shown"],
                    "update_incremental + group_by",
                    c["incremental"],
                ),
            ],
        )


if __name__ == "__main__":
    main()
