"""What one Delta table holds: version, last commit, schema and totals over its files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from pointline_tui.lake.history import history_entries
from pointline_tui.storage.delta.deletion import minimum_retention_hours

if TYPE_CHECKING:
    from deltalake import DeltaTable


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSummary:
    """A Delta table at one version."""

    name: str
    version: int
    last_commit_at: datetime | None
    last_operation: str | None
    partition_columns: tuple[str, ...]
    schema: tuple[tuple[str, str], ...]
    """(column name, Delta type string such as ``long`` or ``array<long>``)."""
    files: int
    bytes: int
    rows: int | None
    """Sum of the files' log statistics; ``None`` when a file has none."""
    partitions: int
    """Rows of ``partition_stats``: 1 for an unpartitioned table with files."""
    hot_partitions: int
    min_retention_hours: int
    """The table's ``delta.deletedFileRetentionDuration`` (what vacuum enforces)."""


def build_summary(
    name: str, dt: DeltaTable, files: pl.DataFrame, stats: pl.DataFrame
) -> TableSummary:
    """Summarise ``dt`` from its files frame and partition stats (both of ``dt``'s version).

    Args:
        name: the table's name.
        dt: the table, at the version ``files`` and ``stats`` were read from.
        files: ``storage.delta.files.files_frame(dt)``.
        stats: ``partitions.partition_stats(files, ...)``.
    """
    last = history_entries(dt, 1)
    rows = files.get_column("rows")
    return TableSummary(
        name=name,
        version=dt.version(),
        last_commit_at=last[0].timestamp if last else None,
        last_operation=last[0].operation if last else None,
        partition_columns=tuple(dt.metadata().partition_columns),
        schema=tuple((f.name, type_string(f.type)) for f in dt.schema().fields),
        files=files.height,
        bytes=int(files.get_column("size_bytes").sum()),
        rows=None if rows.null_count() else int(rows.sum()),
        partitions=stats.height,
        hot_partitions=int(stats.get_column("hot").sum()),
        min_retention_hours=minimum_retention_hours(dt),
    )


def type_string(delta_type: object) -> str:
    """A Delta type as text: ``long``, ``array<long>``, ``map<string,long>``, ``struct<a:int>``."""
    from deltalake.schema import ArrayType, MapType, StructType  # loaded with the table

    if isinstance(delta_type, ArrayType):
        return f"array<{type_string(delta_type.element_type)}>"
    if isinstance(delta_type, MapType):
        key, value = type_string(delta_type.key_type), type_string(delta_type.value_type)
        return f"map<{key},{value}>"
    if isinstance(delta_type, StructType):
        inner = ",".join(f"{f.name}:{type_string(f.type)}" for f in delta_type.fields)
        return f"struct<{inner}>"
    return str(getattr(delta_type, "type", delta_type))
