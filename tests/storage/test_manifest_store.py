from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from pointline_tui.storage.contracts import ManifestStore
from pointline_tui.storage.delta._tables import commit_on_snapshot
from pointline_tui.storage.delta.manifest_store import DeltaManifestStore
from pointline_tui.storage.models import (
    ConflictError,
    InvalidStatusError,
    ReadOnlyError,
    SchemaMismatchError,
    UnknownFileIdError,
)
from pointline_tui.storage.schemas import INGEST_MANIFEST
from tests.storage import _workers


def manifest_path(root: Path) -> Path:
    return root / "ingest_manifest"


def read_manifest(root: Path) -> pl.DataFrame:
    return pl.read_delta(str(manifest_path(root))).sort("file_id")


def field_names(path: Path) -> list[str]:
    return [f.name for f in DeltaTable(str(path)).schema().fields]


def version(path: Path) -> int:
    return DeltaTable(str(path)).version()


@pytest.fixture
def store(tmp_path: Path) -> DeltaManifestStore:
    """A manifest with files 1..3, each appended in its own commit and data file."""
    store = DeltaManifestStore(tmp_path)
    for i in range(3):
        store.resolve_file_id("tardis", "trades", f"bronze/trades/{i}.csv.gz", f"hash{i}")
    return store


def test_implements_the_contract(tmp_path: Path) -> None:
    assert isinstance(DeltaManifestStore(tmp_path), ManifestStore)


def test_resolve_creates_pending_rows_with_sequential_ids(tmp_path: Path) -> None:
    store = DeltaManifestStore(tmp_path)
    before = time.time_ns() // 1_000
    ids = [store.resolve_file_id("tardis", "trades", f"b/{i}.csv", "h") for i in range(3)]
    after = time.time_ns() // 1_000

    assert ids == [1, 2, 3]
    rows = read_manifest(tmp_path)
    assert rows.columns == list(INGEST_MANIFEST.column_names)
    assert rows["bronze_path"].to_list() == ["b/0.csv", "b/1.csv", "b/2.csv"]
    assert rows["status"].to_list() == ["pending"] * 3
    for name in ("rows_total", "rows_written", "rows_quarantined", "processed_at_ts_us"):
        assert rows[name].null_count() == 3, name
    assert rows["status_reason"].null_count() == 3
    assert rows["created_at_ts_us"].is_between(before, after).all()


def test_resolve_returns_the_existing_id_for_a_known_identity(
    store: DeltaManifestStore, tmp_path: Path
) -> None:
    before = version(manifest_path(tmp_path))
    assert store.resolve_file_id("tardis", "trades", "bronze/trades/1.csv.gz", "hash1") == 2
    assert version(manifest_path(tmp_path)) == before  # nothing committed
    assert read_manifest(tmp_path).height == 3


@pytest.mark.parametrize(
    "identity",
    [
        ("other", "trades", "bronze/trades/1.csv.gz", "hash1"),
        ("tardis", "quotes", "bronze/trades/1.csv.gz", "hash1"),
        ("tardis", "trades", "bronze/trades/9.csv.gz", "hash1"),
        ("tardis", "trades", "bronze/trades/1.csv.gz", "changed"),
    ],
)
def test_identity_is_all_four_fields(
    store: DeltaManifestStore, identity: tuple[str, str, str, str]
) -> None:
    assert store.resolve_file_id(*identity) == 4


def test_filter_pending_on_a_missing_table_is_empty_with_the_schema(tmp_path: Path) -> None:
    pending = DeltaManifestStore(tmp_path).filter_pending()
    assert pending.is_empty()
    assert pending.schema == INGEST_MANIFEST.polars_schema


def test_filter_pending_returns_only_pending_rows(store: DeltaManifestStore) -> None:
    store.update_status(2, "success", rows_total=5, rows_written=5)
    pending = store.filter_pending()
    assert pending.schema == INGEST_MANIFEST.polars_schema
    assert sorted(pending["file_id"].to_list()) == [1, 3]


def test_update_status_sets_counts_time_and_reason(
    store: DeltaManifestStore, tmp_path: Path
) -> None:
    before = time.time_ns() // 1_000
    store.update_status(
        2, "failed", rows_total=10, rows_written=7, rows_quarantined=3, status_reason="it's 'bad'"
    )
    rows = read_manifest(tmp_path)
    row = rows.filter(pl.col("file_id") == 2).row(0, named=True)
    assert row["status"] == "failed"
    assert (row["rows_total"], row["rows_written"], row["rows_quarantined"]) == (10, 7, 3)
    assert row["status_reason"] == "it's 'bad'"
    assert row["processed_at_ts_us"] >= before
    others = rows.filter(pl.col("file_id") != 2)
    assert others["status"].to_list() == ["pending", "pending"]
    assert others["processed_at_ts_us"].null_count() == 2


def test_update_status_defaults_counts_to_zero_and_clears_the_reason(
    store: DeltaManifestStore, tmp_path: Path
) -> None:
    store.update_status(1, "failed", status_reason="bad header")
    store.update_status(1, "success")
    row = read_manifest(tmp_path).row(0, named=True)
    assert (row["status"], row["status_reason"]) == ("success", None)
    assert (row["rows_total"], row["rows_written"], row["rows_quarantined"]) == (0, 0, 0)


def test_update_status_rewrites_only_the_file_holding_the_row(
    store: DeltaManifestStore, tmp_path: Path
) -> None:
    path = manifest_path(tmp_path)
    files_before = set(DeltaTable(str(path)).file_uris())
    assert len(files_before) == 3

    store.update_status(2, "success", rows_total=1, rows_written=1)

    dt = DeltaTable(str(path))
    last = dt.history(1)[0]
    assert last["operation"] == "UPDATE"
    assert last["operationMetrics"]["num_removed_files"] == 1
    assert last["operationMetrics"]["num_added_files"] == 1
    assert last["operationMetrics"]["num_copied_rows"] == 0
    assert len(files_before & set(dt.file_uris())) == 2  # the other files are untouched


def test_update_status_refuses_an_unknown_status(store: DeltaManifestStore, tmp_path: Path) -> None:
    before = version(manifest_path(tmp_path))
    with pytest.raises(InvalidStatusError, match="pending, success, failed, quarantined") as info:
        store.update_status(1, "done")
    assert isinstance(info.value, ValueError)
    assert version(manifest_path(tmp_path)) == before


def test_update_status_refuses_an_unknown_file_id(
    store: DeltaManifestStore, tmp_path: Path
) -> None:
    before = version(manifest_path(tmp_path))
    with pytest.raises(UnknownFileIdError, match="file_id 99") as info:
        store.update_status(99, "success")
    assert isinstance(info.value, KeyError)
    assert version(manifest_path(tmp_path)) == before


def test_update_status_on_a_missing_table_is_an_unknown_file_id(tmp_path: Path) -> None:
    with pytest.raises(UnknownFileIdError):
        DeltaManifestStore(tmp_path).update_status(1, "success")
    assert not manifest_path(tmp_path).exists()


def test_an_append_on_a_stale_snapshot_fails_without_retries(
    store: DeltaManifestStore, tmp_path: Path
) -> None:
    # The mechanism resolve_file_id relies on: no retries means no commit on a later version.
    path = manifest_path(tmp_path)
    stale = DeltaTable(str(path))
    store.resolve_file_id("tardis", "trades", "other.csv", "h")  # another writer commits
    row = store.filter_pending().head(1)
    with pytest.raises(ConflictError):
        commit_on_snapshot(INGEST_MANIFEST, stale, row, mode="append")
    assert read_manifest(tmp_path).height == 4


def test_concurrent_resolves_give_unique_stable_ids(tmp_path: Path) -> None:
    shared = [("tardis", "trades", f"shared/{i}.csv", "h") for i in range(2)]
    args = [
        (
            str(tmp_path),
            w,
            [*shared, *[("tardis", "trades", f"w{w}/{i}.csv", "h") for i in range(2)]],
        )
        for w in range(4)
    ]
    results = _workers.run_processes(_workers.resolve_ids, args)

    ids_by_identity: dict[tuple[str, ...], set[int]] = {}
    for _, resolved in results:
        for identity, file_id in resolved:
            ids_by_identity.setdefault(tuple(identity), set()).add(file_id)
    assert len(ids_by_identity) == 10
    assert all(len(ids) == 1 for ids in ids_by_identity.values())  # one id per identity
    assert sorted(next(iter(ids)) for ids in ids_by_identity.values()) == list(range(1, 11))
    rows = read_manifest(tmp_path)
    assert rows["file_id"].to_list() == list(range(1, 11))
    assert {
        (r["vendor"], r["data_type"], r["bronze_path"], r["file_hash"]): {r["file_id"]}
        for r in rows.iter_rows(named=True)
    } == ids_by_identity


def test_concurrent_status_updates_all_land(store: DeltaManifestStore, tmp_path: Path) -> None:
    store.resolve_file_id("tardis", "trades", "bronze/trades/3.csv.gz", "hash3")
    done = _workers.run_processes(
        _workers.update_status, [(str(tmp_path), i) for i in (1, 2, 3, 4)]
    )
    assert sorted(done) == [1, 2, 3, 4]
    rows = read_manifest(tmp_path)
    assert rows["status"].to_list() == ["success"] * 4
    assert rows["rows_total"].to_list() == [10, 20, 30, 40]
    assert rows["rows_written"].to_list() == [9, 19, 29, 39]


def write_foreign_manifest(root: Path) -> list[str]:
    """A manifest as another writer left it: reversed columns, no ``status_reason``."""
    names = [n for n in reversed(INGEST_MANIFEST.column_names) if n != "status_reason"]
    row = {
        "file_id": 7,
        "vendor": "tardis",
        "data_type": "trades",
        "bronze_path": "old.csv",
        "file_hash": "h7",
        "status": "pending",
        "created_at_ts_us": 1_714_521_600_000_000,
    }
    schema = INGEST_MANIFEST.polars_schema
    frame = pl.DataFrame({n: pl.Series(n, [row.get(n)], dtype=schema[n]) for n in names})
    write_deltalake(str(manifest_path(root)), frame.to_arrow())
    return names


def test_reads_and_writes_a_manifest_from_another_writer(tmp_path: Path) -> None:
    names = write_foreign_manifest(tmp_path)
    store = DeltaManifestStore(tmp_path)

    pending = store.filter_pending()
    assert pending.columns == list(INGEST_MANIFEST.column_names)
    assert pending.select("file_id", "status_reason").rows() == [(7, None)]

    assert store.resolve_file_id("tardis", "trades", "old.csv", "h7") == 7
    assert store.resolve_file_id("tardis", "trades", "new.csv", "h8") == 8
    store.update_status(8, "success", rows_total=2, rows_written=2)

    path = manifest_path(tmp_path)
    assert field_names(path) == names  # schema untouched
    rows = read_manifest(tmp_path)
    assert rows.select("file_id", "status", "rows_total").rows() == [
        (7, "pending", None),
        (8, "success", 2),
    ]


def test_refuses_a_reason_the_foreign_manifest_cannot_hold(tmp_path: Path) -> None:
    names = write_foreign_manifest(tmp_path)
    path = manifest_path(tmp_path)
    before = version(path)
    with pytest.raises(SchemaMismatchError, match="status_reason"):
        DeltaManifestStore(tmp_path).update_status(7, "failed", status_reason="bad")
    assert version(path) == before
    assert field_names(path) == names


def test_refuses_a_manifest_without_an_identity_column(tmp_path: Path) -> None:
    frame = pa.table({"file_id": [1], "vendor": ["v"], "data_type": ["t"], "bronze_path": ["p"]})
    write_deltalake(str(manifest_path(tmp_path)), frame)
    with pytest.raises(SchemaMismatchError, match="file_hash"):
        DeltaManifestStore(tmp_path).resolve_file_id("v", "t", "p", "h")


def test_read_only_store_refuses_writes(store: DeltaManifestStore, tmp_path: Path) -> None:
    path = manifest_path(tmp_path)
    before = version(path)
    read_only = DeltaManifestStore(tmp_path, read_only=True)
    with pytest.raises(ReadOnlyError):
        read_only.resolve_file_id("tardis", "trades", "new.csv", "h")
    with pytest.raises(ReadOnlyError):
        read_only.resolve_file_id("tardis", "trades", "bronze/trades/0.csv.gz", "hash0")
    with pytest.raises(ReadOnlyError):
        read_only.update_status(1, "success")
    assert version(path) == before
    assert read_only.filter_pending().height == 3  # reading still works


def test_read_only_store_creates_no_table(tmp_path: Path) -> None:
    with pytest.raises(ReadOnlyError):
        DeltaManifestStore(tmp_path, read_only=True).resolve_file_id("v", "t", "p", "h")
    assert not manifest_path(tmp_path).exists()
