import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date
from pathlib import Path

import polars as pl
import pytest
from deltalake import write_deltalake

from pointline_tui.lake import DamagedTableError, LakeReader
from pointline_tui.lake.stats_cache import StatsCache
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.models import TableNotFoundError
from pointline_tui.storage.schemas import EVENT_TABLES
from tests.frames import trades
from tests.lake.conftest import (
    APPENDS,
    AUDIT,
    ROWS_PER_APPEND,
    manifest_rows,
    replay_log,
    write_trades,
)


def _cached(reader: LakeReader, name: str) -> object:
    return reader._slots[name].table  # the cache is what this test is about


def test_summary(event_lake: Path) -> None:
    summary = LakeReader(event_lake).summary("trades")
    logged = replay_log(event_lake / "trades")
    assert summary.name == "trades"
    assert summary.version == sum(APPENDS.values()) - 1
    assert summary.last_operation == "WRITE"
    assert summary.last_commit_at is not None
    assert summary.last_commit_at.tzinfo is UTC
    assert summary.partition_columns == ("exchange", "trading_date")
    assert [name for name, _ in summary.schema] == list(EVENT_TABLES["trades"].column_names)
    types = dict(summary.schema)
    assert (types["trading_date"], types["price"], types["side"]) == ("date", "long", "string")
    assert summary.files == len(logged)
    assert summary.bytes == sum(f.size for f in logged.values())
    assert summary.rows == sum(f.rows for f in logged.values())
    assert (summary.partitions, summary.hot_partitions) == (3, 1)
    assert summary.min_retention_hours == 168


def test_summary_of_nested_types(silver: Path) -> None:
    frame = pl.DataFrame({"levels": [[1, 2]], "s": [{"x": 1.5}]})
    write_deltalake(silver / "scratch", frame.to_arrow())
    types = dict(LakeReader(silver).summary("scratch").schema)
    assert types == {"levels": "array<long>", "s": "struct<x:double>"}


def test_refresh_reads_new_commits_into_the_same_table(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    before = reader.summary("trades")
    table = _cached(reader, "trades")
    DeltaEventStore(event_lake).append("trades", trades("okx", date(2024, 5, 3), 5))
    assert reader.summary("trades").version == before.version  # cached until refreshed
    assert reader.refresh() == ("trades",)
    after = reader.summary("trades")
    assert _cached(reader, "trades") is table
    assert after.version == before.version + 1
    assert after.files == before.files + 1
    assert after.rows == before.rows + 5
    assert reader.partition_stats("trades").height == 4
    assert reader.refresh("trades") == ()


def test_refresh_of_a_table_that_broke(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    reader.summary("trades")
    DeltaEventStore(event_lake).append("trades", trades("okx", date(2024, 5, 3), 5))
    last = sorted((event_lake / "trades" / "_delta_log").glob("*.json"))[-1]
    last.write_text("{not json\n")
    with pytest.raises(DamagedTableError, match="damaged Delta log"):
        reader.refresh("trades")
    assert [e.state for e in reader.catalog()] == ["damaged"]
    with pytest.raises(DamagedTableError):
        reader.summary("trades")


def test_refresh_all_drops_broken_tables_silently(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    reader.summary("trades")
    for path in sorted((event_lake / "trades" / "_delta_log").iterdir()):
        path.unlink()
    (event_lake / "trades" / "_delta_log").rmdir()
    assert reader.refresh() == ()
    with pytest.raises(TableNotFoundError):
        reader.summary("trades")


def test_refresh_ignores_tables_not_opened(event_lake: Path) -> None:
    assert LakeReader(event_lake).refresh("trades") == ()


def test_lake_overview(event_lake: Path) -> None:
    manifest_rows(event_lake)
    (event_lake / "quotes").mkdir()
    (event_lake / "liquidations").mkdir()
    (event_lake / "liquidations" / "x.parquet").write_bytes(b"")
    overview = LakeReader(event_lake).lake_overview()
    logged = replay_log(event_lake / "trades")
    manifest = replay_log(event_lake / "ingest_manifest")
    assert (overview.tables, overview.delta_tables) == (4, 2)
    assert (overview.empty_tables, overview.not_delta_tables, overview.damaged_tables) == (1, 1, 0)
    assert overview.files == len(logged) + len(manifest)
    assert overview.bytes == sum(f.size for f in [*logged.values(), *manifest.values()])
    assert overview.rows == sum(APPENDS.values()) * ROWS_PER_APPEND + 6
    assert overview.partitions == 4  # three trades partitions and the manifest
    assert overview.hot_partitions == 1
    assert overview.manifest_status == (
        ("pending", 2),
        ("success", 3),
        ("failed", 1),
        ("quarantined", 0),
    )


def test_lake_overview_without_manifest(silver: Path) -> None:
    overview = LakeReader(silver).lake_overview()
    assert (overview.tables, overview.files, overview.rows, overview.manifest_status) == (
        0,
        0,
        0,
        None,
    )


def test_concurrent_calls_and_refreshes(silver: Path) -> None:
    write_trades(silver, {("okx", date(2024, 5, 1)): 2})
    reader = LakeReader(silver)
    stop = threading.Event()

    def writer() -> None:
        store = DeltaEventStore(silver, audit=AUDIT)
        for i in range(10):
            store.append("trades", trades("okx", date(2024, 5, 2 + i % 3), 3, start=1000 + i))
            reader.refresh()
        stop.set()

    def query(_: int) -> int:
        checks = 0
        while not stop.is_set() or checks < 3:
            summary = reader.summary("trades")
            stats = reader.partition_stats("trades")
            assert summary.files >= 2
            assert int(stats.get_column("files").sum()) >= 2
            reader.history("trades", limit=3)
            reader.catalog()
            checks += 1
        return checks

    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(query, i) for i in range(4)]
        writer()
        assert all(f.result() >= 3 for f in futures)
    reader.refresh()
    assert reader.summary("trades").files == 12


def test_a_commit_damaged_while_the_table_is_kept_shows_after_a_refresh(
    event_lake: Path, tmp_path: Path
) -> None:
    reader = LakeReader(event_lake, cache=StatsCache(tmp_path / "cache"))
    assert reader.health("trades") == ()
    assert reader.health("trades", scan_files=False) == ()
    old = event_lake / "trades" / "_delta_log" / f"{1:020d}.json"
    old.write_bytes(old.read_bytes()[:-20])
    reader.refresh()
    for scan_files in (False, True):
        found = reader.health("trades", scan_files=scan_files)
        assert [(f.severity, f.kind) for f in found] == [("error", "truncated_commit")]
