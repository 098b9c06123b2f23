import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pointline_tui.lake import LakeReader, plan_compaction
from tests.lake.conftest import COLD, HOT, WARM


def test_plan_from_stats(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    stats = reader.partition_stats("trades")
    missing = ("kraken", date(2024, 1, 1))
    plan = plan_compaction(stats, [HOT, COLD, missing, HOT], target_size_mb=1)
    assert [(p.exchange, p.trading_date) for p in plan.partitions] == [HOT, COLD, missing]
    hot, cold, gone = plan.partitions
    hot_row = stats.filter(exchange=HOT[0], trading_date=HOT[1]).row(0, named=True)
    assert (hot.files, hot.bytes, hot.small_files) == (9, hot_row["bytes"], 9)
    assert hot.expected_files == max(1, math.ceil(hot_row["bytes"] / 2**20)) == 1
    assert not hot.skipped
    assert hot.last_modified == hot_row["last_modified"]
    assert (cold.skipped, cold.skip_reason, cold.expected_files) == (True, "only one file", 1)
    assert (gone.skipped, gone.skip_reason, gone.files) == (True, "no files", 0)
    assert (plan.to_compact, plan.skipped) == (1, 2)
    assert (plan.files, plan.bytes, plan.expected_files) == (9, hot.bytes, 1)


def test_plan_from_files_uses_the_target_as_small_size(event_lake: Path) -> None:
    files = LakeReader(event_lake).active_files("trades")
    plan = plan_compaction(files, None, target_size_mb=1)
    assert {(p.exchange, p.trading_date) for p in plan.partitions} == {HOT, WARM, COLD}
    warm = next(p for p in plan.partitions if (p.exchange, p.trading_date) == WARM)
    assert (warm.files, warm.small_files, warm.expected_files) == (3, 3, 1)


def test_partition_of_big_files_is_skipped() -> None:
    mb = 2**20
    files = pl.DataFrame(
        {
            "exchange": ["a", "a", "b", "b", "b"],
            "trading_date": [date(2024, 5, 1)] * 5,
            "size_bytes": [200 * mb, 150 * mb, 100 * mb, 100 * mb, 60 * mb],
        }
    )
    plan = plan_compaction(files, target_size_mb=128)
    by = {p.exchange: p for p in plan.partitions}
    assert by["a"].skipped
    assert by["a"].skip_reason == "all files are at least the target size"
    assert not by["b"].skipped
    assert by["b"].expected_files == math.ceil(260 / 128) == 3
    assert by["b"].small_files == 3
    assert by["b"].last_modified is None


def test_plan_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="target_size_mb"):
        plan_compaction(pl.DataFrame(), target_size_mb=0)
    with pytest.raises(ValueError, match="partition_stats"):
        plan_compaction(pl.DataFrame({"x": [1]}))
