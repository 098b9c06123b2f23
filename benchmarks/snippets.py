"""The baselines (and a few helpers) run as ``python -c`` processes: plain delta-rs / polars.

Each that times itself takes the parent's ``time.time()`` before the spawn as its last
argument and prints ``{"seconds": ..., "mib": ...}`` (peak RSS, VmHWM) as its last line.
"""

from __future__ import annotations

_PEAK = """
def _peak():
    from pathlib import Path
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
"""

STATS = """
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
"""``stats TABLE --json`` done with delta-rs + polars: open, add actions, group_by, JSON out."""

OPEN_AND_GROUP = (
    _PEAK
    + """
import json, os, sys, time
import polars as pl
from deltalake import DeltaTable
root, since = sys.argv[1], float(sys.argv[-1])
for name in sorted(os.listdir(root)):
    if os.path.isdir(os.path.join(root, name, "_delta_log")):
        actions = pl.DataFrame(DeltaTable(os.path.join(root, name)).get_add_actions(flatten=True))
        actions.group_by("partition.exchange", "partition.trading_date").agg(
            pl.len(), pl.col("size_bytes").sum(), pl.col("num_records").sum()
        )
print(json.dumps({"seconds": time.time() - since, "mib": _peak()}))
"""
)
"""The overview's figures with delta-rs + polars: every table opened and grouped."""

HOLD_TABLE = (
    _PEAK
    + """
import json, sys, time
import polars as pl
from deltalake import DeltaTable
since = float(sys.argv[-1])
dt = DeltaTable(sys.argv[1])
actions = pl.DataFrame(dt.get_add_actions(flatten=True))
print(json.dumps({"seconds": time.time() - since, "mib": _peak()}))
"""
)
"""delta-rs holding a table and its add actions (what a viewer of one table needs)."""

REFRESH = (
    _PEAK
    + """
import json, subprocess, sys, time
import polars as pl
from deltalake import DeltaTable
table, append, repo = sys.argv[1], sys.argv[2], sys.argv[3]
def group(dt):
    return pl.DataFrame(dt.get_add_actions(flatten=True)).group_by(
        "partition.exchange", "partition.trading_date"
    ).agg(pl.len(), pl.col("size_bytes").sum(), pl.col("num_records").sum())
dt = DeltaTable(table)
before = group(dt)["len"].sum()
subprocess.run([sys.executable, "-c", append, table, repo], check=True)
started = time.time()
dt.update_incremental()
after = group(dt)["len"].sum()
took = time.time() - started
assert after == before + 1, (before, after)
print(json.dumps({"seconds": took, "mib": _peak()}))
"""
)
"""``update_incremental`` + the group_by on a warm table after a one-file append."""

OPTIMIZE = """
import sys
from deltalake import DeltaTable
filters = [("exchange", "=", sys.argv[2]), ("trading_date", "=", sys.argv[3])]
DeltaTable(sys.argv[1]).optimize.compact(partition_filters=filters, target_size=128 * 2**20)
"""
"""delta-rs's optimize of one partition, with its defaults."""

READ_AND_WRITE = """
import glob, sys
import polars as pl
files = sorted(glob.glob(sys.argv[1] + "/*.parquet"))
pl.read_parquet(files).write_parquet(sys.argv[2], compression="zstd")
"""
"""The least a compaction must do: read the partition's files, write one zstd file."""

VACUUM = """
import sys
from deltalake import DeltaTable
DeltaTable(sys.argv[1]).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
"""

QUARANTINE_PAGE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import polars as pl
from _measure import Measured
kind, root, offset, rule = sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if kind == "baseline":
    with Measured() as m:
        frame = pl.read_delta(str(root / "validation_log")).filter(pl.col("rule_name") == rule)
        rows = frame.slice(offset, 100).height
else:
    from pointline_tui.lake import LakeReader
    view = LakeReader(root).quarantine()
    if kind == "turn":  # a page turn: the filter's counts are already known
        view.page(offset=0, limit=100, rule=rule)
    with Measured() as m:
        rows = view.page(offset=offset, limit=100, rule=rule).rows.height
assert rows == 100, rows
print(json.dumps({"seconds": m.seconds, "mib": m.mib}))
"""
"""One filtered page: the console's view (``page``, ``turn``) or read_delta + filter + slice."""

APPEND = """
import sys
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from benchmarks.lakes import append_commits
append_commits(Path(sys.argv[1]), [("binance", date(2024, 5, 1))], 1, 20, first_seq=10**9)
"""
"""One more file in one partition of the trades table at argv[1] (argv[2]: the repository)."""
