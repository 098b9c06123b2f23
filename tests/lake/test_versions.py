"""A commit's changes, two versions compared and a version browsed, against what delta-rs reads."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake

from pointline_tui.lake.errors import DamagedTableError
from pointline_tui.lake.versions import (
    commit_changes,
    rows_as_of,
    table_as_of,
    version_diff,
)
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.restore import VersionNotFoundError
from pointline_tui.storage.models import StorageOperationError
from tests.frames import trades
from tests.lake.conftest import AUDIT, HOT, WARM

Key = tuple[str | None, date | None]


def rows_read(table: Path, version: int) -> dict[Key, int]:
    """Rows per partition as delta-rs (through polars) reads version ``version``."""
    frame = pl.read_delta(str(table), version=version)
    counts = frame.group_by("exchange", "trading_date").len()
    return {(ex, day): n for ex, day, n in counts.iter_rows()}


def files_read(table: Path, version: int) -> dict[Key, int]:
    """Files per partition that delta-rs lists at ``version``, from the Hive paths."""
    counts: dict[Key, int] = {}
    for uri in DeltaTable(str(table), version=version).file_uris():
        folders = dict(p.split("=", 1) for p in unquote(uri).split("/") if "=" in p)
        key = (folders["exchange"], date.fromisoformat(folders["trading_date"]))
        counts[key] = counts.get(key, 0) + 1
    return counts


def operation_versions(table: Path, operation: str) -> list[int]:
    return [
        int(c["version"]) for c in DeltaTable(str(table)).history() if c["operation"] == operation
    ]


def test_the_changes_of_an_optimize_commit_equal_its_metrics(event_lake: Path) -> None:
    table = event_lake / "trades"
    DeltaTable(str(table)).optimize.compact()  # every partition with several files, one commit
    [version] = operation_versions(table, "OPTIMIZE")
    metrics = DeltaTable(str(table)).history(1)[0]["operationMetrics"]

    changes = commit_changes(table, version)

    assert changes.total("files_removed") == metrics["numFilesRemoved"]
    assert changes.total("files_added") == metrics["numFilesAdded"]
    assert changes.total("bytes_removed") == json.loads(metrics["filesRemoved"])["totalSize"]
    assert changes.total("bytes_added") == json.loads(metrics["filesAdded"])["totalSize"]
    before, after = rows_read(table, version - 1), rows_read(table, version)
    assert before == after
    assert len(changes.partitions) == metrics["partitionsOptimized"] == 2  # HOT and WARM
    for part in changes.partitions:
        key = (part.exchange, part.trading_date)
        assert key in (HOT, WARM)
        assert part.rows_added == part.rows_removed == after[key]
        assert part.files_removed == files_read(table, version - 1)[key]
        assert part.files_added == files_read(table, version)[key] == 1
    assert changes.schema_changes == ()


def test_a_compaction_by_the_store_touches_only_its_partition(event_lake: Path) -> None:
    table = event_lake / "trades"
    DeltaEventStore(event_lake, audit=AUDIT).compact_partitions(
        "trades", exchange=HOT[0], trading_date=HOT[1]
    )
    [version] = operation_versions(table, "OPTIMIZE")
    [part] = commit_changes(table, version).partitions
    assert (part.exchange, part.trading_date) == HOT
    assert (part.files_removed, part.files_added) == (files_read(table, version - 1)[HOT], 1)
    assert part.rows_added == part.rows_removed == rows_read(table, version)[HOT]


def test_an_append_adds_its_rows_and_removes_nothing(event_lake: Path) -> None:
    table = event_lake / "trades"
    DeltaEventStore(event_lake).append("trades", trades("okx", date(2024, 5, 9), 17))
    version = DeltaTable(str(table)).version()
    [part] = commit_changes(table, version).partitions
    assert (part.exchange, part.trading_date) == ("okx", date(2024, 5, 9))
    assert (part.files_added, part.files_removed, part.rows_added) == (1, 0, 17)
    assert (part.bytes_removed, part.rows_removed) == (0, 0)


@pytest.mark.parametrize("pair", [(0, 5), (3, 12), (12, 3), (0, "latest")])
def test_a_diff_equals_what_delta_rs_reads_at_each_version(
    event_lake: Path, pair: tuple[int, int | str]
) -> None:
    table = event_lake / "trades"
    DeltaTable(str(table)).optimize.compact()
    DeltaEventStore(event_lake).append("trades", trades("okx", date(2024, 5, 9), 5))
    latest = DeltaTable(str(table)).version()
    old, new = pair[0], latest if pair[1] == "latest" else int(pair[1])

    diff = version_diff(table, int(old), int(new))

    rows_from, rows_to = rows_read(table, int(old)), rows_read(table, int(new))
    files_from, files_to = files_read(table, int(old)), files_read(table, int(new))
    shown = {(p.exchange, p.trading_date): p for p in diff.partitions}
    for key in rows_from.keys() | rows_to.keys():
        if rows_from.get(key) != rows_to.get(key) or files_from.get(key) != files_to.get(key):
            assert key in shown, key
    for key, part in shown.items():
        assert part.rows_from == rows_from.get(key, 0)
        assert part.rows_to == rows_to.get(key, 0)
        assert part.files_from == files_from.get(key, 0)
        assert part.files_to == files_to.get(key, 0)
    assert diff.unchanged == len(rows_from.keys() | rows_to.keys()) - len(shown)
    assert (diff.from_version, diff.to_version) == (old, new)


def test_a_diff_names_schema_changes_and_unpartitioned_tables(tmp_path: Path) -> None:
    path = tmp_path / "plain"
    write_deltalake(path, pl.DataFrame({"a": [1, 2]}).to_arrow())
    write_deltalake(
        path, pl.DataFrame({"a": [3], "b": ["x"]}).to_arrow(), mode="append", schema_mode="merge"
    )
    diff = version_diff(path, 0, 1)
    [change] = diff.schema_changes
    assert (change.column, change.change, change.before, change.after) == (
        "b",
        "added",
        None,
        "string",
    )
    [part] = diff.partitions
    assert (part.exchange, part.trading_date) == (None, None)
    assert (part.files_from, part.files_to, part.rows_from, part.rows_to) == (1, 2, 2, 3)
    assert version_diff(path, 1, 0).schema_changes[0].change == "removed"
    assert commit_changes(path, 1).schema_changes == diff.schema_changes


def test_unknown_versions_are_refused_by_name(event_lake: Path) -> None:
    table = event_lake / "trades"
    latest = DeltaTable(str(table)).version()
    with pytest.raises(VersionNotFoundError, match=f"no version {latest + 1} "):
        version_diff(table, 0, latest + 1)
    with pytest.raises(VersionNotFoundError):
        commit_changes(table, -1)


def test_a_commit_whose_file_is_gone_says_so(event_lake: Path) -> None:
    table = event_lake / "trades"
    DeltaTable(str(table)).create_checkpoint()
    (table / "_delta_log" / f"{2:020d}.json").unlink()
    with pytest.raises(StorageOperationError, match="commit 2 cannot be read"):
        commit_changes(table, 2)


def test_a_table_as_of_a_version_holds_that_versions_files_and_rows(event_lake: Path) -> None:
    table = event_lake / "trades"
    DeltaTable(str(table)).optimize.compact()
    as_of = table_as_of(table, 5)
    listed = {
        unquote(u).removeprefix(f"{table}/") for u in DeltaTable(str(table), version=5).file_uris()
    }
    assert set(as_of.files.get_column("path").to_list()) == listed
    assert (as_of.version, as_of.partitioned) == (5, True)
    stamps = {int(c["version"]): int(c["timestamp"]) for c in DeltaTable(str(table)).history()}
    assert as_of.timestamp is not None
    assert int(as_of.timestamp.timestamp() * 1000) == stamps[5]
    assert int(as_of.files.get_column("rows").sum()) == sum(rows_read(table, 5).values())

    rows = rows_as_of(table, 5, HOT[0], HOT[1], limit=7)
    expected = pl.read_delta(str(table), version=5).filter(
        pl.col("exchange") == HOT[0], pl.col("trading_date") == HOT[1]
    )
    assert rows.height == 7
    assert rows.join(expected, on=rows.columns, how="anti", nulls_equal=True).is_empty()
    with pytest.raises(ValueError, match="at least 1"):
        rows_as_of(table, 5, None, None, limit=0)


def test_rows_of_a_vacuumed_version_cannot_be_read_but_its_files_list(event_lake: Path) -> None:
    table = event_lake / "trades"
    DeltaTable(str(table)).optimize.compact()
    DeltaEventStore(event_lake).vacuum_table("trades", retention_hours=0, enforce_retention=False)
    assert table_as_of(table, 5).files.height == sum(files_read(table, 5).values())
    with pytest.raises(StorageOperationError, match="rows of version 5 cannot be read"):
        rows_as_of(table, 5, HOT[0], HOT[1])


def test_a_table_folder_leading_out_of_the_lake_is_not_read(
    event_lake: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    (event_lake / "trades").rename(outside)
    (event_lake / "trades").symlink_to(outside)
    for read in (
        lambda: version_diff(event_lake / "trades", 0, 1),
        lambda: commit_changes(event_lake / "trades", 1),
        lambda: table_as_of(event_lake / "trades", 1),
    ):
        with pytest.raises(DamagedTableError, match="outside the lake"):
            read()
