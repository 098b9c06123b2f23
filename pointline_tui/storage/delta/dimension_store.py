"""Delta-backed ``dim_symbol``: replaced whole, only on top of the version the writer read."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pointline_tui.storage.delta._tables import (
    commit_on_snapshot,
    create_frame,
    ensure_writable,
    open_table,
    read_table,
    table_errors,
    validate_frame,
)
from pointline_tui.storage.delta.layout import table_path
from pointline_tui.storage.models import ConflictError
from pointline_tui.storage.schemas import DIM_SYMBOL


class DeltaDimensionStore:
    """The ``dim_symbol`` dimension under optimistic concurrency on its Delta version."""

    def __init__(self, silver_root: Path, *, read_only: bool = False) -> None:
        self._path = table_path(silver_root, DIM_SYMBOL.name)
        self._read_only = read_only

    @property
    def path(self) -> Path:
        """The dimension table's folder."""
        return self._path

    @table_errors
    def current_version(self) -> int:
        """Return the dimension's Delta version, ``-1`` while the table does not exist."""
        dt = open_table(self._path)
        return -1 if dt is None else dt.version()

    @table_errors
    def load_dim_symbol(self) -> pl.DataFrame:
        """Return the current dimension.

        Returns:
            Every row conformed to the ``dim_symbol`` schema (an empty frame with that schema
            when the table does not exist yet).
        """
        return read_table(DIM_SYMBOL, self._path)

    @table_errors
    def save_dim_symbol(self, df: pl.DataFrame, expected_version: int) -> None:
        """Replace the dimension with ``df`` if its version is still ``expected_version``.

        The check and the replacement are one commit: the overwrite is committed on top of
        ``expected_version`` without retries, so of several writers that read the same
        version exactly one wins.

        Args:
            df: The whole new dimension, with exactly the ``dim_symbol`` schema.
            expected_version: The version ``df`` was derived from (``-1``: no table yet).

        Raises:
            ReadOnlyError: the store is read-only.
            SchemaMismatchError: ``df`` does not match the schema (naming the column), or the
                existing table cannot hold it without changing its schema.
            ConflictError: the table is no longer at ``expected_version``.
        """
        ensure_writable(read_only=self._read_only, what="save dim_symbol")
        validate_frame(DIM_SYMBOL, df)
        if expected_version == -1:
            try:
                create_frame(DIM_SYMBOL, self._path, df)
            except ConflictError as err:
                raise self._conflict(expected_version) from err
            return
        dt = open_table(self._path)
        if dt is None or dt.version() != expected_version:
            raise self._conflict(expected_version)
        try:
            commit_on_snapshot(DIM_SYMBOL, dt, df, mode="overwrite")
        except ConflictError as err:
            raise self._conflict(expected_version) from err

    def _conflict(self, expected_version: int) -> ConflictError:
        return ConflictError(
            f"{DIM_SYMBOL.name}: expected version {expected_version}, but the table is at "
            f"version {self.current_version()}; reload and retry"
        )
