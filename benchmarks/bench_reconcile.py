"""Time and peak memory of ``reconcile`` against ``scan_delta(...).group_by("file_id").len()``.

Builds a trades table of ``--rows`` event rows (default 20 million) in ``--files`` bronze files
(one delta-rs append each, one partition per file, over 8 exchanges x 10 dates), the manifest
that describes them (three entries wrong on purpose, so there is something to find) and a small
validation log, in a temporary silver root. Each measurement runs in its own process; the
figures are the medians of ``--repeat`` runs, product and baseline alternating. Memory is the
growth of peak RSS (Linux's VmHWM, reset first), so polars' Rust allocations count.

    .venv/bin/python benchmarks/bench_reconcile.py [--rows N] [--files N] [--repeat N] [--root DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from _measure import Measured
from deltalake import write_deltalake
from lakes import BASE_US, EXCHANGES, FIRST_DAY, TRADES

from pointline_tui.lake.reconcile import reconcile
from pointline_tui.storage.schemas import INGEST_MANIFEST, VALIDATION_LOG

DATES = 10
WRONG = 3
"""Entries whose rows_written is off by one: the findings the run must report."""


def build(root: Path, rows: int, files: int) -> None:
    """``files`` appends of ``rows // files`` trades, and the manifest and log that match."""
    per_file = rows // files
    keys = [(EXCHANGES[e], FIRST_DAY + timedelta(days=d)) for e in range(8) for d in range(DATES)]
    started = time.perf_counter()
    for f in range(files):
        frame = _trades(keys[f % len(keys)], per_file, start=f * per_file, file_id=f + 1)
        write_deltalake(
            root / "trades", frame.to_arrow(), mode="append", partition_by=list(TRADES.partition_by)
        )
        if (f + 1) % max(1, files // 10) == 0:
            print(f"  {f + 1}/{files} files, {time.perf_counter() - started:.0f} s", flush=True)
    ids = pl.int_range(1, files + 1, eager=True)
    manifest = (
        pl.DataFrame({"file_id": ids})
        .with_columns(
            vendor=pl.lit("tardis"),
            data_type=pl.lit("trades"),
            bronze_path=pl.format("bronze/{}.csv.gz", "file_id"),
            file_hash=pl.col("file_id").cast(pl.String),
            status=pl.lit("success"),
            rows_total=pl.lit(per_file + 1),
            rows_written=pl.when(pl.col("file_id") <= WRONG).then(per_file + 1).otherwise(per_file),
            rows_quarantined=pl.lit(1),
            created_at_ts_us=pl.lit(1_714_521_600_000_000),
        )
        .with_columns(
            pl.lit(None, dtype=c.dtype).alias(c.name)
            for c in INGEST_MANIFEST.columns
            if c.name
            in ("trading_date_min", "trading_date_max", "processed_at_ts_us", "status_reason")
        )
    )
    manifest = manifest.select(INGEST_MANIFEST.column_names).cast(INGEST_MANIFEST.polars_schema)
    write_deltalake(root / "ingest_manifest", manifest.to_arrow())
    log = pl.DataFrame({"file_id": ids, "rule_name": "zero_qty", "severity": "error"}).with_columns(
        logged_at_ts_us=pl.lit(1_714_521_600_000_000),
        **{
            c.name: pl.lit(None, dtype=c.dtype)
            for c in VALIDATION_LOG.columns
            if c.name not in ("file_id", "rule_name", "severity", "logged_at_ts_us")
        },
    )
    log = log.select(VALIDATION_LOG.column_names).cast(VALIDATION_LOG.polars_schema)
    write_deltalake(root / "validation_log", log.to_arrow())


def _trades(key: tuple[str, date], n: int, *, start: int, file_id: int) -> pl.DataFrame:
    """``n`` trades of one bronze file: cheap to generate, so the build stays short."""
    seq = pl.int_range(start, start + n, eager=True).alias("file_seq")
    return (
        pl.DataFrame(seq)
        .with_columns(
            exchange=pl.lit(key[0]),
            trading_date=pl.lit(key[1]),
            symbol=pl.lit("BTCUSDT"),
            symbol_id=pl.lit(1),
            ts_event_us=seq * 1_000 + BASE_US,
            ts_local_us=pl.lit(None),
            file_id=pl.lit(file_id),
            trade_id=pl.lit(None),
            side=pl.lit("buy"),
            is_buyer_maker=pl.lit(None),
            price=seq,
            qty=pl.lit(1),
        )
        .select(TRADES.column_names)
        .cast(TRADES.polars_schema)
    )


BASELINES = {"baseline": "auto", "baseline-streaming": "streaming"}
"""The plain query on polars' default engine (what a script would write) and on the streaming
engine (the one reconcile uses)."""


def measure(root: Path, kind: str) -> dict[str, float]:
    """One run in this process: seconds, peak RSS growth, and what it counted."""
    with Measured() as measured:
        if kind == "reconcile":
            result = reconcile(root)
            counted, found = result.rows, len(result.findings)
        else:
            query = pl.scan_delta(str(root / "trades")).group_by("file_id").len()
            per_file = query.collect(engine=BASELINES[kind])  # type: ignore[call-overload]
            counted, found = int(per_file.get_column("len").sum()), 0
    return {"seconds": measured.seconds, "mib": measured.mib, "rows": counted, "found": found}


def run_child(root: Path, kind: str) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", kind, "--root", str(root)]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--root", type=Path, help="reuse (or build into) this silver root")
    parser.add_argument("--child", choices=("reconcile", *BASELINES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.root, args.child)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or Path(tmp) / "silver"
        if not (root / "trades").exists():
            started = time.perf_counter()
            build(root, args.rows, args.files)
            took = time.perf_counter() - started
            print(f"built {args.rows:,} rows in {args.files} files: {took:.1f} s")
        kinds = ["reconcile", *BASELINES]
        runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
        for i in range(args.repeat):
            for kind in kinds[i % len(kinds) :] + kinds[: i % len(kinds)]:  # rotate the order
                runs[kind].append(run_child(root, kind))
        mine = runs["reconcile"]
        assert {r["rows"] for rs in runs.values() for r in rs} == {mine[0]["rows"]}, runs
        assert {r["found"] for r in mine} == {WRONG}, mine

        def median(kind: str, key: str) -> float:
            return statistics.median(r[key] for r in runs[kind])

        print(f"median of {args.repeat} runs over {int(mine[0]['rows']):,} rows:")
        for kind in kinds:
            label = "reconcile" if kind == "reconcile" else f"group_by len ({BASELINES[kind]})"
            ratio = ""
            if kind != "reconcile":
                time_ratio = median("reconcile", "seconds") / median(kind, "seconds")
                memory_ratio = median("reconcile", "mib") / max(median(kind, "mib"), 0.1)
                ratio = f"  reconcile: time x{time_ratio:.2f}, memory x{memory_ratio:.2f}"
            print(
                f"  {label:>28}: {median(kind, 'seconds') * 1000:8.1f} ms "
                f"{median(kind, 'mib'):7.1f} MiB{ratio}"
            )


if __name__ == "__main__":
    main()
