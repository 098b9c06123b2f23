"""Delta-backed ingest manifest: file ids by optimistic concurrency, statuses updated in place."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError

from pointline_tui.storage.delta._tables import (
    commit_on_snapshot,
    commit_properties,
    create_frame,
    ensure_writable,
    now_us,
    open_table,
    table_errors,
    translate,
    validate_frame,
)
from pointline_tui.storage.delta.layout import table_path
from pointline_tui.storage.models import (
    ConflictError,
    InvalidStatusError,
    SchemaMismatchError,
    UnknownFileIdError,
)
from pointline_tui.storage.schemas import INGEST_MANIFEST, MANIFEST_STATUSES

_IDENTITY = ("vendor", "data_type", "bronze_path", "file_hash")
_MAX_ATTEMPTS = 50
"""Commits tried before giving up when other writers keep committing first."""
_BACKOFF_S = (0.005, 0.05)
"""Random pause between attempts, so racing writers spread out."""


def _sql_literal(value: str | int | None) -> str:
    """A DataFusion SQL literal for an update value (strings quoted, quotes doubled)."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value))


def _backoff() -> None:
    time.sleep(random.uniform(*_BACKOFF_S))


class DeltaManifestStore:
    """The ``ingest_manifest`` control table: one row per bronze file and its status.

    File ids are allocated under optimistic concurrency: a new row is committed only on top of
    the very version it was computed from, so processes resolving at once never share an id.
    """

    def __init__(
        self,
        silver_root: Path,
        *,
        read_only: bool = False,
        clock: Callable[[], int] = now_us,
    ) -> None:
        """Open the store; ``clock`` gives "now" in µs (fixed clocks make demo lakes repeatable)."""
        self._path = table_path(silver_root, INGEST_MANIFEST.name)
        self._read_only = read_only
        self._clock = clock

    @property
    def path(self) -> Path:
        """The manifest table's folder."""
        return self._path

    @table_errors
    def resolve_file_id(self, vendor: str, data_type: str, bronze_path: str, file_hash: str) -> int:
        """Return the file id of this identity, creating a ``pending`` row if it is new.

        New ids follow the largest id in the manifest (1 for an empty one).

        Args:
            vendor: Data vendor of the bronze file.
            data_type: Vendor data type of the bronze file.
            bronze_path: Path of the bronze file.
            file_hash: Content hash of the bronze file.

        Returns:
            The identity's ``file_id``, stable across calls and processes.

        Raises:
            ReadOnlyError: the store is read-only.
            ConflictError: other writers committed first on every attempt.
            SchemaMismatchError: the manifest table cannot hold the new row.
        """
        ensure_writable(read_only=self._read_only, what="resolve a manifest file id")
        identity = dict(zip(_IDENTITY, (vendor, data_type, bronze_path, file_hash), strict=True))
        for _ in range(_MAX_ATTEMPTS):
            dt = open_table(self._path)
            existing, max_id = (None, 0) if dt is None else self._lookup(dt, identity)
            if existing is not None:
                return existing
            file_id = max_id + 1
            row = self._pending_row(file_id, identity)
            try:
                if dt is None:
                    create_frame(INGEST_MANIFEST, self._path, row)
                else:
                    # Only on the version looked up: on a later one the id may be taken.
                    commit_on_snapshot(INGEST_MANIFEST, dt, row, mode="append")
            except ConflictError:
                _backoff()
                continue
            return file_id
        raise ConflictError(
            f"{INGEST_MANIFEST.name}: could not allocate a file id after {_MAX_ATTEMPTS} "
            "attempts; other writers kept committing first"
        )

    @table_errors
    def filter_pending(self) -> pl.DataFrame:
        """Return the ``pending`` rows.

        Returns:
            The pending rows conformed to the manifest schema (an empty frame with that schema
            when the table does not exist yet).
        """
        dt = open_table(self._path)
        if dt is None:
            return INGEST_MANIFEST.empty_frame()
        pending = pl.scan_delta(dt).filter(pl.col("status") == "pending").collect()
        return INGEST_MANIFEST.conform(pending)

    @table_errors
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
        """Set a file's status, row counts, processing time (now) and reason.

        Only the data files holding the row are rewritten. A commit that loses to another
        writer is retried on the new version.

        Args:
            file_id: The file to update.
            status: One of ``MANIFEST_STATUSES``.
            rows_total: Rows read from the bronze file.
            rows_written: Rows written to silver tables.
            rows_quarantined: Rows sent to the validation log.
            status_reason: Why the file has this status (expected for ``failed``).

        Raises:
            ReadOnlyError: the store is read-only.
            InvalidStatusError: ``status`` is not a manifest status.
            UnknownFileIdError: the manifest has no row with ``file_id``.
            SchemaMismatchError: the table lacks a column this update must set.
            ConflictError: other writers committed first on every attempt.
        """
        ensure_writable(read_only=self._read_only, what="update a manifest status")
        if status not in MANIFEST_STATUSES:
            valid = ", ".join(MANIFEST_STATUSES)
            raise InvalidStatusError(f"invalid manifest status {status!r}; valid statuses: {valid}")
        values: dict[str, str | int | None] = {
            "status": status,
            "rows_total": rows_total,
            "rows_written": rows_written,
            "rows_quarantined": rows_quarantined,
            "processed_at_ts_us": self._clock(),
            "status_reason": status_reason,
        }
        for _ in range(_MAX_ATTEMPTS):
            dt = open_table(self._path)
            if dt is None:
                raise UnknownFileIdError(f"file_id {file_id} is not in the manifest (no manifest)")
            try:
                metrics = dt.update(
                    predicate=f"file_id = {int(file_id)}",
                    updates=self._sql_updates(dt, values),
                    commit_properties=commit_properties(),
                )
            except DeltaError as err:
                error = translate(err, INGEST_MANIFEST.name)
                if not isinstance(error, ConflictError):
                    raise error from err
                # Concurrent updates rewrite the same small files: delta-rs gives up on them.
                _backoff()
                continue
            if not metrics.get("num_updated_rows"):
                raise UnknownFileIdError(f"file_id {file_id} is not in the manifest")
            return
        raise ConflictError(
            f"{INGEST_MANIFEST.name}: could not update file_id {file_id} after {_MAX_ATTEMPTS} "
            "attempts; other writers kept committing first"
        )

    @staticmethod
    def _lookup(dt: DeltaTable, identity: dict[str, str]) -> tuple[int | None, int]:
        """The identity's file id (if any) and the largest id, from the version ``dt`` holds."""
        columns = {f.name for f in dt.schema().fields}
        for name in ("file_id", *_IDENTITY):
            if name not in columns:
                raise SchemaMismatchError(
                    f"{INGEST_MANIFEST.name}: table lacks required column {name!r}"
                )
        match = pl.all_horizontal(pl.col(k) == v for k, v in identity.items())
        found = (
            pl.scan_delta(dt)
            .select(
                pl.col("file_id").filter(match).min().alias("existing"),
                pl.col("file_id").max().alias("max_id"),
            )
            .collect()
        )
        existing, max_id = found.row(0)
        return existing, max_id or 0

    def _pending_row(self, file_id: int, identity: dict[str, str]) -> pl.DataFrame:
        row = pl.DataFrame(
            {
                "file_id": [file_id],
                **{k: [v] for k, v in identity.items()},
                "status": ["pending"],
                "created_at_ts_us": [self._clock()],
            }
        )
        missing = [c for c in INGEST_MANIFEST.columns if c.name not in row.columns]
        row = row.with_columns(pl.lit(None, dtype=c.dtype).alias(c.name) for c in missing)
        row = row.select(INGEST_MANIFEST.column_names).cast(INGEST_MANIFEST.polars_schema)
        validate_frame(INGEST_MANIFEST, row)
        return row

    @staticmethod
    def _sql_updates(dt: DeltaTable, values: dict[str, str | int | None]) -> dict[str, str]:
        """SQL update expressions; a null value for a column the table lacks is left out."""
        columns = {f.name for f in dt.schema().fields}
        updates = {}
        for name, value in values.items():
            if name in columns:
                updates[name] = _sql_literal(value)
            elif value is not None:
                raise SchemaMismatchError(
                    f"{INGEST_MANIFEST.name}: the table has no column {name!r}; setting it "
                    "would change the table's schema"
                )
        return updates
