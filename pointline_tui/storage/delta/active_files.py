"""A version's active files as plain rows, from delta-rs's add actions without polars.

What a write's checks compare the folders with: a vacuum or a check of a small table then
loads no polars. The console's frames of the same files come from ``files.files_frame``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from pointline_tui.storage.delta.log import on_disk
from pointline_tui.storage.schemas import is_event_partitioned

if TYPE_CHECKING:
    from deltalake import DeltaTable


class ActiveFile(NamedTuple):
    """One active file: where it is, its size and, from the log, rows and partition."""

    path: str
    """Relative to the table root, as on disk (the log's percent-encoding undone)."""
    size: int
    rows: int | None
    """``None``: the log has no statistics for it."""
    exchange: str | None
    trading_date: date | None
    """Both ``None`` unless the table is partitioned by exchange and trading date."""


def active_files(dt: DeltaTable) -> list[ActiveFile]:
    """The active files of the version ``dt`` holds, as ``files.files_frame`` reads them."""
    actions = dt.get_add_actions(flatten=True)
    count = actions.num_rows
    if not count:
        return []
    names = set(actions.column_names)
    partitioned = is_event_partitioned(dt.metadata().partition_columns)

    def column(name: str, *, wanted: bool = True) -> list[Any]:
        return actions.column(name).to_pylist() if wanted and name in names else [None] * count

    return [
        ActiveFile(on_disk(path), size, rows, exchange, _day(day))
        for path, size, rows, exchange, day in zip(
            column("path"),
            column("size_bytes"),
            column("num_records"),
            column("partition.exchange", wanted=partitioned),
            column("partition.trading_date", wanted=partitioned),
            strict=True,
        )
    ]


def active_paths(dt: DeltaTable) -> set[str]:
    """The on-disk relative paths of the version ``dt`` holds."""
    actions = dt.get_add_actions(flatten=True)
    if not actions.num_rows:
        return set()
    return {on_disk(path) for path in actions.column("path").to_pylist()}


def _day(value: object) -> date | None:
    """A partition's date; one spelled as text is parsed, as polars' cast does (else none)."""
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
