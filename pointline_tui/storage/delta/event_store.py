"""Event tables: append, per-partition compaction and vacuum, all through delta-rs."""

from __future__ import annotations

import fcntl
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import quote, unquote

import polars as pl
from deltalake import DeltaTable

from pointline_tui.storage.delta._tables import (
    append_frame,
    audit_metadata,
    commit_properties,
    ensure_writable,
    require_table,
    storage_errors,
    validate_frame,
)
from pointline_tui.storage.delta.files import files_frame
from pointline_tui.storage.delta.layout import table_path
from pointline_tui.storage.models import (
    CompactionReport,
    ConflictError,
    PartitionCompaction,
    RetentionError,
    UnknownTableError,
    VacuumReport,
)
from pointline_tui.storage.schemas import EVENT_PARTITION_COLUMNS, EVENT_TABLES, TableSpec

DEFAULT_RETENTION_HOURS = 168
MB = 1024 * 1024
# Delta readers and vacuum ignore folders starting with "_".
LOCK_DIR = "_pointline_locks"

Partition = tuple[str, date]


class DeltaEventStore:
    """EventStore, PartitionOptimizer and TableVacuum over the silver lake's Delta tables.

    Args:
        silver_root: folder holding one Delta table per data set.
        read_only: refuse every write (appends, compactions, vacuums that delete).
        audit: custom metadata recorded in compaction and vacuum commits; defaults to the
            user, host and tool version.
    """

    def __init__(
        self,
        silver_root: Path,
        *,
        read_only: bool = False,
        audit: Mapping[str, str] | None = None,
    ) -> None:
        self.silver_root = Path(silver_root)
        self.read_only = read_only
        self.audit = dict(audit) if audit is not None else audit_metadata()

    # -- EventStore ---------------------------------------------------------------------------

    def append(self, table_name: str, df: pl.DataFrame) -> None:
        """Append ``df`` to an event table, Hive-partitioned by exchange and trading_date.

        Raises:
            UnknownTableError: ``table_name`` is not an event table.
            SchemaMismatchError: a column is missing, extra, mistyped or holds forbidden nulls;
                nothing is written.
            ReadOnlyError: the store is read-only.
        """
        spec = _event_spec(table_name)
        ensure_writable(read_only=self.read_only, what=f"append to {table_name}")
        validate_frame(spec, df)
        if df.is_empty():
            return
        # delta-rs retries append commits on conflict, so concurrent writers all land.
        append_frame(spec, table_path(self.silver_root, table_name), df)

    # -- PartitionOptimizer -------------------------------------------------------------------

    @storage_errors
    def compact_partitions(
        self,
        table_name: str,
        *,
        exchange: str | None = None,
        trading_date: date | None = None,
        target_size_mb: int = 128,
    ) -> CompactionReport:
        """Bin-pack the files of each matching partition into files of about ``target_size_mb``.

        One delta-rs optimize commit per partition, always filtered on every partition column
        (a filter on only some of them merges partitions in some delta-rs releases).

        Raises:
            FileNotFoundError: the table does not exist yet (``TableNotFoundError``).
            ValueError: an invalid table name or target size, or a partition filter on a table
                that is not partitioned by exchange and trading_date.
            ConflictError: another writer removed the same files first.
            ReadOnlyError: the store is read-only.
            StorageOperationError: delta-rs failed (a damaged log, an unreadable file).
        """
        if target_size_mb <= 0:
            raise ValueError(f"target_size_mb must be positive, got {target_size_mb}")
        path = table_path(self.silver_root, table_name)
        ensure_writable(read_only=self.read_only, what=f"compact {table_name}")
        dt = require_table(path, table_name)
        partitioned = tuple(dt.metadata().partition_columns) == EVENT_PARTITION_COLUMNS
        filtering = exchange is not None or trading_date is not None
        if filtering and not partitioned:
            raise ValueError(
                f"table {table_name!r} is not partitioned by exchange and trading_date; "
                "compact it without a partition filter"
            )
        before = files_frame(dt)
        targets: list[Partition | None] = (
            [
                (ex, day)
                for ex, day in _partitions(before)
                if exchange in (None, ex) and trading_date in (None, day)
            ]
            if partitioned
            else [None]
        )
        for part in targets:
            self._compact_one(dt, path, part, _paths(before, part), target_size_mb * MB)
        dt.update_incremental()
        after = files_frame(dt)
        if not partitioned:
            (files_before, bytes_before), (files_after, bytes_after) = (
                _totals(before),
                _totals(after),
            )
            return CompactionReport(
                table_name=table_name,
                partitions_processed=1,
                files_before=files_before,
                files_after=files_after,
                bytes_before=bytes_before,
                bytes_after=bytes_after,
            )
        results = tuple(_partition_result(before, after, part) for part in targets if part)
        return CompactionReport(
            table_name=table_name,
            partitions_processed=len(results),
            files_before=sum(r.files_before for r in results),
            files_after=sum(r.files_after for r in results),
            bytes_before=sum(r.bytes_before for r in results),
            bytes_after=sum(r.bytes_after for r in results),
            partitions=results,
        )

    def _compact_one(
        self,
        dt: DeltaTable,
        path: Path,
        part: Partition | None,
        planned: set[str],
        target_size: int,
    ) -> None:
        """Compact one partition (or a whole unpartitioned table) in one commit.

        delta-rs (1.6.6) lets an optimize planned on a stale snapshot commit over another
        optimize of the same files, doubling their rows. So pointline's compactions of one
        partition take turns under a file lock, each on a fresh snapshot, and one whose files
        were rewritten while it waited commits nothing.
        """
        filters = None
        if part is not None:
            filters = [("exchange", "=", part[0]), ("trading_date", "=", part[1].isoformat())]
        table_name = path.name
        with _partition_lock(path, part):
            dt.update_incremental()  # only the commits since the plan
            if not planned <= _paths(files_frame(dt), part):
                where = f"partition {part[0]}/{part[1]}" if part else "the table"
                raise ConflictError(
                    f"{table_name}: another writer compacted or rewrote {where} first; "
                    "this compaction committed nothing"
                )
            dt.optimize.compact(
                partition_filters=filters,
                target_size=target_size,
                commit_properties=commit_properties(self.audit),
            )

    # -- TableVacuum --------------------------------------------------------------------------

    @storage_errors
    def vacuum_table(
        self,
        table_name: str,
        *,
        retention_hours: int = DEFAULT_RETENTION_HOURS,
        dry_run: bool = False,
        enforce_retention: bool = True,
        partitions: Iterable[Partition] | None = None,
    ) -> VacuumReport:
        """Remove files no current version references, tombstoned over ``retention_hours`` ago.

        Args:
            table_name: the table to vacuum.
            retention_hours: keep files tombstoned more recently than this.
            dry_run: only list (and size) what would be removed.
            enforce_retention: refuse a retention below the table's minimum.
            partitions: delete only delta-rs's candidates inside these (exchange, trading_date)
                partitions; the rest of the table is left as it is.

        Raises:
            FileNotFoundError: the table does not exist yet (``TableNotFoundError``).
            ValueError: a negative retention, or one below the table's minimum while
                ``enforce_retention`` is set (``RetentionError``).
            ReadOnlyError: the store is read-only and this is not a dry run.
            StorageOperationError: delta-rs failed (a damaged log, an unreadable file).
        """
        path = table_path(self.silver_root, table_name)
        if not dry_run:
            ensure_writable(read_only=self.read_only, what=f"vacuum {table_name}")
        if retention_hours < 0:
            raise ValueError(f"retention_hours must not be negative, got {retention_hours}")
        dt = require_table(path, table_name)
        minimum = minimum_retention_hours(dt)
        if enforce_retention and retention_hours < minimum:
            raise RetentionError(
                f"retention of {retention_hours} h is below {table_name}'s minimum of "
                f"{minimum} h; older versions would stop being restorable (override the check "
                "to go ahead)"
            )
        # The only mode used is delta-rs's default ("lite"): full mode follows symlinks.
        candidates = dt.vacuum(
            retention_hours=retention_hours, dry_run=True, enforce_retention_duration=False
        )
        # Lite vacuum lists every old tombstone, including files already deleted.
        sizes = {rel: size for rel in candidates if (size := _size(path / rel)) is not None}
        if partitions is not None:
            wanted = set(partitions)
            sizes = {rel: size for rel, size in sizes.items() if _partition_of(rel) in wanted}
        candidates = list(sizes)
        if dry_run:
            removed = list(candidates)
        elif partitions is not None:
            removed = _delete_unreferenced(dt, path, candidates)
            if removed:
                self._record_partition_vacuum(dt, removed, sum(sizes[r] for r in removed))
        else:
            deleted = dt.vacuum(
                retention_hours=retention_hours,
                dry_run=False,
                enforce_retention_duration=False,
                commit_properties=commit_properties(self.audit),
            )
            # delta-rs reports absolute paths here, and again lists files gone long ago.
            removed = [rel for rel in (_relative(path, p) for p in deleted) if rel in sizes]
        return VacuumReport(
            table_name=table_name,
            files_removed=len(removed),
            bytes_freed=sum(sizes[rel] for rel in removed),
            dry_run=dry_run,
            retention_hours=retention_hours,
            removed_files=tuple(sorted(removed)),
        )

    def _record_partition_vacuum(self, dt: DeltaTable, removed: list[str], freed: int) -> None:
        """Record a partition-scoped vacuum in the log: an empty commit carrying the audit.

        delta-rs's vacuum commits VACUUM START/END for a table-wide run; deleting only some of
        its candidates happens outside it, so this commit is what history shows of it.
        """
        partitions = sorted({f"{p[0]}/{p[1]}" for r in removed if (p := _partition_of(r))})
        metadata = self.audit | {
            "pointline_operation": "VACUUM PARTITIONS",
            "files_removed": str(len(removed)),
            "bytes_freed": str(freed),
            "partitions": ", ".join(partitions),
        }
        dt.update_incremental()
        dt.create_write_transaction(
            [],
            mode="append",
            schema=dt.schema(),
            partition_by=dt.metadata().partition_columns,
            commit_properties=commit_properties(metadata),
        )


_RETENTION = re.compile(r"interval\s+(\d+)\s+(\w+?)s?\s*$", re.IGNORECASE)
_HOURS_PER = {"hour": 1, "day": 24, "week": 168, "minute": 1 / 60, "second": 1 / 3600}


def minimum_retention_hours(dt: DeltaTable) -> int:
    """The table's ``delta.deletedFileRetentionDuration`` in hours (Delta's default: 168)."""
    value = dt.metadata().configuration.get("delta.deletedFileRetentionDuration")
    match = _RETENTION.match(value or "")
    if not match or match.group(2).lower() not in _HOURS_PER:
        return DEFAULT_RETENTION_HOURS
    return int(int(match.group(1)) * _HOURS_PER[match.group(2).lower()])


def _event_spec(table_name: str) -> TableSpec:
    try:
        return EVENT_TABLES[table_name]
    except KeyError:
        known = ", ".join(sorted(EVENT_TABLES))
        raise UnknownTableError(
            f"unknown event table {table_name!r}; known event tables: {known}"
        ) from None


def _partitions(files: pl.DataFrame) -> list[Partition]:
    rows = files.select(EVENT_PARTITION_COLUMNS).unique().sort(EVENT_PARTITION_COLUMNS)
    return [(ex, day) for ex, day in rows.iter_rows()]


def _paths(files: pl.DataFrame, part: Partition | None) -> set[str]:
    if part is not None:
        files = files.filter(exchange=part[0], trading_date=part[1])
    return set(files.get_column("path").to_list())


def _totals(files: pl.DataFrame) -> tuple[int, int]:
    return files.height, int(files.get_column("size_bytes").sum())


def _partition_result(
    before: pl.DataFrame, after: pl.DataFrame, part: Partition
) -> PartitionCompaction:
    def of(files: pl.DataFrame) -> tuple[int, int]:
        return _totals(files.filter(exchange=part[0], trading_date=part[1]))

    (files_before, bytes_before), (files_after, bytes_after) = of(before), of(after)
    return PartitionCompaction(
        exchange=part[0],
        trading_date=part[1],
        files_before=files_before,
        files_after=files_after,
        bytes_before=bytes_before,
        bytes_after=bytes_after,
    )


@contextmanager
def _partition_lock(table_root: Path, part: Partition | None) -> Iterator[None]:
    """Hold an exclusive lock (across threads and processes) on one partition's compaction."""
    name = "table" if part is None else f"{quote(part[0], safe='-')}.{part[1].isoformat()}"
    lock_dir = table_root / LOCK_DIR
    lock_dir.mkdir(exist_ok=True)
    with (lock_dir / f"{name}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _partition_of(relative_path: str) -> Partition | None:
    """The (exchange, trading_date) of a Hive-style relative file path, if it has one."""
    values = {}
    for segment in relative_path.split("/")[:-1]:
        key, sep, value = segment.partition("=")
        if sep:
            values[key] = unquote(value)
    try:
        return values["exchange"], date.fromisoformat(values["trading_date"])
    except (KeyError, ValueError):
        return None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _relative(table_root: Path, reported: str) -> str:
    """A path delta-rs reported (relative, absolute or a file URI) relative to the table root."""
    local = unquote(reported.removeprefix("file://"))
    for root in {str(table_root.absolute()), str(table_root.resolve())}:
        if local.startswith(root.rstrip("/") + "/"):
            return local[len(root.rstrip("/")) + 1 :]
    return reported


def _delete_unreferenced(dt: DeltaTable, root: Path, candidates: list[str]) -> list[str]:
    """Delete ``candidates``, re-checking first that the latest version references none."""
    dt.update_incremental()
    live = set(files_frame(dt).get_column("path").to_list())  # on-disk form, as candidates
    removed = []
    for rel in candidates:
        if rel in live:
            continue
        try:
            (root / rel).unlink()
        except FileNotFoundError:
            continue
        removed.append(rel)
    return removed
