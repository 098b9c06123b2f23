"""Per-partition statistics of a Delta table, from its add actions only (never from folders)."""

from __future__ import annotations

from datetime import date

import polars as pl

from pointline_tui.lake.thresholds import HOT_MIN_SMALL_FILES, SMALL_FILE_BYTES
from pointline_tui.storage.delta.files import UTC_US
from pointline_tui.storage.schemas import EVENT_PARTITION_COLUMNS

STATS_SCHEMA = pl.Schema(
    {
        "exchange": pl.String(),
        "trading_date": pl.Date(),
        "files": pl.Int64(),
        "bytes": pl.Int64(),
        "rows": pl.Int64(),
        "min_file_bytes": pl.Int64(),
        "avg_file_bytes": pl.Float64(),
        "max_file_bytes": pl.Int64(),
        "small_files": pl.Int64(),
        "hot": pl.Boolean(),
        "last_modified": UTC_US,
    }
)

PARTITION_FILES_SCHEMA = pl.Schema(
    {"path": pl.String(), "size_bytes": pl.Int64(), "rows": pl.Int64(), "modified_at": UTC_US}
)


def check_thresholds(*, small_file_bytes: int, hot_min_small_files: int) -> None:
    """Refuse thresholds that make no sense.

    Raises:
        ValueError: a negative size or a minimum count below one.
    """
    if small_file_bytes < 0:
        raise ValueError(f"small_file_bytes must not be negative, got {small_file_bytes}")
    if hot_min_small_files < 1:
        raise ValueError(f"hot_min_small_files must be at least 1, got {hot_min_small_files}")


def partition_stats(
    files: pl.DataFrame,
    *,
    small_file_bytes: int = SMALL_FILE_BYTES,
    hot_min_small_files: int = HOT_MIN_SMALL_FILES,
) -> pl.DataFrame:
    """One row per (exchange, trading_date) of a ``files_frame``.

    Args:
        files: the active files (``storage.delta.files.FILES_SCHEMA``).
        small_file_bytes: files strictly below this size are small.
        hot_min_small_files: a partition with at least this many small files is hot.

    Returns:
        A frame with ``STATS_SCHEMA`` sorted by exchange and trading_date: an unpartitioned
        table with files gives one row with null exchange and trading_date, a table without
        files none. ``rows`` is null when a file of the partition lacks statistics.

    Raises:
        ValueError: invalid thresholds.
    """
    check_thresholds(small_file_bytes=small_file_bytes, hot_min_small_files=hot_min_small_files)
    size = pl.col("size_bytes")
    stats = (
        files.group_by("exchange", "trading_date")
        .agg(
            pl.len().alias("files"),
            size.sum().alias("bytes"),
            # A partial sum would look exact: report no figure instead.
            pl.when(pl.col("rows").null_count() == 0).then(pl.col("rows").sum()).alias("rows"),
            size.min().alias("min_file_bytes"),
            size.mean().alias("avg_file_bytes"),
            size.max().alias("max_file_bytes"),
            (size < small_file_bytes).sum().alias("small_files"),
            pl.col("modified_at").max().alias("last_modified"),
        )
        .with_columns(hot=pl.col("small_files") >= hot_min_small_files)
    )
    return stats.select(STATS_SCHEMA.names()).cast(STATS_SCHEMA).sort("exchange", "trading_date")


def restated(stats: pl.DataFrame, files: pl.DataFrame, touched: pl.DataFrame) -> pl.DataFrame:
    """``partition_stats(files)`` (default thresholds) from the statistics of older files.

    Args:
        stats: ``partition_stats`` of the older files, at the default thresholds.
        files: the files now.
        touched: the (exchange, trading_date) of every partition whose files changed since.
    """
    keys = list(EVENT_PARTITION_COLUMNS)
    kept = stats.join(touched, on=keys, how="anti", nulls_equal=True)
    again = partition_stats(files.join(touched, on=keys, how="semi", nulls_equal=True))
    return pl.concat([kept, again]).sort(keys)


def partition_files(
    files: pl.DataFrame, exchange: str | None, trading_date: date | None
) -> pl.DataFrame:
    """The active files of one partition (``None``, ``None``: an unpartitioned table's files).

    Returns:
        A frame with ``PARTITION_FILES_SCHEMA`` sorted by path; empty for an unknown partition.
    """
    selected = files.filter(
        pl.col("exchange").eq_missing(pl.lit(exchange, dtype=pl.String)),
        pl.col("trading_date").eq_missing(pl.lit(trading_date, dtype=pl.Date)),
    )
    return selected.select(PARTITION_FILES_SCHEMA.names()).sort("path")
