"""A table's small files per exchange and trading date: the grid a heat map draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

LEVELS = 4
"""Shades above "no small file": the non-zero counts are split into this many ranges."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HeatCell:
    """One partition's figures (``partitions.STATS_SCHEMA``) and its shade."""

    exchange: str
    trading_date: date
    files: int
    small_files: int
    bytes: int
    rows: int | None
    avg_file_bytes: float
    hot: bool
    level: int
    """0 for no small file, else 1 to ``LEVELS`` (see ``HeatMap.ranges``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HeatMap:
    """Every exchange against every day from the first trading date to the last.

    Days and exchanges without a partition are part of the grid (``cell`` gives ``None``):
    a gap in the data shows as one.
    """

    exchanges: tuple[str, ...]
    first_day: date | None
    last_day: date | None
    ranges: tuple[tuple[int, int], ...]
    """Small-file counts (lowest, highest) of shades 1, 2, ...; fewer than ``LEVELS`` when
    the largest count is below it (each count its own shade)."""
    cells: dict[tuple[str, date], HeatCell] = field(default_factory=dict)

    def cell(self, exchange: str, day: date) -> HeatCell | None:
        """The partition (``exchange``, ``day``), ``None`` when the table has none."""
        return self.cells.get((exchange, day))

    @property
    def months(self) -> tuple[date, ...]:
        """The first day of every month from the first trading date's to the last's."""
        if self.first_day is None or self.last_day is None:
            return ()
        months, month = [], self.first_day.replace(day=1)
        while month <= self.last_day:
            months.append(month)
            month = next_month(month)
        return tuple(months)

    def worst(self) -> HeatCell | None:
        """The partition with the most small files (the earliest of equals), if any."""
        ordered = sorted(
            self.cells.values(), key=lambda c: (-c.small_files, c.trading_date, c.exchange)
        )
        return ordered[0] if ordered else None


def next_month(month: date) -> date:
    """The first day of the month after ``month``'s."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def level_ranges(maximum: int) -> tuple[tuple[int, int], ...]:
    """Split the counts 1..``maximum`` into at most ``LEVELS`` ranges of about equal width."""
    if maximum < 1:
        return ()
    highs = sorted({-(-maximum * k // LEVELS) for k in range(1, LEVELS + 1)} - {0})
    lows = [1, *(h + 1 for h in highs[:-1])]
    return tuple(zip(lows, highs, strict=True))


def heat_map(stats: pl.DataFrame) -> HeatMap:
    """The grid of a table's ``partition_stats`` (an unpartitioned table gives an empty one)."""
    parts = stats.filter(pl.col("exchange").is_not_null(), pl.col("trading_date").is_not_null())
    if parts.is_empty():
        return HeatMap(exchanges=(), first_day=None, last_day=None, ranges=())
    ranges = level_ranges(int(parts.select(pl.col("small_files").max()).item() or 0))
    cells = {}
    for row in parts.iter_rows(named=True):
        cell = _cell(row, ranges)
        cells[(cell.exchange, cell.trading_date)] = cell
    days = parts.get_column("trading_date")
    return HeatMap(
        exchanges=tuple(sorted(parts.get_column("exchange").unique().to_list())),
        first_day=days.min(),  # type: ignore[arg-type]
        last_day=days.max(),  # type: ignore[arg-type]
        ranges=ranges,
        cells=cells,
    )


def _cell(row: dict[str, Any], ranges: tuple[tuple[int, int], ...]) -> HeatCell:
    small = int(row["small_files"])
    level = next((i for i, (low, high) in enumerate(ranges, 1) if low <= small <= high), 0)
    return HeatCell(
        exchange=row["exchange"],
        trading_date=row["trading_date"],
        files=int(row["files"]),
        small_files=small,
        bytes=int(row["bytes"]),
        rows=row["rows"],
        avg_file_bytes=float(row["avg_file_bytes"]),
        hot=bool(row["hot"]),
        level=level,
    )
