from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake
from polars.testing import assert_frame_equal

from pointline_tui.storage.contracts import DimensionStore
from pointline_tui.storage.delta._tables import commit_on_snapshot
from pointline_tui.storage.delta.dimension_store import DeltaDimensionStore
from pointline_tui.storage.models import ConflictError, ReadOnlyError, SchemaMismatchError
from pointline_tui.storage.schemas import DIM_SYMBOL
from tests.storage import _workers
from tests.storage._workers import dim_frame


def dim_path(root: Path) -> Path:
    return root / "dim_symbol"


def field_names(path: Path) -> list[str]:
    return [f.name for f in DeltaTable(str(path)).schema().fields]


def by_id(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort("symbol_id")


@pytest.fixture
def store(tmp_path: Path) -> DeltaDimensionStore:
    """A dimension saved once (version 0)."""
    store = DeltaDimensionStore(tmp_path)
    store.save_dim_symbol(dim_frame("v0"), -1)
    return store


def test_implements_the_contract(tmp_path: Path) -> None:
    assert isinstance(DeltaDimensionStore(tmp_path), DimensionStore)


def test_missing_table_has_version_minus_one_and_an_empty_frame(tmp_path: Path) -> None:
    store = DeltaDimensionStore(tmp_path)
    assert store.current_version() == -1
    loaded = store.load_dim_symbol()
    assert loaded.is_empty()
    assert loaded.schema == DIM_SYMBOL.polars_schema


def test_first_save_creates_version_zero(store: DeltaDimensionStore) -> None:
    assert store.current_version() == 0
    assert_frame_equal(by_id(store.load_dim_symbol()), dim_frame("v0"))


def test_save_replaces_the_whole_table(store: DeltaDimensionStore) -> None:
    store.save_dim_symbol(dim_frame("v1", n=2), 0)
    assert store.current_version() == 1
    assert_frame_equal(by_id(store.load_dim_symbol()), dim_frame("v1", n=2))


def test_save_on_a_stale_version_is_a_conflict(store: DeltaDimensionStore) -> None:
    store.save_dim_symbol(dim_frame("v1"), 0)
    with pytest.raises(ConflictError, match=r"expected version 0.*at version 1"):
        store.save_dim_symbol(dim_frame("late"), 0)
    assert store.current_version() == 1
    assert_frame_equal(by_id(store.load_dim_symbol()), dim_frame("v1"))


@pytest.mark.parametrize("expected", [-1, 5])
def test_save_expecting_another_version_is_a_conflict(
    store: DeltaDimensionStore, expected: int
) -> None:
    with pytest.raises(ConflictError, match=rf"expected version {expected}.*at version 0"):
        store.save_dim_symbol(dim_frame("x"), expected)
    assert store.current_version() == 0
    assert_frame_equal(by_id(store.load_dim_symbol()), dim_frame("v0"))


def test_save_on_a_missing_table_expecting_a_version_is_a_conflict(tmp_path: Path) -> None:
    store = DeltaDimensionStore(tmp_path)
    with pytest.raises(ConflictError, match=r"expected version 0.*at version -1"):
        store.save_dim_symbol(dim_frame("x"), 0)
    assert store.current_version() == -1


def test_an_overwrite_on_a_stale_snapshot_fails_without_retries(
    store: DeltaDimensionStore, tmp_path: Path
) -> None:
    # The mechanism save_dim_symbol relies on when another writer commits after its check.
    stale = DeltaTable(str(dim_path(tmp_path)))
    store.save_dim_symbol(dim_frame("v1"), 0)
    with pytest.raises(ConflictError):
        commit_on_snapshot(DIM_SYMBOL, stale, dim_frame("late"), mode="overwrite")
    assert_frame_equal(by_id(store.load_dim_symbol()), dim_frame("v1"))


@pytest.mark.parametrize(
    ("frame", "column"),
    [
        (dim_frame("x").drop("market_type"), "market_type"),
        (dim_frame("x").with_columns(pl.lit(1).alias("extra")), "extra"),
        (dim_frame("x").with_columns(pl.col("tick_size").cast(pl.Int32)), "tick_size"),
        (dim_frame("x").with_columns(pl.lit(None, pl.String).alias("base_asset")), "base_asset"),
    ],
)
def test_save_refuses_a_frame_off_the_schema(
    tmp_path: Path, frame: pl.DataFrame, column: str
) -> None:
    store = DeltaDimensionStore(tmp_path)
    with pytest.raises(SchemaMismatchError, match=column):
        store.save_dim_symbol(frame, -1)
    assert not dim_path(tmp_path).exists()


def write_foreign_dim(root: Path) -> list[str]:
    """dim_symbol as another writer left it: reversed columns, no ``contract_size``."""
    frame = dim_frame("foreign").drop("contract_size")
    names = list(reversed(frame.columns))
    write_deltalake(str(dim_path(root)), frame.select(names).to_arrow())
    return names


def test_reads_and_replaces_a_dimension_from_another_writer(tmp_path: Path) -> None:
    names = write_foreign_dim(tmp_path)
    store = DeltaDimensionStore(tmp_path)

    loaded = store.load_dim_symbol()
    assert loaded.columns == list(DIM_SYMBOL.column_names)
    assert loaded["contract_size"].null_count() == loaded.height
    assert loaded["canonical_symbol"].to_list() == ["foreign-0", "foreign-1", "foreign-2"]

    replacement = dim_frame("v1").with_columns(pl.lit(None, pl.Int64).alias("contract_size"))
    store.save_dim_symbol(replacement, 0)
    assert field_names(dim_path(tmp_path)) == names  # schema untouched
    assert_frame_equal(by_id(store.load_dim_symbol()), replacement)


def test_refuses_data_the_foreign_dimension_cannot_hold(tmp_path: Path) -> None:
    names = write_foreign_dim(tmp_path)
    store = DeltaDimensionStore(tmp_path)
    with pytest.raises(SchemaMismatchError, match="contract_size"):
        store.save_dim_symbol(dim_frame("v1"), 0)
    assert store.current_version() == 0
    assert field_names(dim_path(tmp_path)) == names


def test_read_only_store_refuses_writes(store: DeltaDimensionStore, tmp_path: Path) -> None:
    read_only = DeltaDimensionStore(tmp_path, read_only=True)
    with pytest.raises(ReadOnlyError):
        read_only.save_dim_symbol(dim_frame("x"), 0)
    assert read_only.current_version() == 0
    assert_frame_equal(by_id(read_only.load_dim_symbol()), dim_frame("v0"))


def test_read_only_store_creates_no_table(tmp_path: Path) -> None:
    with pytest.raises(ReadOnlyError):
        DeltaDimensionStore(tmp_path, read_only=True).save_dim_symbol(dim_frame("x"), -1)
    assert not dim_path(tmp_path).exists()


def assert_one_winner(results: list[tuple[str, int, str]], root: Path, version: int) -> None:
    outcomes = sorted(outcome for outcome, _, _ in results)
    assert outcomes == ["conflict", "conflict", "conflict", "ok"]
    winner = next(worker for outcome, worker, _ in results if outcome == "ok")
    store = DeltaDimensionStore(root)
    assert store.current_version() == version
    assert_frame_equal(by_id(store.load_dim_symbol()), dim_frame(f"w{winner}"))
    for outcome, _, message in results:
        if outcome == "conflict":
            assert f"expected version {version - 1}" in message


def test_concurrent_saves_on_one_version_have_one_winner(
    store: DeltaDimensionStore, tmp_path: Path
) -> None:
    results = _workers.run_processes(_workers.save_dim, [(str(tmp_path), w, 0) for w in range(4)])
    assert_one_winner(results, tmp_path, version=1)


def test_concurrent_first_saves_have_one_winner(tmp_path: Path) -> None:
    results = _workers.run_processes(_workers.save_dim, [(str(tmp_path), w, -1) for w in range(4)])
    assert_one_winner(results, tmp_path, version=0)
