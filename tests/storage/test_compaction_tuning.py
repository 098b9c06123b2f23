"""How compacted files are written: zstd, row-group statistics, the rows still in the log."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from deltalake import DeltaTable

from pointline_tui.maintenance import DEFAULT_MAX_WORKERS, PartitionRun, compact_each
from pointline_tui.storage.delta import DeltaEventStore
from tests.lake.conftest import AUDIT, write_trades

PARTS = [("binance-futures", date(2024, 5, d)) for d in (1, 2, 3, 4, 5)]


def test_compacted_files_are_zstd_with_row_group_statistics(tmp_path: Path) -> None:
    root = tmp_path / "silver"
    write_trades(root, dict.fromkeys(PARTS[:1], 6))
    table = root / "trades"
    before = pl.read_delta(str(table)).sort("file_seq")
    DeltaEventStore(root, audit=AUDIT).compact_partitions("trades")
    dt = DeltaTable(str(table))
    (path,) = dt.file_uris()
    footer = pq.read_metadata(path.removeprefix("file://"))
    chunks = [footer.row_group(0).column(c) for c in range(footer.num_columns)]
    assert {c.compression for c in chunks} == {"ZSTD"}
    assert all(c.statistics is not None and c.statistics.has_min_max for c in chunks[:3])
    # The log's statistics, which the compaction's check adds up, are still written.
    actions = pl.DataFrame(dt.get_add_actions(flatten=True))
    assert actions.get_column("num_records").to_list() == [before.height]
    assert pl.read_delta(str(table)).sort("file_seq").equals(before)


def test_the_default_runs_at_most_two_partitions_side_by_side(tmp_path: Path) -> None:
    root = tmp_path / "silver"
    write_trades(root, dict.fromkeys(PARTS, 2))
    threads: set[str] = set()

    def seen(run: PartitionRun) -> None:
        threads.add(threading.current_thread().name)

    result = compact_each(DeltaEventStore(root, audit=AUDIT), "trades", PARTS, on_update=seen)
    assert [p.state for p in result.partitions] == ["done"] * len(PARTS)
    assert 1 <= len(threads) <= DEFAULT_MAX_WORKERS
