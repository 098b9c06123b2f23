"""Event tables: append, per-partition compaction and vacuum, all through delta-rs."""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from deltalake import ColumnProperties, DeltaTable, WriterProperties
from deltalake.exceptions import DeltaError

from pointline_tui.storage.delta._tables import (
    append_frame,
    audit_metadata,
    commit_properties,
    ensure_writable,
    require_table,
    storage_errors,
    validate_frame,
)
from pointline_tui.storage.delta.check import (
    check_table,
    ensure_sound,
    partition_of,
    refuse_on_errors,
    walk_table,
)
from pointline_tui.storage.delta.deletion import (
    DEFAULT_RETENTION_HOURS,
    changed_at,
    delete_orphans,
    delete_unreferenced,
    minimum_retention_hours,
    refuse_outside,
    vacuum_sizes,
)
from pointline_tui.storage.delta.layout import table_path
from pointline_tui.storage.delta.locks import DEFAULT_LOCK_TIMEOUT_S, LockHolder, partition_lock
from pointline_tui.storage.delta.verify import RUN_KEY, verify_compaction
from pointline_tui.storage.limits import (
    check_min_age_hours,
    check_retention_hours,
    check_target_size,
)
from pointline_tui.storage.models import (
    CompactionReport,
    ConflictError,
    OrphanReport,
    PartialCompactionError,
    PartitionCompaction,
    RetentionError,
    SchemaMismatchError,
    StorageError,
    StorageOperationError,
    UnknownTableError,
    VacuumReport,
)
from pointline_tui.storage.schemas import (
    EVENT_PARTITION_COLUMNS,
    EVENT_TABLES,
    TableSpec,
    is_event_partitioned,
)

if TYPE_CHECKING:  # loaded where frames are made: a vacuum does without
    import polars as pl

DEFAULT_ORPHAN_MIN_AGE_HOURS = 24
"""A file younger than this that no commit names may still be a write in flight."""
MB = 1024 * 1024
UNIQUE_PER_ROW = ("ts_event_us", "ts_local_us", "file_seq", "trade_id")
"""Event columns whose values are (all but) unique per row: a dictionary of them only costs."""
COMPACTION_WRITER = WriterProperties(
    compression="ZSTD",
    compression_level=1,
    default_column_properties=ColumnProperties(statistics_enabled="CHUNK"),
    column_properties={
        name: ColumnProperties(statistics_enabled="CHUNK", dictionary_enabled=False)
        for name in UNIQUE_PER_ROW
    },
)
"""How compacted files are written. zstd level 1 costs about two thirds of the CPU of
delta-rs's default level for files ~5 % bigger; per-row-group statistics (what readers prune
on and the log's statistics come from) without per-page ones save another tenth (64 files of
1.5 MB: 3.0 s of CPU against 4.9 s; a polars read plus one zstd write takes 2.3 s). Without a
dictionary for ``UNIQUE_PER_ROW`` (the writer tries one, then gives up per page): a fifth
less CPU again and files ~8 % smaller (2.6 s against 1.9 s of CPU, 56 MB against 52)."""
COMPACTION_TASKS = 2
"""Bins one partition's compaction writes at once (delta-rs's default is one per core, and
each holds its bin in memory)."""

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
        self._handles = threading.local()
        """Per thread, the tables compacted last: the next partition reads only new commits."""
        self._adopted: dict[str, tuple[DeltaTable, pl.DataFrame | None]] = {}
        self._adopted_lock = threading.Lock()

    # -- EventStore ---------------------------------------------------------------------------

    @storage_errors
    def append(self, table_name: str, df: pl.DataFrame) -> None:
        """Append ``df`` to an event table, Hive-partitioned by exchange and trading_date.

        Raises:
            UnknownTableError: ``table_name`` is not an event table.
            SchemaMismatchError: a column is missing, extra, mistyped or holds forbidden nulls,
                or an exchange is empty; nothing is written.
            ReadOnlyError: the store is read-only.
            UnsafeTableError: ``check`` finds an error in the table's log.
        """
        spec = _event_spec(table_name)
        ensure_writable(read_only=self.read_only, what=f"append to {table_name}")
        validate_frame(spec, df)
        if df.is_empty():
            return
        import polars as pl

        blank = df.filter(pl.col("exchange").str.strip_chars() == "").height
        if blank:
            raise SchemaMismatchError(
                f"{table_name}: {blank} row(s) have an empty exchange; a partition needs a "
                "real exchange name (delta-rs would read the empty value back as null)"
            )
        path = table_path(self.silver_root, table_name)
        if path.exists() or path.is_symlink():
            ensure_sound(self.silver_root, table_name)
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
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        cancelled: Callable[[], bool] | None = None,
        on_lock_wait: Callable[[LockHolder | None], None] | None = None,
        on_lock_acquired: Callable[[], None] | None = None,
    ) -> CompactionReport:
        """Bin-pack the files of each matching partition into files of about ``target_size_mb``.

        One delta-rs optimize commit per partition, always filtered on every partition column
        (a filter on only some of them merges partitions in some delta-rs releases). Each
        commit is checked against the log afterwards (``verify_compaction``).

        Args:
            table_name: the table to compact.
            exchange: only this exchange's partitions.
            trading_date: only this trading date's partitions.
            target_size_mb: the file size to aim for, 1 to ``MAX_TARGET_SIZE_MB``.
            lock_timeout_s: how long to wait for another compaction of a partition to end.
            cancelled: polled while waiting for a partition's lock; true gives up.
            on_lock_wait: called with the lock's holder when a partition's lock is taken.
            on_lock_acquired: called once a partition's lock is held, before it is compacted.

        Raises:
            FileNotFoundError: the table does not exist yet (``TableNotFoundError``).
            ValueError: an invalid table name or target size, or a partition filter on a table
                that is not partitioned by exchange and trading_date.
            ConflictError: another writer removed the same files first.
            ReadOnlyError: the store is read-only.
            UnsafeTableError: ``check`` finds an error in the table or in these partitions.
            VerificationError: a commit did not add up; nothing more was compacted.
            LockTimeoutError, LockCancelledError: a partition's lock was not had.
            PartialCompactionError: a later partition failed after others were committed
                (``report`` holds those).
            StorageOperationError: delta-rs failed (a damaged log, an unreadable file).
        """
        from pointline_tui.storage.delta.files import file_rows

        check_target_size(target_size_mb)
        path = table_path(self.silver_root, table_name)
        ensure_writable(read_only=self.read_only, what=f"compact {table_name}")
        dt = self._reopen(path, table_name)
        partitioned = is_event_partitioned(dt.metadata().partition_columns)
        filtering = exchange is not None or trading_date is not None
        if filtering and not partitioned:
            raise ValueError(
                f"table {table_name!r} is not partitioned by exchange and trading_date; "
                "compact it without a partition filter"
            )
        before = self._files(dt, table_name)
        targets: list[Partition | None] = (
            [
                (ex, day)
                for ex, day in _partitions(before)
                if exchange in (None, ex) and trading_date in (None, day)
            ]
            if partitioned
            else [None]
        )
        keys = [t for t in targets if t is not None]
        ensure_sound(
            self.silver_root,
            table_name,
            table=dt,
            partitions=keys,
            files=file_rows(_of_partitions(before, keys)),
        )
        after: dict[Partition | None, tuple[int, int]] = {}
        for part in targets:
            try:
                after[part] = self._compact_one(
                    dt,
                    path,
                    part,
                    _paths(before, part),
                    target_size_mb * MB,
                    wait=functools.partial(
                        partition_lock,
                        timeout_s=lock_timeout_s,
                        cancelled=cancelled,
                        on_wait=on_lock_wait,
                        on_acquired=on_lock_acquired,
                    ),
                )
            except StorageError as err:
                if not after:
                    raise
                partial = _report(table_name, before, after)
                raise PartialCompactionError(
                    f"{err} ({len(after)} partition(s) were compacted before it)", partial
                ) from err
        return _report(table_name, before, after)

    def adopt(self, table_name: str, table: DeltaTable, files: pl.DataFrame | None = None) -> None:
        """Take ``table``, loaded with its files by the caller, for the next write to it.

        The next vacuum, or the first thread to compact the table, uses it (brought up to
        date) instead of replaying the log again: a command that planned from a load pays
        for one. ``files``: its ``files_frame``, when the caller made one (a compaction then
        starts from it while the table has no newer commit).
        """
        with self._adopted_lock:
            self._adopted[table_name] = (table, files)

    def _take_adopted(self, table_name: str) -> DeltaTable | None:
        """The handle ``adopt`` was given for the table, once (``None``: none)."""
        with self._adopted_lock:
            taken = self._adopted.pop(table_name, None)
        if taken is None:
            return None
        table, files = taken
        if files is not None:
            self._known_files()[table_name] = (table, table.version(), files)
        return table

    def _known_files(self) -> dict[str, tuple[DeltaTable, int, pl.DataFrame]]:
        """This thread's last ``files_frame`` per table: of which handle, at which version."""
        known: dict[str, tuple[DeltaTable, int, pl.DataFrame]]
        known = self._handles.__dict__.setdefault("files", {})
        return known

    def _files(self, dt: DeltaTable, table_name: str) -> pl.DataFrame:
        """``files_frame(dt)``, made once per version of the handle (200,000 files: ~0.1 s)."""
        from pointline_tui.storage.delta.files import files_frame

        known = self._known_files()
        handle, version, files = known.get(table_name, (None, None, None))
        if handle is not dt or version != dt.version() or files is None:
            files = files_frame(dt)
            known[table_name] = (dt, dt.version(), files)
        return files

    def _reopen(self, path: Path, table_name: str) -> DeltaTable:
        """This thread's handle of the table, brought up to date; opened on first use.

        A compaction run calls once per partition: updating a kept handle reads only the
        commits since, where a fresh open replays the whole log (seconds on a big table).
        Handles die with their thread, so a run's memory goes when its pool does.
        """
        handles: dict[str, DeltaTable] = self._handles.__dict__.setdefault("tables", {})
        dt = handles.pop(table_name, None) or self._take_adopted(table_name)
        if dt is not None:
            try:
                dt.update_incremental()
            except DeltaError:
                dt = None  # whatever broke, a fresh open says it properly
        if dt is None:
            dt = self._open(path, table_name)
        handles[table_name] = dt
        return dt

    def _open(self, path: Path, table_name: str) -> DeltaTable:
        """The table, or the finding that says why its log does not load.

        Raises:
            TableNotFoundError: the table does not exist yet.
            UnsafeTableError: ``check`` names the damage that stops delta-rs.
        """
        try:
            return require_table(path, table_name)
        except StorageOperationError:
            ensure_sound(self.silver_root, table_name)  # names the damaged file
            raise

    def _compact_one(
        self,
        dt: DeltaTable,
        path: Path,
        part: Partition | None,
        planned: set[str],
        target_size: int,
        *,
        wait: Callable[[Path, Partition | None], AbstractContextManager[None]],
    ) -> tuple[int, int]:
        """Compact one partition (or a whole unpartitioned table) in one commit, then check it.

        pointline's compactions of one partition take turns under a file lock, each on a fresh
        snapshot, and one whose files were rewritten while it waited commits nothing. Other
        tools do not take the lock: the commit is verified against the log afterwards.

        Returns:
            The partition's files and bytes once compacted: the snapshot's, less the files the
            commit removed, plus those it wrote (read from the commit, not another file list).
        """
        filters = None
        if part is not None:
            filters = [("exchange", "=", part[0]), ("trading_date", "=", part[1].isoformat())]
        table_name = path.name
        with wait(path, part):
            dt.update_incremental()  # only the commits since the plan
            snapshot = self._files(dt, table_name)
            if not planned <= _paths(snapshot, part):
                where = f"partition {part[0]}/{part[1]}" if part else "the table"
                raise ConflictError(
                    f"{table_name}: another writer compacted or rewrote {where} first; "
                    "this compaction committed nothing"
                )
            since = dt.version()
            run_id = uuid.uuid4().hex
            dt.optimize.compact(
                partition_filters=filters,
                target_size=target_size,
                max_concurrent_tasks=COMPACTION_TASKS,
                writer_properties=COMPACTION_WRITER,
                commit_properties=commit_properties(self.audit | {RUN_KEY: run_id}),
            )
            commit = verify_compaction(
                path,
                part,
                since_version=since,
                before=_rows_by_path(snapshot, part),
                run_id=run_id,
            )
        files = snapshot if part is None else _of_partitions(snapshot, [part])
        sizes = dict(files.select("path", "size_bytes").iter_rows())
        if commit is not None:
            sizes = {p: n for p, n in sizes.items() if p not in commit.removed}
            sizes.update(commit.added)
        return len(sizes), sum(sizes.values())

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
        check_retention_hours(retention_hours)
        dt = self._take_adopted(table_name)
        if dt is not None:
            dt.update_incremental()  # only the commits since the caller's load
        else:
            dt = self._open(path, table_name)
        # Tombstoned files are the way back to a version without damage: keep them then. The
        # walk of the folders that proves it also gives the candidates' sizes.
        walked = walk_table(path)
        ensure_sound(self.silver_root, table_name, table=dt, scan_files=True, walked=walked)
        minimum = minimum_retention_hours(dt)
        if enforce_retention and retention_hours < minimum:
            raise RetentionError(
                f"retention of {retention_hours} h is below {table_name}'s minimum of "
                f"{minimum} h; older versions would stop being restorable (override the check "
                "to go ahead)"
            )
        # delta-rs's (lite) candidates; its full mode follows symlinks. The files are deleted
        # here, not by delta-rs: re-checked against the newest version, never through a link.
        sizes = vacuum_sizes(dt, path, retention_hours, walked.files)
        if partitions is not None:
            wanted = set(partitions)
            sizes = {rel: size for rel, size in sizes.items() if _partition_of(rel) in wanted}
        refuse_outside(path, table_name, sizes)
        candidates = list(sizes)
        if dry_run:
            removed = list(candidates)
        else:
            removed = delete_unreferenced(dt, path, candidates)
            if removed:
                self._record_vacuum(
                    dt,
                    removed,
                    sum(sizes[r] for r in removed),
                    retention_hours=retention_hours,
                    by_partition=partitions is not None,
                )
        return VacuumReport(
            table_name=table_name,
            files_removed=len(removed),
            bytes_freed=sum(sizes[rel] for rel in removed),
            dry_run=dry_run,
            retention_hours=retention_hours,
            removed_files=tuple(sorted(removed)),
        )

    @storage_errors
    def remove_orphans(
        self,
        table_name: str,
        *,
        min_age_hours: float = DEFAULT_ORPHAN_MIN_AGE_HOURS,
        dry_run: bool = False,
    ) -> OrphanReport:
        """Delete the files under a table that no version of its log names.

        Only ``orphan_file`` and ``staging_file`` findings of ``check`` older than
        ``min_age_hours`` go (a younger one may be a write in flight); each is checked again
        against the latest log right before it is deleted, and no symlink is ever followed.

        Raises:
            FileNotFoundError: the table does not exist yet (``TableNotFoundError``).
            ValueError: a negative or too large minimum age.
            ReadOnlyError: the store is read-only and this is not a dry run.
            UnsafeTableError: ``check`` finds an error in the table: what looks orphaned may be
                the only copy of rows a damaged commit lost.
        """
        path = table_path(self.silver_root, table_name)
        if not dry_run:
            ensure_writable(read_only=self.read_only, what=f"remove orphans of {table_name}")
        check_min_age_hours(min_age_hours)
        dt = self._open(path, table_name)
        findings = check_table(self.silver_root, table_name, table=dt)
        refuse_on_errors(table_name, findings)
        cutoff = time.time() - min_age_hours * 3600
        found = [
            (f.path.removeprefix(f"{table_name}/"), f.bytes or 0)
            for f in findings
            if f.kind in ("orphan_file", "staging_file") and f.path is not None
        ]
        old = {rel: size for rel, size in found if changed_at(path / rel) < cutoff}
        removed = sorted(old if dry_run else delete_orphans(dt, path, list(old)))
        return OrphanReport(
            table_name=table_name,
            files_removed=len(removed),
            bytes_freed=sum(old[rel] for rel in removed),
            dry_run=dry_run,
            min_age_hours=min_age_hours,
            removed_files=tuple(removed),
            file_bytes=tuple(old[rel] for rel in removed),
            too_young=len(found) - len(old),
        )

    def _record_vacuum(
        self,
        dt: DeltaTable,
        removed: list[str],
        freed: int,
        *,
        retention_hours: int,
        by_partition: bool,
    ) -> None:
        """Record a vacuum in the log: an empty commit carrying the audit and what went.

        The deletion happens outside delta-rs's vacuum (whose VACUUM START/END commits would
        record it), so this commit is what history shows of it.
        """
        metadata = self.audit | {
            "pointline_operation": "VACUUM PARTITIONS" if by_partition else "VACUUM",
            "files_removed": str(len(removed)),
            "bytes_freed": str(freed),
            "retention_hours": str(retention_hours),
        }
        if by_partition:
            parts = sorted({f"{p[0]}/{p[1]}" for r in removed if (p := _partition_of(r))})
            metadata["partitions"] = ", ".join(parts)
        dt.update_incremental()
        dt.create_write_transaction(
            [],
            mode="append",
            schema=dt.schema(),
            partition_by=dt.metadata().partition_columns,
            commit_properties=commit_properties(metadata),
        )
        dt.update_incremental()  # a kept handle starts the next write from this commit


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
        files = _of_partitions(files, [part])
    return set(files.get_column("path").to_list())


def _totals(files: pl.DataFrame) -> tuple[int, int]:
    return files.height, int(files.get_column("size_bytes").sum())


def _of_partitions(files: pl.DataFrame, parts: list[Partition]) -> pl.DataFrame:
    """The files of ``parts`` (a null exchange or date matches null: damage to be refused)."""
    import polars as pl

    keys = pl.DataFrame(parts, schema=files.select(EVENT_PARTITION_COLUMNS).schema, orient="row")
    return files.join(keys, on=list(EVENT_PARTITION_COLUMNS), how="semi", nulls_equal=True)


def _rows_by_path(files: pl.DataFrame, part: Partition | None) -> dict[str, int | None]:
    if part is not None:
        files = _of_partitions(files, [part])
    return dict(files.select("path", "rows").iter_rows())


def _report(
    table_name: str,
    before: pl.DataFrame,
    after: Mapping[Partition | None, tuple[int, int]],
) -> CompactionReport:
    """What compacting the partitions of ``after`` did (``None``: a whole unpartitioned table).

    ``after``: each compacted partition's files and bytes once compacted.
    """
    if None in after:
        (files_before, bytes_before), (files_after, bytes_after) = _totals(before), after[None]
        return CompactionReport(
            table_name=table_name,
            partitions_processed=1,
            files_before=files_before,
            files_after=files_after,
            bytes_before=bytes_before,
            bytes_after=bytes_after,
        )
    results = tuple(
        _partition_result(before, part, totals) for part, totals in after.items() if part
    )
    return CompactionReport(
        table_name=table_name,
        partitions_processed=len(results),
        files_before=sum(r.files_before for r in results),
        files_after=sum(r.files_after for r in results),
        bytes_before=sum(r.bytes_before for r in results),
        bytes_after=sum(r.bytes_after for r in results),
        partitions=results,
    )


def _partition_result(
    before: pl.DataFrame, part: Partition, after: tuple[int, int]
) -> PartitionCompaction:
    files_before, bytes_before = _totals(_of_partitions(before, [part]))
    return PartitionCompaction(
        exchange=part[0],
        trading_date=part[1],
        files_before=files_before,
        files_after=after[0],
        bytes_before=bytes_before,
        bytes_after=after[1],
    )


def _partition_of(relative_path: str) -> Partition | None:
    """The (exchange, trading_date) of a Hive-style relative file path, if it has one."""
    exchange, day = partition_of(relative_path)
    return None if exchange is None or day is None else (exchange, day)
