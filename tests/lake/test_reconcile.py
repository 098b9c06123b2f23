"""Reconciliation: lakes written through the stores, then damaged the way real lakes are."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.demo import UNKNOWN_FILE_ID
from pointline_tui.lake.reconcile import KINDS, reconcile
from pointline_tui.storage.models import StorageError
from tests.reconcile_lakes import DAY1, DAY2, Ingest, clean_lake, write_outside_the_stores


def found(root: Path, **options: str) -> list[tuple[int | None, str, str, object, object]]:
    return [
        (f.file_id, f.table, f.kind, f.expected, f.actual)
        for f in reconcile(root, **options).findings
    ]


@pytest.fixture
def lake(tmp_path: Path) -> Ingest:
    return clean_lake(tmp_path / "silver")


def test_a_lake_written_through_the_stores_reconciles(lake: Ingest) -> None:
    result = reconcile(lake.root)
    assert result.findings == ()
    assert result.partitions.is_empty()
    assert result.tables == ("trades", "orderbook_updates")
    assert result.entries == pl.read_delta(str(lake.root / "ingest_manifest")).height
    rows = sum(pl.read_delta(str(lake.root / t)).height for t in result.tables)
    assert result.rows == rows


def test_rows_appended_again_outside_the_stores(lake: Ingest) -> None:
    rerun = lake.file("g", {("okx", DAY1): 12, ("okx", DAY2): 8})
    again = pl.read_delta(str(lake.root / "trades")).filter(file_id=rerun)
    write_outside_the_stores(lake.root, "trades", again.filter(trading_date=DAY2))
    assert found(lake.root) == [(rerun, "trades", "rows_written_mismatch", 20, 28)]
    result = reconcile(lake.root)
    (finding,) = result.findings
    assert finding.status == "success"
    assert "8 extra" in finding.message
    partitions = result.partitions_of(finding)
    assert partitions.rows() == [("okx", DAY1, 12), ("okx", DAY2, 16)]


def test_rows_lost_after_the_entry_was_recorded(lake: Ingest) -> None:
    file_id = lake.file("g", {("okx", DAY1): 12, ("okx", DAY2): 8})
    DeltaTable(str(lake.root / "trades")).delete(f"file_id = {file_id} AND trading_date = '{DAY2}'")
    assert found(lake.root) == [(file_id, "trades", "rows_written_mismatch", 20, 12)]


def test_a_manifest_entry_updated_by_hand(lake: Ingest) -> None:
    manifest = pl.read_delta(str(lake.root / "ingest_manifest"))
    okx = manifest.filter(bronze_path="bronze/b").row(0, named=True)
    DeltaTable(str(lake.root / "ingest_manifest")).update(
        predicate=f"file_id = {okx['file_id']}",
        updates={
            "rows_written": str(okx["rows_written"] + 100),
            "trading_date_min": "CAST('2024-04-30' AS DATE)",
        },
    )
    assert found(lake.root) == [
        (okx["file_id"], "trades", "rows_written_mismatch", okx["rows_written"] + 100, 25),
        (
            okx["file_id"],
            "trades",
            "date_range_mismatch",
            "2024-04-30..?",
            "2024-05-01..2024-05-01",
        ),
    ]


def test_dates_set_and_right_agree(lake: Ingest) -> None:
    file_a = pl.read_delta(str(lake.root / "ingest_manifest")).filter(bronze_path="bronze/a")
    DeltaTable(str(lake.root / "ingest_manifest")).update(
        predicate=f"file_id = {file_a.get_column('file_id')[0]}",
        updates={
            "trading_date_min": f"CAST('{DAY1}' AS DATE)",
            "trading_date_max": f"CAST('{DAY2}' AS DATE)",
        },
    )
    assert found(lake.root) == []


def test_a_validation_log_row_missing(lake: Ingest) -> None:
    manifest = pl.read_delta(str(lake.root / "ingest_manifest"))
    entry = manifest.filter(bronze_path="bronze/c").row(0, named=True)
    log = pl.read_delta(str(lake.root / "validation_log")).filter(file_id=entry["file_id"])
    seq = log.get_column("file_seq").min()
    DeltaTable(str(lake.root / "validation_log")).delete(
        f"file_id = {entry['file_id']} AND file_seq = {seq!s}"
    )
    expected = entry["rows_quarantined"]
    assert found(lake.root) == [
        (entry["file_id"], "orderbook_updates", "rows_quarantined_mismatch", expected, expected - 1)
    ]
    (finding,) = reconcile(lake.root).findings
    assert finding.data_type == "incremental_book_L2"


def test_a_failed_file_with_rows(lake: Ingest) -> None:
    file_id = lake.pending("g")
    write_outside_the_stores(lake.root, "trades", lake.rows("trades", file_id, {("okx", DAY2): 9}))
    lake.manifest.update_status(file_id, "failed", status_reason="killed after the write")
    assert found(lake.root) == [(file_id, "trades", "rows_for_unsuccessful_file", 0, 9)]
    assert found(lake.root, status="failed") == found(lake.root)
    assert found(lake.root, status="success") == []


def test_a_pending_file_with_rows(lake: Ingest) -> None:
    file_id = lake.pending("g")
    lake.events.append("trades", lake.rows("trades", file_id, {("okx", DAY2): 5}))
    assert found(lake.root) == [(file_id, "trades", "rows_for_unsuccessful_file", 0, 5)]
    assert reconcile(lake.root).findings[0].status == "pending"


def test_rows_whose_file_id_is_not_in_the_manifest(lake: Ingest) -> None:
    write_outside_the_stores(lake.root, "trades", lake.rows("trades", 777, {("okx", DAY1): 11}))
    (finding,) = reconcile(lake.root).findings
    assert (finding.file_id, finding.kind, finding.actual) == (777, "unknown_file_id", 11)
    assert (finding.status, finding.data_type) == (None, None)


def test_rows_in_the_table_their_entry_does_not_name(lake: Ingest) -> None:
    manifest = pl.read_delta(str(lake.root / "ingest_manifest"))
    book_file = manifest.filter(data_type="incremental_book_L2").get_column("file_id")[0]
    write_outside_the_stores(
        lake.root, "trades", lake.rows("trades", book_file, {("okx", DAY1): 3})
    )
    (finding,) = reconcile(lake.root).findings
    assert (finding.file_id, finding.table, finding.kind) == (
        book_file,
        "trades",
        "unknown_file_id",
    )
    assert finding.data_type == "incremental_book_L2"
    assert "entry is for orderbook_updates" in finding.message


def test_log_rows_whose_file_id_is_not_in_the_manifest(lake: Ingest) -> None:
    lake.quarantine.append("trades", lake.rows("trades", 555, {("okx", DAY1): 4}), "x", 555)
    assert found(lake.root) == [(555, "validation_log", "unknown_file_id", 0, 4)]
    assert found(lake.root, table="trades") == []


def test_a_table_narrows_rows_and_entries(lake: Ingest) -> None:
    write_outside_the_stores(lake.root, "trades", lake.rows("trades", 777, {("okx", DAY1): 2}))
    write_outside_the_stores(
        lake.root, "orderbook_updates", lake.rows("incremental_book_L2", 778, {("okx", DAY1): 3})
    )
    result = reconcile(lake.root, table="orderbook_updates")
    assert [(f.file_id, f.table) for f in result.findings] == [(778, "orderbook_updates")]
    assert result.tables == ("orderbook_updates",)
    assert result.entries == 1
    with pytest.raises(ValueError, match="not an event table"):
        reconcile(lake.root, table="ingest_manifest")


def test_a_success_entry_whose_table_is_gone(lake: Ingest) -> None:
    manifest = pl.read_delta(str(lake.root / "ingest_manifest"))
    entry = manifest.filter(data_type="incremental_book_L2").row(0, named=True)
    shutil.rmtree(lake.root / "orderbook_updates")
    assert found(lake.root) == [
        (entry["file_id"], "orderbook_updates", "rows_written_mismatch", entry["rows_written"], 0)
    ]


def test_without_a_manifest_every_row_is_unknown(lake: Ingest) -> None:
    shutil.rmtree(lake.root / "ingest_manifest")
    result = reconcile(lake.root)
    ids = pl.read_delta(str(lake.root / "trades")).group_by("file_id").len()
    unknown = {(f.file_id, f.actual) for f in result.findings if f.table == "trades"}
    assert unknown == set(ids.iter_rows())
    assert {f.kind for f in result.findings} == {"unknown_file_id"}


def test_a_table_that_cannot_be_read_is_a_storage_error(lake: Ingest) -> None:
    some_file = next((lake.root / "trades").rglob("*.parquet"))
    some_file.unlink()
    with pytest.raises(StorageError, match="trades"):
        reconcile(lake.root)


def test_the_demo_lake_holds_one_damaged_file_of_each_kind(demo_lake_template: Path) -> None:
    findings = reconcile(demo_lake_template).findings
    # Rows lost and rows written twice are both rows_written mismatches.
    assert Counter(f.kind for f in findings) == {
        **dict.fromkeys(KINDS, 1),
        "rows_written_mismatch": 2,
    }
    written = [f for f in findings if f.kind == "rows_written_mismatch"]
    assert sorted(int(f.actual) < int(f.expected) for f in written) == [False, True]  # type: ignore[arg-type]
    (unknown,) = (f for f in findings if f.kind == "unknown_file_id")
    assert unknown.file_id == UNKNOWN_FILE_ID
    (failed,) = (f for f in findings if f.kind == "rows_for_unsuccessful_file")
    assert failed.status == "failed"
    assert len({f.file_id for f in findings}) == len(findings)
