"""Taking a table back to an earlier version with delta-rs's own ``restore``, planned first.

A restore commits adds for the target version's files and removes for the others: it never
rewrites data, so it needs every file of the target still on disk. The plan says which come
back and refuses a target whose files were vacuumed before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError, DeltaError

from pointline_tui.storage.delta._tables import (
    audit_metadata,
    commit_properties,
    ensure_writable,
    require_table,
    storage_errors,
)
from pointline_tui.storage.delta.check import ensure_sound
from pointline_tui.storage.delta.files import files_frame
from pointline_tui.storage.delta.layout import inside, table_path
from pointline_tui.storage.delta.locks import DEFAULT_LOCK_TIMEOUT_S, partition_lock
from pointline_tui.storage.delta.log import DELTA_LOG, commit_actions, commit_name
from pointline_tui.storage.delta.verify import RUN_KEY
from pointline_tui.storage.models import ConflictError, StorageError, StorageOperationError
from pointline_tui.storage.schemas import is_event_partitioned
from pointline_tui.text import short_error

FROM_VERSION_KEY = "pointline_restored_from"
"""Custom commit metadata of a restore: the version the table was at before it."""


class VersionNotFoundError(StorageError, ValueError):
    """A version (or time) the table does not have, or that cannot be restored to."""


class MissingFilesError(StorageError):
    """A restore refused because files of its target version are no longer on disk.

    Attributes:
        missing: the target's files that are gone (relative to the table), sorted.
    """

    def __init__(self, message: str, missing: tuple[str, ...]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturningFile:
    """A file of the target version that the current version does not hold."""

    path: str
    """Relative to the table root, as on disk."""
    size_bytes: int
    rows: int | None
    exchange: str | None
    trading_date: date | None
    on_disk: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RestorePlan:
    """What restoring a table to ``target_version`` would change, as of ``current_version``."""

    table_name: str
    current_version: int
    target_version: int
    target_timestamp: datetime | None
    """When the target version was committed (UTC)."""
    returning: tuple[ReturningFile, ...]
    """The target's files that would come back (sorted by path)."""
    files_removed: int
    """Files live now that the target does not hold."""
    bytes_removed: int
    missing: tuple[str, ...]
    """The target's files no longer on disk (sorted): a plan with any cannot be restored."""
    partitions: tuple[tuple[str | None, date | None], ...]
    """The (exchange, trading_date) partitions whose files change, sorted; an unpartitioned
    table's one partition is ``(None, None)``."""

    @property
    def restorable(self) -> bool:
        """Whether every file of the target version is still on disk."""
        return not self.missing


@dataclass(frozen=True, slots=True, kw_only=True)
class RestoreReport:
    """What ``restore_table`` committed."""

    table_name: str
    from_version: int
    target_version: int
    version: int
    """The version the restore committed (the target's content)."""
    files_restored: int
    files_removed: int


def open_version(table_root: Path, version: int, *, without_files: bool = False) -> DeltaTable:
    """The table at ``table_root`` loaded at ``version``.

    Raises:
        TableNotFoundError: no Delta table there.
        VersionNotFoundError: the table has no such version.
        StorageOperationError: the version does not load (its commits were cleaned up, a
            damaged log).
    """
    if version >= 0:
        try:
            return DeltaTable(str(table_root), version=version, without_files=without_files)
        except DeltaError as err:
            failure: DeltaError | None = err
    else:
        failure = None
    # Only now, to say why: a version the table never had, or one that no longer loads.
    latest = require_table(table_root, table_root.name).version()
    if failure is None or version > latest:
        raise VersionNotFoundError(
            f"{table_root.name} has no version {version} (versions 0 to {latest})"
        ) from failure
    raise StorageOperationError(
        f"{table_root.name}: version {version} cannot be loaded: {short_error(failure)}"
    ) from failure


def version_at(table_root: Path, when: datetime) -> int:
    """The newest version of the table committed at or before ``when``.

    Raises:
        ValueError: ``when`` has no time zone.
        TableNotFoundError: no Delta table there.
        VersionNotFoundError: the first commit is younger than ``when``.
    """
    if when.tzinfo is None:
        raise ValueError(f"a time without time zone: {when.isoformat()}")
    dt = require_table(table_root, table_root.name)
    millis = when.timestamp() * 1000
    versions = [int(c["version"]) for c in dt.history() if int(c.get("timestamp", 0)) <= millis]
    if not versions:
        raise VersionNotFoundError(
            f"{table_root.name} has no version committed at or before {when.isoformat()}"
        )
    return max(versions)


def commit_time(table_root: Path, version: int) -> datetime | None:
    """When ``version`` of the table was committed (``None`` if its commit file is gone)."""
    try:
        for action in commit_actions(table_root / DELTA_LOG / commit_name(version)):
            info = action.get("commitInfo")
            if isinstance(info, dict) and isinstance(info.get("timestamp"), int):
                return datetime.fromtimestamp(info["timestamp"] / 1000, tz=UTC)
    except (OSError, ValueError):
        return None
    return None


class DeltaTableRestorer:
    """Plans and runs restores of the lake's tables.

    Args:
        silver_root: folder holding one Delta table per data set.
        read_only: refuse every restore (plans still work).
        audit: custom metadata recorded in restore commits; defaults to the user, host and
            tool version.
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

    @storage_errors
    def plan_restore(self, table_name: str, target_version: int) -> RestorePlan:
        """What restoring ``table_name`` to ``target_version`` would change now.

        Raises:
            UnknownTableError: an invalid table name.
            TableNotFoundError: the table does not exist.
            UnsafeTableError: ``check`` finds an error in the table's log: it is not restored.
            VersionNotFoundError: the table has no such version, or is at it already.
            StorageOperationError: the target version does not load.
        """
        path = table_path(self.silver_root, table_name)
        return _plan(path, self._open_sound(table_name), target_version)

    @storage_errors
    def restore_table(
        self,
        table_name: str,
        target_version: int,
        *,
        expected_version: int | None = None,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        cancelled: Callable[[], bool] | None = None,
    ) -> RestoreReport:
        """Restore ``table_name`` to ``target_version`` in one commit carrying the audit.

        The partitions the restore changes are locked as a compaction locks them, so the two
        never interleave; the table must still be at the planned version once they are held.

        Args:
            table_name: the table to restore.
            target_version: the version whose content the table takes back.
            expected_version: the version the plan was made on (``None``: whatever it is now).
            lock_timeout_s: how long to wait for a compaction of a changed partition to end.
            cancelled: polled while waiting for a lock; true gives up.

        Raises:
            ReadOnlyError: the store is read-only.
            UnsafeTableError: ``check`` finds an error in the table's log.
            VersionNotFoundError: the table has no such version, or is at it already.
            MissingFilesError: files of the target are gone (the first is named); nothing
                was written.
            ConflictError: another writer committed after the plan, or while restoring.
            LockTimeoutError, LockCancelledError: a changed partition's lock was not had.
            StorageOperationError: delta-rs failed.
        """
        ensure_writable(read_only=self.read_only, what=f"restore {table_name}")
        path = table_path(self.silver_root, table_name)
        dt = self._open_sound(table_name)
        _expect(dt, table_name, expected_version)
        plan = _plan(path, dt, target_version)
        if plan.missing:
            raise MissingFilesError(
                f"refused to restore {table_name} to version {target_version}: "
                f"{len(plan.missing)} of its files are gone (vacuumed?), first: "
                f"{plan.missing[0]}; nothing was written",
                plan.missing,
            )
        with contextlib.ExitStack() as locks:
            for part in _lock_keys(dt, plan):
                locks.enter_context(
                    partition_lock(path, part, timeout_s=lock_timeout_s, cancelled=cancelled)
                )
            dt.update_incremental()
            _expect(dt, table_name, plan.current_version)
            metadata = self.audit | {
                RUN_KEY: uuid.uuid4().hex,
                FROM_VERSION_KEY: str(plan.current_version),
            }
            metrics = restore_on(dt, table_name, target_version, metadata)
        return RestoreReport(
            table_name=table_name,
            from_version=plan.current_version,
            target_version=target_version,
            version=plan.current_version + 1,
            files_restored=int(metrics.get("numRestoredFile", 0)),
            files_removed=int(metrics.get("numRemovedFile", 0)),
        )

    def _open_sound(self, table_name: str) -> DeltaTable:
        """The table, once ``check`` finds no error in its log (nothing outside is opened).

        Raises:
            TableNotFoundError: the table does not exist.
            UnsafeTableError: naming the first error finding.
        """
        path = table_path(self.silver_root, table_name)
        if not inside(path, self.silver_root):
            ensure_sound(self.silver_root, table_name)  # names the link out, opens nothing
        dt = require_table(path, table_name)
        ensure_sound(self.silver_root, table_name, table=dt)
        return dt


def restore_on(
    dt: DeltaTable, table_name: str, target_version: int, metadata: Mapping[str, str]
) -> Mapping[str, Any]:
    """delta-rs's restore of the version ``dt`` holds, committed on exactly that version.

    Raises:
        ConflictError: another writer committed after the version ``dt`` holds.
    """
    try:
        return dt.restore(
            target_version,
            commit_properties=commit_properties(metadata, max_commit_retries=0),
        )
    except CommitFailedError as err:
        raise ConflictError(
            f"{table_name}: another writer committed while the restore to version "
            f"{target_version} ran; the restore committed nothing: look at the plan again"
        ) from err


def _expect(dt: DeltaTable, table_name: str, expected: int | None) -> None:
    if expected is not None and dt.version() != expected:
        raise ConflictError(
            f"{table_name} is at version {dt.version()}, not {expected} as planned: another "
            "writer committed since; the restore committed nothing: look at the plan again"
        )


def _plan(path: Path, dt: DeltaTable, target_version: int) -> RestorePlan:
    current = dt.version()
    if target_version == current:
        raise VersionNotFoundError(f"{path.name} is at version {current} already")
    target = open_version(path, target_version)
    now, then = files_frame(dt), files_frame(target)
    live = set(now.get_column("path").to_list())
    wanted = set(then.get_column("path").to_list())
    returning = then.filter(~pl.col("path").is_in(live)).sort("path")
    leaving = now.filter(~pl.col("path").is_in(wanted))
    missing = tuple(sorted(p for p in wanted if not _present(path, p)))
    gone = set(missing)
    changed = pl.concat([returning, leaving]).select("exchange", "trading_date").unique()
    return RestorePlan(
        table_name=path.name,
        current_version=current,
        target_version=target_version,
        target_timestamp=commit_time(path, target_version),
        returning=tuple(
            ReturningFile(
                path=rel,
                size_bytes=size,
                rows=rows,
                exchange=exchange,
                trading_date=day,
                on_disk=rel not in gone,
            )
            for rel, size, rows, exchange, day in returning.select(
                "path", "size_bytes", "rows", "exchange", "trading_date"
            ).iter_rows()
        ),
        files_removed=leaving.height,
        bytes_removed=int(leaving.get_column("size_bytes").sum()),
        missing=missing,
        partitions=tuple(sorted(changed.iter_rows(), key=_partition_order)),
    )


def _present(table_root: Path, rel: str) -> bool:
    """Whether the log's file ``rel`` is a regular file under the table (no link followed)."""
    if "://" in rel or rel.startswith("/"):
        return os.path.isfile(rel.split("://", 1)[-1])
    try:
        return (table_root / rel).is_file() and not (table_root / rel).is_symlink()
    except OSError:
        return False


def _partition_order(key: tuple[str | None, date | None]) -> tuple[str, str]:
    return (key[0] or "", key[1].isoformat() if key[1] else "")


def _lock_keys(dt: DeltaTable, plan: RestorePlan) -> list[tuple[str, date] | None]:
    """The locks a compaction of the changed partitions would take, in one order.

    An unpartitioned table has one lock, ``None``; a null partition value has none (no
    compaction can take it).
    """
    if not is_event_partitioned(dt.metadata().partition_columns):
        return [None]
    return [(ex, day) for ex, day in plan.partitions if ex is not None and day is not None]
