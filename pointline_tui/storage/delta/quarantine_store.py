"""Delta-backed ``validation_log``: one row per quarantined input row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from pointline_tui.storage.delta._tables import (
    append_frame,
    create_frame,
    ensure_writable,
    now_us,
    open_table,
    table_errors,
    validate_frame,
)
from pointline_tui.storage.delta.layout import table_path
from pointline_tui.storage.models import ConflictError, SchemaMismatchError
from pointline_tui.storage.schemas import VALIDATION_LOG

CONTEXT_COLUMNS = ("file_seq", "field_name", "field_value", "ts_event_us", "symbol", "symbol_id")
"""Columns copied from the quarantined row when it has them (null otherwise)."""


class DeltaQuarantineStore:
    """The ``validation_log`` control table of rows rejected during ingestion."""

    def __init__(
        self,
        silver_root: Path,
        *,
        read_only: bool = False,
        clock: Callable[[], int] = now_us,
    ) -> None:
        """Open the store; ``clock`` gives "now" in µs (fixed clocks make demo lakes repeatable)."""
        self._silver_root = Path(silver_root)
        self._path = table_path(silver_root, VALIDATION_LOG.name)
        self._read_only = read_only
        self._clock = clock

    @property
    def path(self) -> Path:
        """The validation log table's folder."""
        return self._path

    @table_errors
    def append(self, table_name: str, df: pl.DataFrame, reason: str, file_id: int) -> None:
        """Log every row of ``df`` (from ``table_name``) as quarantined for ``reason``.

        Each row becomes one ``validation_log`` row with ``rule_name=reason``,
        ``severity="error"``, ``message="quarantined:<table_name>"`` and the context columns
        ``df`` has. An empty ``df`` writes nothing.

        Args:
            table_name: The silver table the rows were meant for.
            df: The quarantined rows.
            reason: The validation rule they failed.
            file_id: The manifest id of the bronze file they came from.

        Raises:
            ReadOnlyError: the store is read-only.
            ValueError: ``table_name`` is not a valid table name.
            SchemaMismatchError: a context column cannot be cast to the log's dtype, or the
                existing table cannot hold the rows without changing its schema.
        """
        ensure_writable(read_only=self._read_only, what="append to the validation log")
        table_path(self._silver_root, table_name)  # raises ValueError for an invalid name
        if df.is_empty():
            return
        log = self._log_rows(table_name, df, reason, file_id)
        validate_frame(VALIDATION_LOG, log)
        if open_table(self._path) is None:
            try:
                create_frame(VALIDATION_LOG, self._path, log)
                return
            except ConflictError:
                pass  # another writer created it first: append to theirs
        append_frame(VALIDATION_LOG, self._path, log)

    def _log_rows(
        self, table_name: str, df: pl.DataFrame, reason: str, file_id: int
    ) -> pl.DataFrame:
        n = df.height
        schema = VALIDATION_LOG.polars_schema
        columns: dict[str, pl.Series] = {
            "file_id": pl.repeat(file_id, n, dtype=pl.Int64, eager=True),
            "rule_name": pl.repeat(reason, n, dtype=pl.String, eager=True),
            "severity": pl.repeat("error", n, dtype=pl.String, eager=True),
            "logged_at_ts_us": pl.repeat(self._clock(), n, dtype=pl.Int64, eager=True),
            "message": pl.repeat(f"quarantined:{table_name}", n, dtype=pl.String, eager=True),
        }
        for name in CONTEXT_COLUMNS:
            if name not in df.columns:
                columns[name] = pl.repeat(None, n, dtype=schema[name], eager=True)
                continue
            try:
                columns[name] = df.get_column(name).cast(schema[name])
            except pl.exceptions.PolarsError as err:
                raise SchemaMismatchError(
                    f"{VALIDATION_LOG.name}: column {name!r} of dtype {df.schema[name]} "
                    f"cannot be logged as {schema[name]}"
                ) from err
        return pl.DataFrame([columns[name].alias(name) for name in VALIDATION_LOG.column_names])
