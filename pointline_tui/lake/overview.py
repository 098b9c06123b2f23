"""The whole lake at a glance: tables by state, totals over Delta tables, manifest statuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pointline_tui.lake.catalog import TableEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class LakeOverview:
    """Counts and totals over every table of a silver root."""

    root: Path
    tables: int
    """Sub-folders listed by the catalog."""
    delta_tables: int
    empty_tables: int
    not_delta_tables: int
    damaged_tables: int
    """Logs that fail to load, including Delta tables whose files could not be read now."""
    files: int
    bytes: int
    rows: int | None
    """Rows of every Delta table; ``None`` when a file lacks statistics."""
    partitions: int
    hot_partitions: int
    manifest_status: tuple[tuple[str, int], ...] | None
    """(status, count) per manifest status; ``None`` when the lake has no manifest table."""


def build_overview(
    root: Path,
    entries: Sequence[TableEntry],
    stats: Mapping[str, pl.DataFrame],
    manifest_counts: pl.DataFrame | None,
) -> LakeOverview:
    """Sum the partition stats of the Delta tables that could be read.

    Args:
        root: the silver root.
        entries: the catalog.
        stats: ``partition_stats`` of every Delta entry that could be read; a Delta entry
            missing here is counted as damaged.
        manifest_counts: ``ManifestView.status_counts()``, ``None`` without a manifest table.
    """
    states = [e.state if e.state != "delta" or e.name in stats else "damaged" for e in entries]
    frames = [frame for frame in stats.values() if not frame.is_empty()]
    combined = pl.concat(frames) if frames else None

    def total(column: str) -> int:
        return 0 if combined is None else int(combined.get_column(column).sum())

    rows = None
    if combined is None:
        rows = 0
    elif not combined.get_column("rows").null_count():
        rows = total("rows")
    return LakeOverview(
        root=root,
        tables=len(entries),
        delta_tables=states.count("delta"),
        empty_tables=states.count("empty"),
        not_delta_tables=states.count("not_delta"),
        damaged_tables=states.count("damaged"),
        files=total("files"),
        bytes=total("bytes"),
        rows=rows,
        partitions=0 if combined is None else combined.height,
        hot_partitions=total("hot"),
        manifest_status=(
            None
            if manifest_counts is None
            else tuple((str(s), int(c)) for s, c in manifest_counts.iter_rows())
        ),
    )
