from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import write_deltalake

from pointline_tui.lake import LakeCatalog, LakeReader, LakeRootError
from pointline_tui.storage.models import StorageError
from tests.lake.conftest import write_trades


def _garble_last_commit(table: Path) -> None:
    last = sorted((table / "_delta_log").glob("*.json"))[-1]
    data = last.read_bytes()
    last.write_bytes(data[: len(data) // 2])


@pytest.fixture
def odd_lake(silver: Path) -> Path:
    write_trades(silver, {("okx", date(2024, 5, 1)): 1})
    (silver / "quotes").mkdir()  # empty folder
    stray = silver / "liquidations" / "exchange=okx"
    stray.mkdir(parents=True)
    for i in range(3):
        pl.DataFrame({"a": [i]}).write_parquet(stray / f"part-{i}.parquet")
    (silver / "liquidations" / "notes.txt").write_text("x")
    broken = silver / "dim_symbol"
    for i in range(2):
        write_deltalake(broken, pl.DataFrame({"a": [i]}).to_arrow(), mode="append")
    _garble_last_commit(broken)
    write_deltalake(silver / "scratch_table", pl.DataFrame({"a": [1]}).to_arrow())
    (silver / "_pointline_locks").mkdir()
    (silver / ".trash").mkdir()
    (silver / "README.txt").write_text("not a folder")
    return silver


def test_catalog_lists_every_folder_with_group_and_state(odd_lake: Path) -> None:
    entries = LakeCatalog(odd_lake).tables()
    got = [(e.name, e.group, e.state) for e in entries]
    assert got == [
        ("liquidations", "events", "not_delta"),
        ("quotes", "events", "empty"),
        ("trades", "events", "delta"),
        ("dim_symbol", "dimensions", "damaged"),
        ("scratch_table", "other", "delta"),
    ]
    by_name = {e.name: e for e in entries}
    assert by_name["liquidations"].reason == "no _delta_log; 3 parquet files, 1 other file"
    assert by_name["quotes"].reason is None
    assert by_name["trades"].reason is None
    assert by_name["trades"].path == odd_lake / "trades"
    damaged = by_name["dim_symbol"].reason
    assert damaged is not None
    assert "(_delta_log/00000000000000000001.json) is cut off or not JSON" in damaged
    assert "\n" not in damaged  # delta-rs's text, without the Rust backtrace


def test_listing_without_opening_logs_defers_the_damage_check(odd_lake: Path) -> None:
    quick = LakeCatalog(odd_lake).tables(open_tables=False)
    full = LakeCatalog(odd_lake).tables()
    assert [e.name for e in quick] == [e.name for e in full]
    states = {e.name: e.state for e in quick}
    assert states["dim_symbol"] == "delta"  # a log exists; whether it loads is not known yet
    assert {n: s for n, s in states.items() if n != "dim_symbol"} == {
        e.name: e.state for e in full if e.name != "dim_symbol"
    }


def test_control_tables_are_grouped(silver: Path) -> None:
    for name in ("ingest_manifest", "validation_log"):
        write_deltalake(silver / name, pl.DataFrame({"a": [1]}).to_arrow())
    assert [(e.name, e.group) for e in LakeCatalog(silver).tables()] == [
        ("ingest_manifest", "control"),
        ("validation_log", "control"),
    ]


def test_empty_delta_log_is_damaged(silver: Path) -> None:
    (silver / "trades" / "_delta_log").mkdir(parents=True)
    (entry,) = LakeCatalog(silver).tables()
    assert entry.state == "damaged"
    assert entry.reason


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(LakeRootError, match="does not exist"):
        LakeCatalog(missing).tables()
    assert issubclass(LakeRootError, StorageError)


def test_root_that_is_a_file(tmp_path: Path) -> None:
    file = tmp_path / "silver"
    file.write_text("")
    with pytest.raises(LakeRootError, match="not a folder"):
        LakeCatalog(file).tables()


def test_reader_methods_raise_root_error(tmp_path: Path) -> None:
    reader = LakeReader(tmp_path / "nope")
    with pytest.raises(LakeRootError):
        reader.catalog()
    with pytest.raises(LakeRootError):
        reader.summary("trades")
    with pytest.raises(LakeRootError):
        reader.manifest()


def test_reader_catalog_caches_opened_tables(odd_lake: Path) -> None:
    reader = LakeReader(odd_lake)
    assert [e.state for e in reader.catalog()] == [e.state for e in LakeCatalog(odd_lake).tables()]
    assert reader.summary("trades").files == 1
