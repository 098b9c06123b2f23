"""The whole lake at a glance: tables by state, totals over Delta tables, manifest statuses.

Plain Python over partition rows: the console draws it from the cache before polars loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pointline_tui.lake.catalog import TableEntry

Statuses = tuple[tuple[str, int], ...]
"""(status, files) per manifest status, as ``ManifestView.status_counts`` orders them."""


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
    manifest_status: Statuses | None
    """``None`` when the lake has no manifest table."""


def build_overview(
    root: Path,
    entries: Sequence[TableEntry],
    stats: Mapping[str, Iterable[Mapping[str, object]]],
    manifest_status: Statuses | None,
) -> LakeOverview:
    """Sum the partition statistics of the Delta tables that could be read.

    Args:
        root: the silver root.
        entries: the catalog.
        stats: per Delta entry that could be read, its partitions' rows (``files``, ``bytes``,
            ``rows`` and ``hot`` of ``partitions.STATS_SCHEMA``); a Delta entry missing here
            is counted as damaged.
        manifest_status: ``None`` without a manifest table.
    """
    states = [e.state if e.state != "delta" or e.name in stats else "damaged" for e in entries]
    files = size = rows = partitions = hot = 0
    rows_known = True
    for table in stats.values():
        for partition in table:
            files += _whole(partition["files"])
            size += _whole(partition["bytes"])
            if partition["rows"] is None:
                rows_known = False
            else:
                rows += _whole(partition["rows"])
            partitions += 1
            hot += bool(partition["hot"])
    return LakeOverview(
        root=root,
        tables=len(entries),
        delta_tables=states.count("delta"),
        empty_tables=states.count("empty"),
        not_delta_tables=states.count("not_delta"),
        damaged_tables=states.count("damaged"),
        files=files,
        bytes=size,
        rows=rows if rows_known else None,
        partitions=partitions,
        hot_partitions=hot,
        manifest_status=manifest_status,
    )


def single_partition(partitions: Iterable[Mapping[str, object]]) -> bool:
    """Statistics of an unpartitioned table: no partition names an exchange (or there is none)."""
    return all(partition["exchange"] is None for partition in partitions)


def _whole(value: object) -> int:
    assert isinstance(value, int), value
    return value
