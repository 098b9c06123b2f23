"""Results and errors of the storage layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal


class StorageError(Exception):
    """Base of every error the storage layer raises on purpose; messages are fit for users."""


class UnknownTableError(StorageError, ValueError):
    """A table name that is not valid, or not a table this operation accepts."""


class SchemaMismatchError(StorageError, ValueError):
    """A frame whose columns or dtypes do not match its table."""


class TableNotFoundError(StorageError, FileNotFoundError):
    """The table has no Delta log yet."""


class OutOfRangeError(StorageError, ValueError):
    """A number outside the documented range of its option (see ``storage.limits``)."""


class ConflictError(StorageError):
    """Another writer committed first (optimistic concurrency)."""


class InvalidStatusError(StorageError, ValueError):
    """A manifest status outside ``MANIFEST_STATUSES``."""


class UnknownFileIdError(StorageError, KeyError):
    """A ``file_id`` the manifest does not hold."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class RetentionError(StorageError, ValueError):
    """A vacuum retention below the table's minimum without an explicit override."""


class ReadOnlyError(StorageError, PermissionError):
    """A write was attempted through a store opened read-only."""


class StorageOperationError(StorageError):
    """delta-rs failed an operation; the message carries its reason."""


class LockTimeoutError(StorageError, TimeoutError):
    """A partition's lock stayed taken (by the holder the message names) past the timeout."""

    def __str__(self) -> str:  # OSError would show errno fields for some argument shapes
        return str(self.args[0]) if self.args else ""


class LockCancelledError(StorageError):
    """The wait for a partition's lock was cancelled (the message names the holder)."""


class UnsafeTableError(StorageError, PermissionError):
    """A write refused because ``check`` finds an error in the table (the finding says which)."""

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings

    def __str__(self) -> str:  # PermissionError would show the args tuple
        return str(self.args[0]) if self.args else ""


class VerificationError(StorageError):
    """A compaction commit that does not add up: nothing more is compacted.

    Files it removed were no longer live, or its files hold other rows than those removed.
    """


class PartialCompactionError(StorageError):
    """A compaction of several partitions that failed part-way.

    ``report`` holds what was committed before the failure; the cause is chained.
    """

    def __init__(self, message: str, report: CompactionReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionCompaction:
    """Active files and bytes of one partition before and after compaction."""

    exchange: str
    trading_date: date
    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CompactionReport:
    """What ``compact_partitions`` did, summed over the matched partitions."""

    table_name: str
    partitions_processed: int
    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int
    partitions: tuple[PartitionCompaction, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class VacuumReport:
    """What ``vacuum_table`` removed (or, in a dry run, would remove)."""

    table_name: str
    files_removed: int
    bytes_freed: int
    dry_run: bool
    retention_hours: int
    removed_files: tuple[str, ...]
    """Paths relative to the table root."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrphanReport:
    """What ``remove_orphans`` removed (or, in a dry run, would remove)."""

    table_name: str
    files_removed: int
    bytes_freed: int
    dry_run: bool
    min_age_hours: float
    removed_files: tuple[str, ...]
    """Paths relative to the table root."""
    file_bytes: tuple[int, ...]
    """The size of each of ``removed_files``, in the same order."""
    too_young: int
    """Orphans left because they are younger than ``min_age_hours`` (writes in flight?)."""


Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One thing ``check`` found wrong (or worth a look) in a table."""

    table: str
    severity: Severity
    kind: str
    """``zero_byte_commit``, ``missing_file``, ``orphan_file``, ... (``storage.delta.check``)."""
    path: str | None
    """Relative to the lake root; ``None`` when the finding is about no one file."""
    exchange: str | None = None
    trading_date: date | None = None
    bytes: int | None = None
    command: str | None = None
    """The command that acts on it (``pointline-tui checkpoint trades``), if one does."""
    key: str | None = None
    """The console key that acts on it, on the screen ``message`` names, if one does."""
    message: str
    """One line for a person: which file, what is wrong, what to do."""
