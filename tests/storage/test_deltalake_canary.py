"""Canary: delta-rs must reject an OPTIMIZE committed from a stale table handle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError

EXCHANGE = "binance"
DAY = date(2024, 5, 1)
APPENDS = 4
ROWS_PER_APPEND = 10
BASE_US = 1_714_521_600_000_000  # 2024-05-01T00:00:00Z


def small_append(start: int) -> pl.DataFrame:
    """``ROWS_PER_APPEND`` rows of the one partition, values derived from ``start``."""
    idx = pl.int_range(start, start + ROWS_PER_APPEND, eager=True)
    return pl.DataFrame(
        {
            "exchange": [EXCHANGE] * ROWS_PER_APPEND,
            "trading_date": [DAY] * ROWS_PER_APPEND,
            "ts_event_us": idx * 1_000 + BASE_US,
            "price": idx * 10_000_000 + 60_000_000_000_000,
        }
    )


def test_stale_handle_optimize_is_rejected(tmp_path: Path) -> None:
    """A stale handle's compaction raises CommitFailedError and leaves the rows as they were.

    This is what decides whether the supported deltalake range may be widened: run it on the
    candidate release first. 1.6.4-1.6.6 let the stale OPTIMIZE commit over the first one and
    the table's rows doubled (40 -> 80); 1.6.1-1.6.3 reject it.
    """
    path = str(tmp_path / "trades")
    for i in range(APPENDS):
        write_deltalake(
            path,
            small_append(i * ROWS_PER_APPEND).to_arrow(),
            mode="append",
            partition_by=["exchange", "trading_date"],
        )
    expected_rows = APPENDS * ROWS_PER_APPEND
    version = DeltaTable(path).version()
    fresh = DeltaTable(path, version=version)
    stale = DeltaTable(path, version=version)
    # Filter on every partition column, as the stores do (1.5.1/1.6.0 merge partitions otherwise).
    partition = [("exchange", "=", EXCHANGE), ("trading_date", "=", DAY.isoformat())]

    metrics = fresh.optimize.compact(partition_filters=partition)
    assert (metrics["numFilesRemoved"], metrics["numFilesAdded"]) == (APPENDS, 1)

    with pytest.raises(CommitFailedError):
        stale.optimize.compact(partition_filters=partition)

    # Read through polars: to_pyarrow_table() makes the process abort at exit on these releases.
    after = pl.read_delta(path)
    assert after.height == expected_rows
    assert DeltaTable(path).version() == version + 1
