"""The benchmark's data: trades tables of many small files, hot partitions, a validation log.

Everything is written by delta-rs (``write_deltalake``) the way ingestion writes it: one
append commit spanning every partition at a time. Rows are generated column-wise by polars so
that a 200,000-file table takes minutes, not hours.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from deltalake import DeltaTable, write_deltalake

from pointline_tui.storage.delta._tables import to_table_arrow
from pointline_tui.storage.schemas import EVENT_TABLES, VALIDATION_LOG

TRADES = EVENT_TABLES["trades"]
EXCHANGES = ("binance", "okx", "bybit", "coinbase", "kraken", "deribit", "szse", "sse")
FIRST_DAY = date(2024, 5, 1)
BASE_US = 1_714_521_600_000_000  # 2024-05-01T00:00:00Z
RULES = ("negative_price", "crossed_book", "stale_symbol", "zero_qty")

Partition = tuple[str, date]


@dataclass(frozen=True, slots=True, kw_only=True)
class TradesShape:
    """A trades table: ``exchanges`` x ``dates`` partitions, ``appends`` commits of one file
    in every partition, ``rows`` rows per file."""

    exchanges: int
    dates: int
    appends: int
    rows: int = 20

    @property
    def files(self) -> int:
        return self.exchanges * self.dates * self.appends

    def partitions(self) -> list[Partition]:
        return [
            (EXCHANGES[e], FIRST_DAY + timedelta(days=d))
            for e in range(self.exchanges)
            for d in range(self.dates)
        ]


def trades_rows(
    keys: Sequence[Partition], rows: int, *, start: int, file_id: int, noisy: bool = False
) -> pl.DataFrame:
    """``rows`` trades in each partition of ``keys``; values follow ``start``.

    Args:
        keys: the partitions.
        rows: rows per partition.
        start: the first row's sequence number (rows of later commits differ).
        file_id: the bronze file id of every row.
        noisy: prices and quantities from a hash, so that files do not compress to nothing.
    """
    parts = pl.DataFrame(
        {"exchange": [k[0] for k in keys], "trading_date": [k[1] for k in keys]},
        schema={"exchange": pl.String(), "trading_date": pl.Date()},
    )
    idx = pl.col("file_seq")
    frame = parts.join(
        pl.DataFrame({"file_seq": pl.int_range(start, start + rows, eager=True)}), how="cross"
    )
    value = idx.hash(7) if noisy else idx
    frame = frame.with_columns(
        symbol=pl.when(idx % 2 == 1).then(pl.lit("BTCUSDT")).otherwise(pl.lit("ETHUSDT")),
        symbol_id=idx % 2 + 1,
        ts_event_us=idx * 1_000 + BASE_US,
        ts_local_us=pl.when(idx % 5 == 0).then(None).otherwise(idx * 1_000 + BASE_US + 7),
        file_id=pl.lit(file_id),
        trade_id=pl.lit("t") + idx.cast(pl.String),
        side=pl.when(idx % 3 == 0).then(pl.lit("sell")).otherwise(pl.lit("buy")),
        is_buyer_maker=idx % 2 == 0,
        price=(value % 10_000_000).cast(pl.Int64) * 10_000 + 60_000_000_000_000,
        qty=(value % 7_000_003).cast(pl.Int64) + 1_000_000,
    )
    return frame.select(TRADES.column_names).cast(TRADES.polars_schema)


def append_commits(
    table: Path,
    keys: Sequence[Partition],
    commits: int,
    rows: int,
    *,
    noisy: bool = False,
    first_seq: int = 0,
    progress: str = "",
) -> None:
    """``commits`` appends to the trades table at ``table``, one file in every partition each."""
    dt: DeltaTable | None = DeltaTable(str(table)) if (table / "_delta_log").is_dir() else None
    started = time.perf_counter()
    for c in range(commits):
        frame = trades_rows(keys, rows, start=first_seq + c * rows, file_id=c + 1, noisy=noisy)
        write_deltalake(
            dt if dt is not None else str(table),
            to_table_arrow(TRADES, frame, dt),
            mode="append",
            partition_by=list(TRADES.partition_by),
        )
        if dt is None:
            dt = DeltaTable(str(table))
        else:
            dt.update_incremental()
        if progress and (c + 1) % max(1, commits // 10) == 0:
            took = time.perf_counter() - started
            print(f"  {progress}: {c + 1}/{commits} commits, {took:.0f} s", flush=True)


def build_trades(table: Path, shape: TradesShape, *, progress: bool = False) -> None:
    """The trades table of ``shape`` at ``table``."""
    append_commits(
        table,
        shape.partitions(),
        shape.appends,
        shape.rows,
        progress=f"{shape.files:,}-file trades" if progress else "",
    )


def link_copy(source: Path, target: Path) -> Path:
    """A copy of the table ``source`` whose data files are hard links (the log is copied).

    Nothing rewrites a data file in place, so the copy shares them safely; new commits, files
    and checkpoints are new files in the copy alone.
    """

    def copy(src: str, dst: str) -> None:
        if f"{os.sep}_delta_log{os.sep}" in src:
            shutil.copy2(src, dst)
        else:
            os.link(src, dst)

    shutil.copytree(source, target, copy_function=copy)
    return target


def build_validation_log(table: Path, rows: int, files: int) -> None:
    """``rows`` validation log rows in ``files`` appends (one data file each)."""
    per_file = rows // files
    dt: DeltaTable | None = None
    for i in range(files):
        idx = pl.int_range(i * per_file, (i + 1) * per_file, eager=True)
        frame = pl.DataFrame({"n": idx}).select(
            file_id=pl.col("n") // 10_000 + 1,
            rule_name=pl.lit(pl.Series(RULES)).gather(pl.col("n") % 4),
            severity=pl.lit("error"),
            logged_at_ts_us=pl.col("n") + BASE_US,
            file_seq=pl.col("n"),
            field_name=pl.lit("price"),
            field_value=pl.col("n").cast(pl.String),
            ts_event_us=pl.col("n") * 1_000 + BASE_US,
            symbol=pl.when(pl.col("n") % 3 == 0)
            .then(pl.lit("ETHUSDT"))
            .otherwise(pl.lit("BTCUSDT")),
            symbol_id=pl.col("n") % 3,
            message=pl.lit("quarantined:")
            + pl.lit(pl.Series(["trades", "quotes", "orderbook_updates"])).gather(pl.col("n") % 3),
        )
        frame = frame.cast(dict(VALIDATION_LOG.polars_schema))  # type: ignore[arg-type]
        write_deltalake(dt if dt is not None else str(table), frame.to_arrow(), mode="append")
        dt = DeltaTable(str(table)) if dt is None else dt
        dt.update_incremental()
