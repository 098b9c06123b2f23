"""Inside a table's versions: what one commit changed, two versions compared, one browsed.

Everything here comes from the log (add and remove actions and their statistics); only
``rows_as_of`` reads data, a bounded preview.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import polars as pl
from deltalake import DeltaTable

from pointline_tui.lake.catalog import check_table_dir
from pointline_tui.storage.delta.files import files_frame
from pointline_tui.storage.delta.log import DELTA_LOG, commit_actions, commit_name, on_disk
from pointline_tui.storage.delta.restore import commit_time, open_version
from pointline_tui.storage.models import StorageError, StorageOperationError
from pointline_tui.storage.schemas import is_event_partitioned

PartitionKey = tuple[str | None, date | None]
SchemaChangeKind = Literal["added", "removed", "type", "nullable", "partitioning"]

ROWS_PREVIEW_LIMIT = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaChange:
    """One column that differs between two versions' schemas."""

    column: str
    """The column's name (the partition columns, comma-separated, for ``partitioning``)."""
    change: SchemaChangeKind
    before: str | None
    """Its type (or nullability, or partition columns) before; ``None`` when it was added."""
    after: str | None

    @property
    def summary(self) -> str:
        """``qty: long -> double``, ``px: added (long)``, ``partitioning: none -> exchange``."""
        if self.change == "partitioning":
            return f"partitioning: {self.before} -> {self.after}"
        if self.change == "added":
            return f"{self.column}: added ({self.after})"
        if self.change == "removed":
            return f"{self.column}: removed (was {self.before})"
        return f"{self.column}: {self.change} {self.before} -> {self.after}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionChange:
    """Files one commit added to and removed from one partition."""

    exchange: str | None
    trading_date: date | None
    files_added: int
    files_removed: int
    bytes_added: int
    bytes_removed: int
    rows_added: int | None
    """``None`` when a file has no statistics."""
    rows_removed: int | None
    """``None`` when a removed file's rows are not known (no statistics, or no prior version)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitChanges:
    """What the commit of ``version`` changed, per partition, from its actions."""

    table: str
    version: int
    partitions: tuple[PartitionChange, ...]
    schema_changes: tuple[SchemaChange, ...]

    def total(self, field: str) -> int | None:
        """Sum of ``field`` (``"rows_added"``, ...) over the partitions; ``None`` if unknown."""
        values = [getattr(p, field) for p in self.partitions]
        return None if None in values else sum(values)


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionDiff:
    """One partition's files, bytes and rows at two versions (zeros where it is absent)."""

    exchange: str | None
    trading_date: date | None
    files_from: int
    files_to: int
    bytes_from: int
    bytes_to: int
    rows_from: int | None
    rows_to: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionDiff:
    """Two versions of a table compared per partition, from their add actions."""

    table: str
    from_version: int
    to_version: int
    schema_changes: tuple[SchemaChange, ...]
    partitions: tuple[PartitionDiff, ...]
    """The partitions whose files differ, sorted."""
    unchanged: int
    """Partitions holding the same files at both versions."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TableAsOf:
    """A table's files as they were at ``version``."""

    table: str
    version: int
    timestamp: datetime | None
    partitioned: bool
    files: pl.DataFrame
    """``storage.delta.files.FILES_SCHEMA``."""


def commit_changes(table_root: Path, version: int) -> CommitChanges:
    """The partitions commit ``version`` added files to or removed files from.

    Rows of removed files come from the previous version's add actions (remove actions carry
    no statistics).

    Raises:
        TableNotFoundError: no Delta table at ``table_root``.
        VersionNotFoundError: the table has no such version.
        StorageOperationError: the commit file is gone (log clean-up) or does not parse.
    """
    check_table_dir(table_root.name, table_root)
    commit = table_root / DELTA_LOG / commit_name(version)
    try:
        actions = list(commit_actions(commit))
    except (OSError, ValueError) as err:
        with contextlib.suppress(StorageOperationError):
            _open(table_root, version, without_files=True)  # a version it never had?
        raise StorageOperationError(
            f"{table_root.name}: commit {version} cannot be read ({err}); its changes are not "
            "known (the log may have been cleaned up)"
        ) from err
    dt = _open(table_root, version)
    partitioned = is_event_partitioned(dt.metadata().partition_columns)
    before = _prior(table_root, version)
    prior = None if before is None else files_frame(before)
    # Rows as the versions' statistics give them: the added files' now, the removed ones' before.
    live = dict(files_frame(dt).select("path", "rows").iter_rows())
    known = {} if prior is None else dict(prior.select("path", "rows").iter_rows())
    sizes = {} if prior is None else dict(prior.select("path", "size_bytes").iter_rows())
    rows: list[tuple[PartitionKey, str, int, int | None]] = []
    for action in actions:
        for kind in ("add", "remove"):
            value = action.get(kind)
            if not isinstance(value, dict) or "path" not in value:
                continue
            path = on_disk(str(value["path"]))
            key = _key(value.get("partitionValues"), partitioned=partitioned)
            if kind == "add":
                size, count = _int(value.get("size")) or 0, live.get(path)
            else:
                size = _int(value.get("size")) or sizes.get(path, 0)
                count = known.get(path)
            rows.append((key, kind, size, count))
    return CommitChanges(
        table=table_root.name,
        version=version,
        partitions=_by_partition(rows),
        schema_changes=() if before is None else schema_changes(before, dt),
    )


def version_diff(table_root: Path, from_version: int, to_version: int) -> VersionDiff:
    """Compare two versions of the table per partition: files, bytes and rows.

    Raises:
        TableNotFoundError: no Delta table at ``table_root``.
        VersionNotFoundError: the table has no such version.
        StorageOperationError: a version does not load.
    """
    old = _open(table_root, from_version)
    new = _open(table_root, to_version)
    before, after = _per_partition(files_frame(old)), _per_partition(files_frame(new))
    keys = ["exchange", "trading_date"]
    joined = before.join(after, on=keys, how="full", coalesce=True, nulls_equal=True, suffix="_to")
    same = pl.col("paths").fill_null([]).list.sort() == pl.col("paths_to").fill_null([]).list.sort()
    differ = joined.filter(~same).sort(keys, nulls_last=True)
    return VersionDiff(
        table=table_root.name,
        from_version=from_version,
        to_version=to_version,
        schema_changes=schema_changes(old, new),
        partitions=tuple(
            PartitionDiff(
                exchange=row["exchange"],
                trading_date=row["trading_date"],
                files_from=row["files"] or 0,
                files_to=row["files_to"] or 0,
                bytes_from=row["bytes"] or 0,
                bytes_to=row["bytes_to"] or 0,
                rows_from=_rows_of(row, ""),
                rows_to=_rows_of(row, "_to"),
            )
            for row in differ.iter_rows(named=True)
        ),
        unchanged=joined.height - differ.height,
    )


def table_as_of(table_root: Path, version: int) -> TableAsOf:
    """The table's files at ``version``, from its log.

    Raises:
        TableNotFoundError: no Delta table at ``table_root``.
        VersionNotFoundError: the table has no such version.
        StorageOperationError: the version does not load.
    """
    dt = _open(table_root, version)
    return TableAsOf(
        table=table_root.name,
        version=version,
        timestamp=commit_time(table_root, version),
        partitioned=is_event_partitioned(dt.metadata().partition_columns),
        files=files_frame(dt),
    )


def rows_as_of(
    table_root: Path,
    version: int,
    exchange: str | None,
    trading_date: date | None,
    *,
    limit: int = ROWS_PREVIEW_LIMIT,
) -> pl.DataFrame:
    """The first ``limit`` rows of a partition (``None``, ``None``: the table) at ``version``.

    Raises:
        ValueError: a limit below one.
        VersionNotFoundError: the table has no such version.
        StorageOperationError: the version or its files cannot be read (vacuumed files).
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    dt = _open(table_root, version)
    frame = pl.scan_delta(dt)
    if exchange is not None:
        frame = frame.filter(pl.col("exchange") == exchange)
    if trading_date is not None:
        frame = frame.filter(pl.col("trading_date") == trading_date)
    try:
        return frame.head(limit).collect()
    except (pl.exceptions.PolarsError, OSError) as err:
        raise StorageOperationError(
            f"{table_root.name}: the rows of version {version} cannot be read: {err}"
        ) from err


def _open(table_root: Path, version: int, *, without_files: bool = False) -> DeltaTable:
    """``open_version`` of a folder that may be read (one leading out of the lake may not)."""
    check_table_dir(table_root.name, table_root)
    return open_version(table_root, version, without_files=without_files)


def schema_changes(old: DeltaTable, new: DeltaTable) -> tuple[SchemaChange, ...]:
    """The columns (and partitioning) that differ from ``old``'s schema to ``new``'s."""
    before = {f.name: f for f in old.schema().fields}
    after = {f.name: f for f in new.schema().fields}
    changes = []
    for name in before.keys() - after.keys():
        changes.append(
            SchemaChange(column=name, change="removed", before=_type(before[name].type), after=None)
        )
    for name in after.keys() - before.keys():
        changes.append(
            SchemaChange(column=name, change="added", before=None, after=_type(after[name].type))
        )
    for name in before.keys() & after.keys():
        was, now = before[name], after[name]
        if _type(was.type) != _type(now.type):
            changes.append(
                SchemaChange(
                    column=name, change="type", before=_type(was.type), after=_type(now.type)
                )
            )
        elif was.nullable != now.nullable:
            changes.append(
                SchemaChange(
                    column=name,
                    change="nullable",
                    before=_nullable(was.nullable),
                    after=_nullable(now.nullable),
                )
            )
    old_parts, new_parts = old.metadata().partition_columns, new.metadata().partition_columns
    if list(old_parts) != list(new_parts):
        changes.append(
            SchemaChange(
                column="",
                change="partitioning",
                before=", ".join(old_parts) or "none",
                after=", ".join(new_parts) or "none",
            )
        )
    return tuple(sorted(changes, key=lambda c: (c.change, c.column)))


def _prior(table_root: Path, version: int) -> DeltaTable | None:
    """The version before ``version`` (``None`` for version 0, or if it does not load)."""
    if version == 0:
        return None
    try:
        return _open(table_root, version - 1)
    except StorageError:
        return None


def _per_partition(files: pl.DataFrame) -> pl.DataFrame:
    return files.group_by("exchange", "trading_date").agg(
        files=pl.len(),
        bytes=pl.col("size_bytes").sum(),
        rows=pl.col("rows").sum(),
        rows_known=pl.col("rows").null_count() == 0,
        paths=pl.col("path"),
    )


def _rows_of(row: dict[str, object], suffix: str) -> int | None:
    if row[f"files{suffix}"] is None:
        return 0  # the partition is not in this version
    rows = row[f"rows{suffix}"]
    return int(rows) if row[f"rows_known{suffix}"] and isinstance(rows, int) else None


def _by_partition(
    rows: list[tuple[PartitionKey, str, int, int | None]],
) -> tuple[PartitionChange, ...]:
    keys = sorted({key for key, *_ in rows}, key=lambda k: (k[0] or "", k[1] or date.min))
    changes = []
    for key in keys:
        added = [(size, count) for k, kind, size, count in rows if k == key and kind == "add"]
        removed = [(size, count) for k, kind, size, count in rows if k == key and kind == "remove"]
        changes.append(
            PartitionChange(
                exchange=key[0],
                trading_date=key[1],
                files_added=len(added),
                files_removed=len(removed),
                bytes_added=sum(size for size, _ in added),
                bytes_removed=sum(size for size, _ in removed),
                rows_added=_sum_known(count for _, count in added),
                rows_removed=_sum_known(count for _, count in removed),
            )
        )
    return tuple(changes)


def _sum_known(values: Iterable[int | None]) -> int | None:
    counts = list(values)
    return None if None in counts else sum(c for c in counts if c is not None)


def _key(values: object, *, partitioned: bool) -> PartitionKey:
    if not partitioned or not isinstance(values, dict):
        return (None, None)
    exchange, day = values.get("exchange"), values.get("trading_date")
    try:
        parsed = date.fromisoformat(day) if isinstance(day, str) else None
    except ValueError:
        parsed = None
    return (exchange if isinstance(exchange, str) else None, parsed)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _type(value: object) -> str:
    to_json = getattr(value, "to_json", None)
    text = to_json() if callable(to_json) else str(value)
    return str(text).strip('"')


def _nullable(nullable: bool) -> str:  # noqa: FBT001 - a plain value
    return "nullable" if nullable else "required"
