"""The heat map's cells against the small files of each partition, from a hand-read log."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pointline_tui.lake import LakeReader
from pointline_tui.lake.heatmap import LEVELS, heat_map, level_ranges
from pointline_tui.lake.partitions import SMALL_FILE_BYTES, STATS_SCHEMA
from tests.lake.conftest import replay_log, write_trades

APPENDS = {
    ("binance-futures", date(2024, 5, 30)): 2,
    ("binance-futures", date(2024, 6, 2)): 9,
    ("okx", date(2024, 5, 30)): 1,
    ("okx", date(2024, 7, 1)): 5,
    ("deribit", date(2024, 6, 15)): 3,
}
"""Three months, three exchanges, and days without partitions between them."""


@pytest.fixture
def spread_lake(silver: Path) -> Path:
    write_trades(silver, APPENDS)
    return silver


def _small_files(table: Path) -> Counter[tuple[str, date]]:
    small: Counter[tuple[str, date]] = Counter()
    for logged in replay_log(table).values():
        key = (
            str(logged.partition["exchange"]),
            date.fromisoformat(str(logged.partition["trading_date"])),
        )
        small[key] += logged.size < SMALL_FILE_BYTES
    return small


def test_cells_hold_each_partitions_small_files(spread_lake: Path) -> None:
    expected = _small_files(spread_lake / "trades")

    heat = heat_map(LakeReader(spread_lake).partition_stats("trades"))

    assert {key: cell.small_files for key, cell in heat.cells.items()} == dict(expected)
    assert heat.exchanges == tuple(sorted({ex for ex, _ in expected}))
    assert (heat.first_day, heat.last_day) == (
        min(d for _, d in expected),
        max(d for _, d in expected),
    )
    assert heat.cell("okx", date(2024, 6, 1)) is None  # a day without a partition


def test_months_run_from_the_first_date_to_the_last(spread_lake: Path) -> None:
    heat = heat_map(LakeReader(spread_lake).partition_stats("trades"))
    assert heat.months == (date(2024, 5, 1), date(2024, 6, 1), date(2024, 7, 1))


def test_shades_follow_the_legend_ranges(spread_lake: Path) -> None:
    heat = heat_map(LakeReader(spread_lake).partition_stats("trades"))

    for cell in heat.cells.values():
        low, high = heat.ranges[cell.level - 1]
        assert low <= cell.small_files <= high
    worst = heat.worst()
    assert worst is not None
    assert worst.small_files == max(_small_files(spread_lake / "trades").values())
    assert worst.level == len(heat.ranges)


@pytest.mark.parametrize("maximum", [0, 1, 2, 3, 4, 5, 13, 100, 12_345])
def test_level_ranges_cover_every_count_once(maximum: int) -> None:
    ranges = level_ranges(maximum)

    covered = [n for low, high in ranges for n in range(low, high + 1)]
    assert covered == list(range(1, maximum + 1))
    assert len(ranges) == min(LEVELS, maximum)


def test_an_unpartitioned_table_has_an_empty_map(demo_lake: Path) -> None:
    heat = heat_map(LakeReader(demo_lake).partition_stats("dim_symbol"))
    assert (heat.exchanges, heat.months, heat.ranges, heat.worst()) == ((), (), (), None)


def test_a_partition_of_big_files_only_has_the_blank_shade() -> None:
    stats = pl.DataFrame(
        {
            "exchange": ["okx", "okx"],
            "trading_date": [date(2024, 5, 1), date(2024, 5, 2)],
            "files": [2, 3],
            "bytes": [2 * SMALL_FILE_BYTES, 3 * SMALL_FILE_BYTES - 1],
            "rows": [10, None],
            "min_file_bytes": [SMALL_FILE_BYTES, 1],
            "avg_file_bytes": [float(SMALL_FILE_BYTES), SMALL_FILE_BYTES - 1 / 3],
            "max_file_bytes": [SMALL_FILE_BYTES, 2 * SMALL_FILE_BYTES],
            "small_files": [0, 1],
            "hot": [False, False],
            "last_modified": [None, None],
        },
        schema=STATS_SCHEMA,
    )

    heat = heat_map(stats)

    assert [(c.small_files, c.level) for c in heat.cells.values()] == [(0, 0), (1, 1)]
    assert heat.ranges == ((1, 1),)
