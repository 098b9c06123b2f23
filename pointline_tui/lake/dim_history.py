"""How ``dim_symbol`` changed from one version to the next: symbols added, closed, changed.

``dim_symbol`` is SCD type 2: a symbol's attributes change by closing its current row
(``is_current`` false, ``valid_until_ts_us`` set) and opening a new one. Comparing each
version's current rows with the previous version's, per natural key (exchange and
exchange_symbol), says what an operator wants to know: which symbols appeared, which were
closed, and which changed tick size, id or any other attribute, and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import polars as pl

from pointline_tui.lake.catalog import open_delta
from pointline_tui.lake.history import history_entries
from pointline_tui.storage.models import StorageError
from pointline_tui.storage.schemas import DIM_SYMBOL
from pointline_tui.text import short_error

SymbolChangeKind = Literal["added", "closed", "changed"]
NATURAL_KEY = ("exchange", "exchange_symbol")
SCD_COLUMNS = ("valid_from_ts_us", "valid_until_ts_us", "is_current", "updated_at_ts_us")
"""The SCD2 bookkeeping columns; every other column is an attribute of the symbol."""
ATTRIBUTES = tuple(c for c in DIM_SYMBOL.column_names if c not in (*NATURAL_KEY, *SCD_COLUMNS))


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolChange:
    """One symbol's change in one version."""

    kind: SymbolChangeKind
    exchange: str
    exchange_symbol: str
    symbol_id: int | None
    """The id of its current row now (for ``closed``: of the row that was closed)."""
    fields: tuple[tuple[str, str, str], ...] = ()
    """For ``changed``: (column, before, after) of every attribute that differs."""
    at_us: int | None = None
    """When it took effect: the new row's ``valid_from_ts_us`` (``closed``: the old row's
    ``valid_until_ts_us``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DimVersion:
    """One version of ``dim_symbol`` and what it changed."""

    version: int
    timestamp: datetime
    operation: str
    changes: tuple[SymbolChange, ...]
    error: str | None = None
    """Why this version could not be read (its files vacuumed, say); ``changes`` is empty."""


def dim_symbol_history(table_root: Path, *, limit: int | None = None) -> tuple[DimVersion, ...]:
    """The versions of the ``dim_symbol`` table at ``table_root``, newest first.

    Args:
        table_root: the table's folder.
        limit: only the newest ``limit`` versions (all when ``None``).

    Raises:
        ValueError: a limit below one.
        TableNotFoundError: no Delta table there.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    entries = history_entries(open_delta(table_root.name, table_root, without_files=True), limit)
    versions = []
    changes: tuple[SymbolChange, ...]
    error: str | None
    read: dict[int, pl.DataFrame] = {}  # newest first: a version's previous is read once

    def rows(version: int) -> pl.DataFrame:
        if version not in read:
            read[version] = _rows(table_root, version)
        return read[version]

    for entry in entries:
        try:
            now = rows(entry.version)
            before = None if entry.version == 0 else rows(entry.version - 1)
        except StorageError as err:
            changes, error = (), short_error(err)
        else:
            changes, error = symbol_changes(before, now), None
        read.pop(entry.version, None)  # only its previous version is needed next
        versions.append(
            DimVersion(
                version=entry.version,
                timestamp=entry.timestamp,
                operation=entry.operation,
                changes=changes,
                error=error,
            )
        )
    return tuple(versions)


def symbol_changes(before: pl.DataFrame | None, after: pl.DataFrame) -> tuple[SymbolChange, ...]:
    """What changed from the rows ``before`` to ``after`` (``None``: no table yet)."""
    old = _current(before)
    new = _current(after)
    changes = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key), new.get(key)
        if was is None and now is not None:
            changes.append(_change("added", key, now, at_us=now["valid_from_ts_us"]))
        elif was is not None and now is None:
            changes.append(_change("closed", key, was, at_us=_closed_at(after, key, was)))
        elif was is not None and now is not None:
            fields = tuple(
                (name, _text(was[name]), _text(now[name]))
                for name in ATTRIBUTES
                if was[name] != now[name]
            )
            if fields:
                changes.append(_change("changed", key, now, fields, at_us=now["valid_from_ts_us"]))
    return tuple(changes)


def _rows(table_root: Path, version: int) -> pl.DataFrame:
    dt = open_delta(table_root.name, table_root, version=version)
    try:
        return pl.read_delta(dt)
    except (pl.exceptions.PolarsError, OSError) as err:
        raise StorageError(f"version {version} cannot be read: {short_error(err)}") from err


def _current(rows: pl.DataFrame | None) -> dict[tuple[str, str], dict[str, object]]:
    """The current row of each natural key (the newest, should a key have several)."""
    if rows is None:
        return {}
    latest = (
        rows.filter(pl.col("is_current"))
        .sort("valid_from_ts_us")
        .unique(NATURAL_KEY, keep="last", maintain_order=True)
    )
    return {(row["exchange"], row["exchange_symbol"]): row for row in latest.iter_rows(named=True)}


def _closed_at(after: pl.DataFrame, key: tuple[str, str], was: dict[str, object]) -> int | None:
    """The closed row's ``valid_until_ts_us`` in the new version (``None``: row deleted)."""
    row = after.filter(
        pl.col("exchange") == key[0],
        pl.col("exchange_symbol") == key[1],
        pl.col("valid_from_ts_us") == was["valid_from_ts_us"],
    )
    value = row.get_column("valid_until_ts_us")[0] if row.height else None
    return value if isinstance(value, int) else None


def _change(
    kind: SymbolChangeKind,
    key: tuple[str, str],
    row: dict[str, object],
    fields: tuple[tuple[str, str, str], ...] = (),
    *,
    at_us: object,
) -> SymbolChange:
    symbol_id = row.get("symbol_id")
    return SymbolChange(
        kind=kind,
        exchange=key[0],
        exchange_symbol=key[1],
        symbol_id=symbol_id if isinstance(symbol_id, int) else None,
        fields=fields,
        at_us=at_us if isinstance(at_us, int) else None,
    )


def _text(value: object) -> str:
    return "null" if value is None else str(value)
