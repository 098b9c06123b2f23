"""The active files of a Delta table version, from its add actions (never from folders)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from pointline_tui.storage.delta.active_files import ActiveFile
from pointline_tui.storage.delta.log import on_disk
from pointline_tui.storage.schemas import is_event_partitioned

if TYPE_CHECKING:
    from deltalake import DeltaTable

UTC_US = pl.Datetime("us", "UTC")

FILES_SCHEMA = pl.Schema(
    {
        "path": pl.String(),
        "size_bytes": pl.Int64(),
        "rows": pl.Int64(),
        "modified_at": UTC_US,
        "exchange": pl.String(),
        "trading_date": pl.Date(),
    }
)
"""The active files of a version; exchange and trading_date are null when not partitioned."""


def files_frame(dt: DeltaTable) -> pl.DataFrame:
    """The active files of the version ``dt`` holds, read from its add actions.

    Paths are relative to the table root, as on disk (the log's percent-encoding undone).

    Only tables partitioned by exchange and trading_date (``is_event_partitioned``) get
    partition values; any other partitioning is treated as one partition.

    Returns:
        A frame with ``FILES_SCHEMA``; ``rows`` is null for a file without log statistics.
    """
    actions = pl.DataFrame(dt.get_add_actions(flatten=True))
    if actions.is_empty():
        return pl.DataFrame(schema=FILES_SCHEMA)
    partitioned = is_event_partitioned(dt.metadata().partition_columns)

    def column(name: str, dtype: pl.DataType) -> pl.Expr:
        present = name in actions.columns and (partitioned or not name.startswith("partition."))
        return pl.col(name).cast(dtype, strict=False) if present else pl.lit(None, dtype=dtype)

    return actions.select(
        _on_disk(actions.get_column("path")),
        pl.col("size_bytes").cast(pl.Int64),
        column("num_records", pl.Int64()).alias("rows"),
        # modification_time is in milliseconds since the epoch.
        pl.from_epoch(pl.col("modification_time").cast(pl.Int64), time_unit="ms")
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
        .alias("modified_at"),
        column("partition.exchange", pl.String()).alias("exchange"),
        column("partition.trading_date", pl.Date()).alias("trading_date"),
    )


def _on_disk(paths: pl.Series) -> pl.Series:
    """Paths relative to the table root as on disk: the log stores them percent-encoded."""
    if not paths.str.contains("%", literal=True).any():
        return paths.cast(pl.String)  # the common case: nothing to decode
    decoded = [on_disk(p) for p in paths.to_list()]
    return pl.Series("path", decoded, dtype=pl.String)


def file_rows(files: pl.DataFrame) -> list[ActiveFile]:
    """The rows of a ``files_frame`` as ``active_files`` gives them."""
    columns = ("path", "size_bytes", "rows", "exchange", "trading_date")
    return [ActiveFile(*row) for row in files.select(columns).iter_rows()]
