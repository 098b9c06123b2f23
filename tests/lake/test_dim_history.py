"""dim_symbol's SCD2 changes per version, against the rows delta-rs reads at each version."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.lake.dim_history import (
    ATTRIBUTES,
    NATURAL_KEY,
    dim_symbol_history,
    symbol_changes,
)
from pointline_tui.storage.delta.dimension_store import DeltaDimensionStore


def current(table: Path, version: int) -> pl.DataFrame:
    return pl.read_delta(str(table), version=version).filter(pl.col("is_current"))


def expected_changes(table: Path, version: int) -> set[tuple[str, str, str]]:
    """(kind, exchange, symbol) derived from the rows read: new current rows, lost keys."""
    now = current(table, version)
    before = current(table, version - 1) if version else now.clear()
    new_rows = now.join(before, on=now.columns, how="anti", nulls_equal=True)
    had = set(before.select(NATURAL_KEY).iter_rows())
    found = set()
    for ex, sym in new_rows.select(NATURAL_KEY).iter_rows():
        found.add(("changed" if (ex, sym) in had else "added", ex, sym))
    for ex, sym in had - set(now.select(NATURAL_KEY).iter_rows()):
        found.add(("closed", ex, sym))
    return found


def test_the_demo_lakes_scd2_changes_are_listed(demo_lake: Path) -> None:
    table = demo_lake / "dim_symbol"
    versions = dim_symbol_history(table)
    assert [v.version for v in versions] == list(range(DeltaTable(str(table)).version(), -1, -1))
    for version in versions:
        assert version.error is None
        shown = {(c.kind, c.exchange, c.exchange_symbol) for c in version.changes}
        assert shown == expected_changes(table, version.version)
    newest = versions[0]
    assert {c.kind for c in newest.changes} == {"added", "changed"}
    [changed] = [c for c in newest.changes if c.kind == "changed"]
    before = current(table, newest.version - 1).filter(exchange_symbol=changed.exchange_symbol)
    after = current(table, newest.version).filter(exchange_symbol=changed.exchange_symbol)
    differing = {
        (name, str(before[name][0]), str(after[name][0]))
        for name in ATTRIBUTES
        if before[name][0] != after[name][0]
    }
    assert set(changed.fields) == differing
    assert {name for name, _, _ in changed.fields} == {"symbol_id", "tick_size"}
    assert changed.symbol_id == after["symbol_id"][0]
    assert changed.at_us == after["valid_from_ts_us"][0]


def test_a_symbol_closed_without_a_successor_is_closed(demo_lake: Path) -> None:
    store = DeltaDimensionStore(demo_lake)
    rows = store.load_dim_symbol()
    until = 1_717_200_000_000_000
    btc = (pl.col("exchange") == "okx") & (pl.col("exchange_symbol") == "BTC-USDT-SWAP")
    delisted = rows.with_columns(
        is_current=pl.when(btc).then(pl.lit(False)).otherwise(pl.col("is_current")),
        valid_until_ts_us=pl.when(btc).then(pl.lit(until)).otherwise(pl.col("valid_until_ts_us")),
    )
    store.save_dim_symbol(delisted, expected_version=store.current_version())

    [closed] = dim_symbol_history(demo_lake / "dim_symbol", limit=1)[0].changes
    assert (closed.kind, closed.exchange, closed.exchange_symbol) == (
        "closed",
        "okx",
        "BTC-USDT-SWAP",
    )
    assert closed.at_us == until
    assert closed.symbol_id == rows.filter(btc)["symbol_id"][0]


def test_a_version_without_symbol_changes_and_an_unreadable_one(demo_lake: Path) -> None:
    table = demo_lake / "dim_symbol"
    store = DeltaDimensionStore(demo_lake)
    store.save_dim_symbol(store.load_dim_symbol(), expected_version=store.current_version())
    first = DeltaTable(str(table), version=0).file_uris()[0]
    Path(first.removeprefix("file://")).unlink()  # version 0's file, gone as after a vacuum

    versions = dim_symbol_history(table)
    assert versions[0].changes == ()  # the same rows written again
    assert versions[0].error is None
    assert "version 0" in (versions[-1].error or "")
    assert versions[-2].error is not None  # compared with version 0: not readable either


def test_symbol_changes_from_nothing_are_all_added() -> None:
    rows = pl.DataFrame(
        {
            "symbol_id": [1],
            "exchange": ["x"],
            "exchange_symbol": ["A"],
            "canonical_symbol": ["A"],
            "market_type": ["spot"],
            "base_asset": ["A"],
            "quote_asset": ["B"],
            "valid_from_ts_us": [5],
            "valid_until_ts_us": [9],
            "is_current": [True],
            "tick_size": [None],
            "lot_size": [None],
            "contract_size": [None],
            "updated_at_ts_us": [5],
        }
    )
    [change] = symbol_changes(None, rows)
    assert (change.kind, change.symbol_id, change.at_us) == ("added", 1, 5)
    assert symbol_changes(rows, rows) == ()
    with pytest.raises(ValueError, match="at least 1"):
        dim_symbol_history(Path("."), limit=0)
