"""Results and errors of the storage layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class StorageError(Exception):
    """Base of every error the storage layer raises on purpose; messages are fit for users."""


class UnknownTableError(StorageError, ValueError):
    """A table name that is not valid, or not a table this operation accepts."""


class SchemaMismatchError(StorageError, ValueError):
    """A frame whose columns or dtypes do not match its table."""


class TableNotFoundError(StorageError, FileNotFoundError):
    """The table has no Delta log yet."""


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
