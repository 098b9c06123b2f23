"""The storage contracts of pointline: what ingestion and the console rely on."""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

import polars as pl

from pointline_tui.storage.models import CompactionReport, VacuumReport


@runtime_checkable
class ManifestStore(Protocol):
    """The ingest manifest: one row per bronze file and its ingestion status."""

    def resolve_file_id(self, vendor: str, data_type: str, bronze_path: str, file_hash: str) -> int:
        """Return the file id of this identity, creating a ``pending`` row if it is new."""
        ...

    def filter_pending(self) -> pl.DataFrame:
        """Return the pending rows with the manifest schema."""
        ...

    def update_status(
        self,
        file_id: int,
        status: str,
        *,
        rows_total: int = 0,
        rows_written: int = 0,
        rows_quarantined: int = 0,
        status_reason: str | None = None,
    ) -> None:
        """Set a file's status, row counts, processing time and reason."""
        ...


@runtime_checkable
class EventStore(Protocol):
    """Appends rows to the partitioned event tables."""

    def append(self, table_name: str, df: pl.DataFrame) -> None:
        """Append ``df`` to event table ``table_name``."""
        ...


@runtime_checkable
class DimensionStore(Protocol):
    """The ``dim_symbol`` dimension, replaced whole under optimistic concurrency."""

    def load_dim_symbol(self) -> pl.DataFrame:
        """Return the current dimension."""
        ...

    def save_dim_symbol(self, df: pl.DataFrame, expected_version: int) -> None:
        """Replace the dimension if its version is still ``expected_version``."""
        ...

    def current_version(self) -> int:
        """Return the dimension's Delta version, ``-1`` while it does not exist."""
        ...


@runtime_checkable
class QuarantineStore(Protocol):
    """The ``validation_log`` of rows rejected during ingestion."""

    def append(self, table_name: str, df: pl.DataFrame, reason: str, file_id: int) -> None:
        """Log every row of ``df`` (from ``table_name``) as quarantined for ``reason``."""
        ...


@runtime_checkable
class PartitionOptimizer(Protocol):
    """Compacts the small files of event partitions."""

    def compact_partitions(
        self,
        table_name: str,
        *,
        exchange: str | None = None,
        trading_date: date | None = None,
        target_size_mb: int = 128,
    ) -> CompactionReport:
        """Bin-pack the matching partitions' files into files of about ``target_size_mb``."""
        ...


@runtime_checkable
class TableVacuum(Protocol):
    """Removes files no current version references."""

    def vacuum_table(self, table_name: str, *, retention_hours: int = 168) -> VacuumReport:
        """Delete unreferenced files tombstoned more than ``retention_hours`` ago."""
        ...
