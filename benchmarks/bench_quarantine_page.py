"""Time and peak memory of one QuarantineView page against plain ``pl.read_delta`` + slice.

Builds a validation_log of ~2 million rows (in many appends, as ingestion writes it) in a
temporary silver root, then measures each query in its own subprocess. Memory is the growth
of peak RSS over the RSS before the query (Linux's VmHWM, reset first through
/proc/self/clear_refs; ``resource.getrusage`` elsewhere): unlike tracemalloc it includes the
Rust allocations of polars and delta-rs.

    .venv/bin/python benchmarks/bench_quarantine_page.py [--rows N] [--files N] [--root DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from _measure import Measured
from deltalake import write_deltalake

from pointline_tui.lake import LakeReader
from pointline_tui.storage.schemas import VALIDATION_LOG

RULES = ("negative_price", "crossed_book", "stale_symbol", "zero_qty")
TABLES = ("trades", "quotes", "orderbook_updates")


def build(root: Path, rows: int, files: int) -> None:
    """Write ``rows`` log rows in ``files`` appends (one data file each)."""
    per_file = rows // files
    for i in range(files):
        idx = pl.int_range(i * per_file, (i + 1) * per_file, eager=True)
        frame = pl.DataFrame(
            {
                "file_id": idx // 10_000 + 1,
                "rule_name": pl.Series([RULES[j % 4] for j in range(per_file)]),
                "severity": pl.repeat("error", per_file, eager=True),
                "logged_at_ts_us": idx + 1_714_521_600_000_000,
                "file_seq": idx,
                "field_name": pl.repeat("price", per_file, eager=True),
                "field_value": idx.cast(pl.String),
                "ts_event_us": idx * 1_000 + 1_714_521_600_000_000,
                "symbol": pl.Series(["BTCUSDT" if j % 3 else "ETHUSDT" for j in range(per_file)]),
                "symbol_id": idx % 3,
                "message": pl.Series([f"quarantined:{TABLES[j % 3]}" for j in range(per_file)]),
            }
        ).cast(dict(VALIDATION_LOG.polars_schema))  # type: ignore[arg-type]
        write_deltalake(root / "validation_log", frame.to_arrow(), mode="append")


def measure(root: Path, kind: str, offset: int, rule: str | None) -> dict[str, float]:
    """Run one query in this process; returns seconds and peak RSS growth in MiB."""
    table = root / "validation_log"
    view = LakeReader(root).quarantine() if kind.startswith("view") else None
    with Measured() as measured:
        if view is not None:
            page = view.page(offset=offset, limit=100, rule=rule)
            height, total = page.rows.height, page.total
        else:
            frame = pl.read_delta(str(table))
            if rule is not None:
                frame = frame.filter(pl.col("rule_name") == rule)
            height, total = frame.slice(offset, 100).height, frame.height
    return {"seconds": measured.seconds, "peak_mib": measured.mib, "rows": height, "total": total}


def run_child(root: Path, kind: str, offset: int, rule: str | None) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", kind, "--root", str(root), "--offset", str(offset)]
    if rule:
        args += ["--rule", rule]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--root", type=Path, help="reuse (or build into) this silver root")
    parser.add_argument("--offset", type=int, default=None)
    parser.add_argument("--rule", default=None)
    parser.add_argument("--child", choices=("view", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.root, args.child, args.offset or 0, args.rule)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or Path(tmp) / "silver"
        if not (root / "validation_log").exists():
            started = time.perf_counter()
            build(root, args.rows, args.files)
            took = time.perf_counter() - started
            print(f"built {args.rows:,} rows in {args.files} files: {took:.1f} s")
        offset = args.offset if args.offset is not None else args.rows * 3 // 4
        for label, rule in (("unfiltered", None), ("rule filter", args.rule or "crossed_book")):
            view = run_child(root, "view", offset if rule is None else offset // 4, rule)
            base = run_child(root, "baseline", offset if rule is None else offset // 4, rule)
            assert (view["rows"], view["total"]) == (base["rows"], base["total"]), (view, base)
            print(
                f"{label:>12}: page {view['seconds'] * 1000:8.1f} ms {view['peak_mib']:7.1f} MiB | "
                f"read_delta+slice {base['seconds'] * 1000:8.1f} ms {base['peak_mib']:7.1f} MiB | "
                f"time x{base['seconds'] / view['seconds']:.1f}, "
                f"memory x{base['peak_mib'] / max(view['peak_mib'], 0.1):.1f}"
            )


if __name__ == "__main__":
    main()
