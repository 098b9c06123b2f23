"""The console's first overview from the cache alone: the reader's own figures, or none at all.

Changes come from another (spawned) process, as ingestion or another console would make them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from deltalake import DeltaTable

from pointline_tui.lake import LakeReader
from pointline_tui.lake.cache_files import stats_file, statuses_file
from pointline_tui.lake.cached_lake import CachedLake, cached_lake
from pointline_tui.lake.catalog import LakeCatalog
from pointline_tui.lake.stats_cache import StatsCache
from pointline_tui.screens.lake_detail import build_detail, overview_detail
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.widgets.lake_tree import LakeNode
from tests.frames import trades
from tests.lake.conftest import AUDIT, write_trades


def _append(root: str) -> None:
    frame = trades("binance", date(2024, 5, 9), 7, start=50_000)
    DeltaEventStore(Path(root), audit=AUDIT).append("trades", frame)


def _touch_manifest(root: str) -> None:
    dt = DeltaTable(str(Path(root) / "ingest_manifest"))
    dt.alter.set_table_properties({"delta.logRetentionDuration": "interval 60 days"})


def _new_table(root: str) -> None:
    write_trades(Path(root) / "more", {("okx", date(2024, 5, 2)): 1})
    shutil.move(Path(root) / "more" / "trades", Path(root) / "trades_copy")


def from_cache(root: Path, folder: Path) -> CachedLake | None:
    return cached_lake(root, folder, LakeCatalog(root).tables(open_tables=False))


def opened(root: Path, folder: Path) -> LakeReader:
    """A console's reader that showed the overview and every table's log check."""
    reader = LakeReader(root, cache=StatsCache(folder))
    reader.lake_overview()
    for entry in reader.catalog():
        reader.health(entry.name, scan_files=False)
    return reader


def test_an_unchanged_lake_gives_the_readers_overview_and_log_checks(
    demo_lake: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    assert from_cache(demo_lake, folder) is None  # nothing kept yet
    reader = opened(demo_lake, folder)
    cached = from_cache(demo_lake, folder)
    assert cached is not None
    fresh = LakeReader(demo_lake)  # no cache: from delta-rs
    overview = fresh.lake_overview()
    assert overview.manifest_status  # figures worth comparing
    assert overview.hot_partitions
    assert cached.overview == overview
    assert cached.findings == {
        e.name: fresh.health(e.name, scan_files=False) for e in fresh.catalog()
    }
    node = LakeNode("lake")
    assert overview_detail(node, cached.overview).text == build_detail(reader, node).text
    # The tree's hot mark of a table that is one partition.
    hot = set()
    for entry in fresh.catalog():
        stats = fresh.partition_stats(entry.name)
        if stats.get_column("exchange").null_count() == stats.height and stats["hot"].any():
            hot.add(entry.name)
    assert hot
    assert cached.hot_tables == hot


def _forget_statuses(root: Path, folder: Path) -> None:
    cache = StatsCache(folder)
    statuses_file(cache.file_for((root / "ingest_manifest").resolve())).unlink()


def _garble_statuses(root: Path, folder: Path) -> None:
    cache = StatsCache(folder)
    statuses_file(cache.file_for((root / "ingest_manifest").resolve())).write_text("[1, 2")


def _garble_stats(root: Path, folder: Path) -> None:
    cache = StatsCache(folder)
    stats_file(cache.file_for((root / "quotes").resolve())).write_text('{"header": 1}')


def _in(pool: ProcessPoolExecutor, change: Callable[[str], None]) -> Callable[[Path, Path], None]:
    def run(root: Path, folder: Path) -> None:
        pool.submit(change, str(root)).result(timeout=120)

    return run


@pytest.mark.parametrize(
    "change",
    [
        "an append",
        "a manifest commit",
        "a new table",
        "no statuses kept",
        "damaged statuses",
        "damaged statistics",
    ],
)
def test_a_lake_that_moved_on_or_a_damaged_cache_gives_no_cached_overview(
    demo_lake: Path, tmp_path: Path, other_process: ProcessPoolExecutor, change: str
) -> None:
    folder = tmp_path / "cache"
    opened(demo_lake, folder)
    assert from_cache(demo_lake, folder) is not None
    changes = {
        "an append": _in(other_process, _append),
        "a manifest commit": _in(other_process, _touch_manifest),
        "a new table": _in(other_process, _new_table),
        "no statuses kept": _forget_statuses,
        "damaged statuses": _garble_statuses,
        "damaged statistics": _garble_stats,
    }
    changes[change](demo_lake, folder)
    assert from_cache(demo_lake, folder) is None
    # The next console's reader reads what moved and keeps it: the cache serves again.
    reader = opened(demo_lake, folder)
    again = from_cache(demo_lake, folder)
    assert again is not None
    assert again.overview == LakeReader(demo_lake).lake_overview() == reader.lake_overview()
