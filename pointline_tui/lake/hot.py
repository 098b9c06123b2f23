"""The hot partitions of every event table at once, worst first."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pointline_tui.lake.partitions import STATS_SCHEMA

HOT_SCHEMA = pl.Schema(
    {"table": pl.String(), **{name: STATS_SCHEMA[name] for name in STATS_SCHEMA.names()}}
)


def hot_partitions(stats: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """The hot partitions of the tables whose ``partition_stats`` are given, worst first.

    Worst means most small files, then most bytes a compaction would rewrite, then the
    oldest newest file (a partition nobody writes to any more is the safest to compact).

    Returns:
        A frame with ``HOT_SCHEMA``: the table name, then the partition's statistics.
    """
    frames = [
        frame.filter("hot").select(pl.lit(table).alias("table"), pl.all())
        for table, frame in stats.items()
    ]
    if not frames:
        return pl.DataFrame(schema=HOT_SCHEMA)
    return (
        pl.concat(frames)
        .cast(HOT_SCHEMA)
        .sort(
            ["small_files", "bytes", "last_modified", "table", "exchange", "trading_date"],
            descending=[True, True, False, False, False, False],
            nulls_last=True,
        )
    )
