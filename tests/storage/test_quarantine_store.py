from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake

from pointline_tui.storage.contracts import QuarantineStore
from pointline_tui.storage.delta.quarantine_store import DeltaQuarantineStore
from pointline_tui.storage.models import ReadOnlyError, SchemaMismatchError
from pointline_tui.storage.schemas import VALIDATION_LOG
from tests.storage import _workers


def log_path(root: Path) -> Path:
    return root / "validation_log"


def read_log(root: Path) -> pl.DataFrame:
    return pl.read_delta(str(log_path(root)))


def field_names(path: Path) -> list[str]:
    return [f.name for f in DeltaTable(str(path)).schema().fields]


def version(path: Path) -> int:
    return DeltaTable(str(path)).version()


def bad_trades() -> pl.DataFrame:
    """Three rejected trade rows with narrower dtypes than the log's, plus unrelated columns."""
    return pl.DataFrame(
        {
            "exchange": ["okx"] * 3,
            "symbol": ["BTCUSDT", "ETHUSDT", None],
            "symbol_id": pl.Series([1, 2, None], dtype=pl.Int32),
            "ts_event_us": [1_714_521_600_000_000, 1_714_521_600_000_001, None],
            "file_seq": pl.Series([10, 11, 12], dtype=pl.UInt32),
            "price": [-1, 0, -5],
        }
    )


def test_implements_the_contract(tmp_path: Path) -> None:
    assert isinstance(DeltaQuarantineStore(tmp_path), QuarantineStore)


def test_append_logs_one_row_per_input_row(tmp_path: Path) -> None:
    before = time.time_ns() // 1_000
    DeltaQuarantineStore(tmp_path).append("trades", bad_trades(), "price_non_positive", 7)
    after = time.time_ns() // 1_000

    log = read_log(tmp_path).sort("file_seq")
    assert log.columns == list(VALIDATION_LOG.column_names)
    assert log.schema == VALIDATION_LOG.polars_schema
    assert log.select("file_id", "rule_name", "severity", "message").unique().rows() == [
        (7, "price_non_positive", "error", "quarantined:trades")
    ]
    assert log.select("file_seq", "symbol", "symbol_id", "ts_event_us").rows() == [
        (10, "BTCUSDT", 1, 1_714_521_600_000_000),
        (11, "ETHUSDT", 2, 1_714_521_600_000_001),
        (12, None, None, None),
    ]
    assert log["field_name"].null_count() == 3
    assert log["field_value"].null_count() == 3
    assert log["logged_at_ts_us"].is_between(before, after).all()


def test_append_copies_field_context_and_nulls_what_is_absent(tmp_path: Path) -> None:
    rows = pl.DataFrame({"field_name": ["qty", "qty"], "field_value": [0, -3]})
    store = DeltaQuarantineStore(tmp_path)
    store.append("quotes", rows, "qty_non_positive", 2)
    store.append("quotes", rows.head(1), "qty_non_positive", 3)

    log = read_log(tmp_path).sort("file_id", "field_value")
    assert log.select("file_id", "field_name", "field_value", "message").rows() == [
        (2, "qty", "-3", "quarantined:quotes"),
        (2, "qty", "0", "quarantined:quotes"),
        (3, "qty", "0", "quarantined:quotes"),
    ]
    for name in ("file_seq", "ts_event_us", "symbol", "symbol_id"):
        assert log[name].null_count() == 3, name


def test_empty_input_writes_nothing(tmp_path: Path) -> None:
    store = DeltaQuarantineStore(tmp_path)
    store.append("trades", bad_trades().clear(), "r", 1)
    assert not log_path(tmp_path).exists()

    store.append("trades", bad_trades(), "r", 1)
    store.append("trades", bad_trades().clear(), "r", 1)
    assert version(log_path(tmp_path)) == 0


@pytest.mark.parametrize("name", ["../trades", "Trades", "a/b", ""])
def test_append_refuses_an_invalid_table_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="invalid table name"):
        DeltaQuarantineStore(tmp_path).append(name, bad_trades(), "r", 1)
    assert not log_path(tmp_path).exists()


def test_append_refuses_a_context_column_it_cannot_cast(tmp_path: Path) -> None:
    rows = pl.DataFrame({"file_seq": ["not-a-number"]})
    with pytest.raises(SchemaMismatchError, match="file_seq"):
        DeltaQuarantineStore(tmp_path).append("trades", rows, "r", 1)
    assert not log_path(tmp_path).exists()


def write_foreign_log(root: Path, *, drop: str) -> list[str]:
    """A validation_log as another writer left it: reversed columns, without ``drop``."""
    names = [n for n in reversed(VALIDATION_LOG.column_names) if n != drop]
    row = {
        "file_id": 1,
        "rule_name": "old_rule",
        "severity": "error",
        "logged_at_ts_us": 1_714_521_600_000_000,
        "message": "quarantined:trades",
    }
    schema = VALIDATION_LOG.polars_schema
    frame = pl.DataFrame({n: pl.Series(n, [row.get(n)], dtype=schema[n]) for n in names})
    write_deltalake(str(log_path(root)), frame.to_arrow())
    return names


def test_appends_to_a_log_from_another_writer(tmp_path: Path) -> None:
    names = write_foreign_log(tmp_path, drop="field_value")
    DeltaQuarantineStore(tmp_path).append("trades", bad_trades(), "price_non_positive", 7)

    assert field_names(log_path(tmp_path)) == names  # schema untouched
    log = read_log(tmp_path)
    assert sorted(log["rule_name"].to_list()) == ["old_rule"] + ["price_non_positive"] * 3
    assert sorted(log["file_seq"].drop_nulls().to_list()) == [10, 11, 12]


def test_refuses_rows_the_foreign_log_cannot_hold(tmp_path: Path) -> None:
    names = write_foreign_log(tmp_path, drop="message")
    with pytest.raises(SchemaMismatchError, match="message"):
        DeltaQuarantineStore(tmp_path).append("trades", bad_trades(), "r", 7)
    assert version(log_path(tmp_path)) == 0
    assert field_names(log_path(tmp_path)) == names


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    read_only = DeltaQuarantineStore(tmp_path, read_only=True)
    with pytest.raises(ReadOnlyError):
        read_only.append("trades", bad_trades(), "r", 1)
    assert not log_path(tmp_path).exists()

    DeltaQuarantineStore(tmp_path).append("trades", bad_trades(), "r", 1)
    with pytest.raises(ReadOnlyError):
        read_only.append("trades", bad_trades(), "r", 1)
    assert version(log_path(tmp_path)) == 0


def test_concurrent_first_appends_all_land(tmp_path: Path) -> None:
    workers = _workers.run_processes(
        _workers.quarantine_rows, [(str(tmp_path), w, 5) for w in range(3)]
    )
    assert sorted(workers) == [0, 1, 2]
    log = read_log(tmp_path)
    assert sorted(log.group_by("file_id").len().rows()) == [(0, 5), (1, 5), (2, 5)]
    assert log["symbol"].to_list().count("w1") == 5
