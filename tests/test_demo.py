"""The demo lake: what it holds, and that it is the same lake every time."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.demo import build_demo_lake
from pointline_tui.lake.partitions import SMALL_FILE_BYTES
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.schemas import MANIFEST_STATUSES

EVENT_TABLES = ("trades", "quotes", "orderbook_updates")
EXCHANGES = {"binance-futures", "okx"}


def small_files(root: Path, table: str) -> dict[tuple[str, date], int]:
    """Per partition, the active files below the small-file size, from the add actions."""
    actions = pl.DataFrame(DeltaTable(str(root / table)).get_add_actions(flatten=True))
    counts = (
        actions.filter(pl.col("size_bytes") < SMALL_FILE_BYTES)
        .group_by("partition.exchange", "partition.trading_date")
        .len()
    )
    return {(ex, day): n for ex, day, n in counts.iter_rows()}


def sorted_frame(path: Path) -> pl.DataFrame:
    frame = pl.read_delta(str(path))
    return frame.sort(frame.columns)


def test_event_tables_cover_two_exchanges_over_several_dates(demo_lake_template: Path) -> None:
    for table in EVENT_TABLES:
        frame = pl.read_delta(str(demo_lake_template / table))
        assert set(frame.get_column("exchange").unique()) == EXCHANGES, table
        days = frame.get_column("trading_date").unique()
        assert days.len() >= 3, table
        partitions = frame.select("exchange", "trading_date").unique()
        assert partitions.height == 2 * days.len(), f"{table}: every exchange on every date"
        assert DeltaTable(str(demo_lake_template / table)).metadata().partition_columns == [
            "exchange",
            "trading_date",
        ]


def test_some_partitions_are_hot(demo_lake_template: Path) -> None:
    per_partition = {t: small_files(demo_lake_template, t) for t in EVENT_TABLES}
    hottest = max(n for counts in per_partition.values() for n in counts.values())
    assert hottest >= 12
    hot = [(t, key) for t, counts in per_partition.items() for key, n in counts.items() if n >= 8]
    assert len(hot) >= 2, "more than one hot partition to pick from"
    assert any(n == 1 for n in per_partition["trades"].values()), "and cold ones beside them"


def test_manifest_has_every_status_and_failures_say_why(demo_lake_template: Path) -> None:
    manifest = pl.read_delta(str(demo_lake_template / "ingest_manifest"))
    assert set(manifest.get_column("status")) == set(MANIFEST_STATUSES)
    failed = manifest.filter(status="failed")
    assert failed.height >= 1
    assert failed.get_column("status_reason").str.len_chars().min() > 0  # type: ignore[operator]
    assert manifest.filter(status="success").get_column("status_reason").null_count() == (
        manifest.filter(status="success").height
    )


def test_quarantined_rows_span_rules_files_and_tables(demo_lake_template: Path) -> None:
    log = pl.read_delta(str(demo_lake_template / "validation_log"))
    assert 100 <= log.height < 1_000, "a few hundred quarantined rows"
    assert log.get_column("rule_name").n_unique() >= 3
    assert log.get_column("file_id").n_unique() >= 3
    sources = set(log.get_column("message").unique())
    assert sources == {f"quarantined:{t}" for t in EVENT_TABLES}
    manifest = pl.read_delta(str(demo_lake_template / "ingest_manifest"))
    with_rejects = manifest.filter(pl.col("rows_quarantined") > 0)
    assert set(log.get_column("file_id")) == set(with_rejects.get_column("file_id"))
    logged = dict(log.group_by("file_id").len().iter_rows())
    recorded = dict(with_rejects.select("file_id", "rows_quarantined").iter_rows())
    disagree = {f: (recorded[f], logged[f]) for f in recorded if recorded[f] != logged[f]}
    assert len(disagree) == 1, "one damaged file: some of its log rows never landed"
    assert all(r > n for r, n in disagree.values())
    whole = manifest.filter(status="quarantined")
    assert whole.height >= 1
    assert whole.get_column("rows_written").to_list() == [0] * whole.height
    assert (
        whole.get_column("rows_quarantined").to_list() == whole.get_column("rows_total").to_list()
    )


def test_dim_symbol_has_two_versions_that_differ(demo_lake_template: Path) -> None:
    path = str(demo_lake_template / "dim_symbol")
    assert DeltaTable(path).version() == 1
    first = pl.read_delta(path, version=0)
    second = pl.read_delta(path, version=1)
    assert not first.sort(first.columns).equals(second.sort(second.columns))
    assert second.height > first.height
    assert second.filter(~pl.col("is_current")).height >= 1, "an SCD2 row closed in version 1"


def test_one_compaction_left_tombstones_for_vacuum(demo_lake: Path) -> None:
    optimizes = {
        table: [
            c for c in DeltaTable(str(demo_lake / table)).history() if c["operation"] == "OPTIMIZE"
        ]
        for table in EVENT_TABLES
    }
    assert sum(len(c) for c in optimizes.values()) == 1
    store = DeltaEventStore(demo_lake)
    for table, commits in optimizes.items():
        report = store.vacuum_table(table, retention_hours=0, dry_run=True, enforce_retention=False)
        if commits:
            assert report.files_removed == commits[0]["operationMetrics"]["numFilesRemoved"] > 1
            assert all((demo_lake / table / p).exists() for p in report.removed_files)
        else:
            assert report.files_removed == 0


def test_two_builds_give_the_same_tables(demo_lake_template: Path, tmp_path: Path) -> None:
    target = tmp_path / "silver"
    target.mkdir()  # an empty folder is fine
    started = time.perf_counter()
    again = build_demo_lake(target)
    print(f"demo lake built in {time.perf_counter() - started:.2f} s")
    tables = sorted(p.name for p in demo_lake_template.iterdir() if p.is_dir())
    assert tables == sorted(p.name for p in again.iterdir() if p.is_dir())
    assert len(tables) == 6
    for table in tables:
        expected = DeltaTable(str(demo_lake_template / table))
        actual = DeltaTable(str(again / table))
        assert actual.version() == expected.version(), table
        assert sorted_frame(again / table).equals(sorted_frame(demo_lake_template / table)), table


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / "silver"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not empty"):
        build_demo_lake(target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
