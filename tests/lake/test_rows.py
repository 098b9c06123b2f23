"""Pages of a partition's rows against polars reading the whole table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable
from polars.testing import assert_frame_equal

from pointline_tui.lake import LakeReader
from pointline_tui.lake.partitions import partition_stats
from pointline_tui.lake.rows import partition_rows
from pointline_tui.lake.stats_cache import TableFiles
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.models import StorageOperationError
from pointline_tui.storage.schemas import (
    EVENT_TABLES,
    PRICE_SCALE,
    QTY_SCALE,
    TABLES,
    scaled_columns,
)
from tests.frames import trades
from tests.lake.conftest import APPENDS, AUDIT, COLD, HOT, ROWS_PER_APPEND, replay_log


def _expected(
    root: Path, table: str, where: pl.Expr | None, offset: int, limit: int
) -> pl.DataFrame:
    frame = pl.read_delta(str(root / table))
    if where is not None:
        frame = frame.filter(where)
    return frame.slice(offset, limit)


def _partition(exchange: str, day: date) -> pl.Expr:
    return (pl.col("exchange") == exchange) & (pl.col("trading_date") == day)


@pytest.mark.parametrize("offset", [0, 7, 150, 179, 180, 1_000])
def test_a_page_equals_polars_filter_and_slice(event_lake: Path, offset: int) -> None:
    exchange, day = HOT

    page = LakeReader(event_lake).rows("trades", exchange, day, offset=offset, limit=25)

    assert_frame_equal(page.rows, _expected(event_lake, "trades", _partition(*HOT), offset, 25))
    assert page.total == APPENDS[HOT] * ROWS_PER_APPEND
    assert (page.offset, page.limit) == (offset, 25)


def test_pages_go_through_the_partition_in_order(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    exchange, day = HOT
    pages = [
        reader.rows("trades", exchange, day, offset=o, limit=50).rows for o in range(0, 200, 50)
    ]

    assert_frame_equal(
        pl.concat(pages), _expected(event_lake, "trades", _partition(*HOT), 0, 1_000)
    )


def test_an_unpartitioned_tables_page_is_the_whole_table(demo_lake: Path) -> None:
    page = LakeReader(demo_lake).rows("validation_log", None, None, offset=10, limit=20)

    assert_frame_equal(page.rows, _expected(demo_lake, "validation_log", None, 10, 20))
    assert page.total == pl.read_delta(str(demo_lake / "validation_log")).height


def test_a_page_reads_only_its_partitions_files(event_lake: Path) -> None:
    table = event_lake / "trades"
    for path, logged in replay_log(table).items():
        if logged.partition["exchange"] == COLD[0]:
            (table / path).write_bytes(b"not parquet")  # another partition, damaged
    reader = LakeReader(event_lake)

    page = reader.rows("trades", *HOT, limit=10)

    assert page.rows.height == 10
    with pytest.raises(StorageOperationError, match="trades"):
        reader.rows("trades", *COLD, limit=10)


def test_pages_stay_at_the_version_read_until_a_refresh(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    exchange, day = HOT
    before = reader.rows("trades", exchange, day).total
    DeltaEventStore(event_lake, audit=AUDIT).append("trades", trades(exchange, day, 5, start=9_000))

    assert reader.rows("trades", exchange, day, limit=1_000).rows.height == before
    reader.refresh("trades")
    assert reader.rows("trades", exchange, day, limit=1_000).rows.height == before + 5


def test_a_partition_without_rows_is_an_empty_page(event_lake: Path) -> None:
    page = LakeReader(event_lake).rows("trades", "nowhere", date(2024, 5, 1))
    assert (page.total, page.rows.height) == (0, 0)
    assert page.rows.columns == pl.read_delta(str(event_lake / "trades")).columns


def test_a_bad_window_is_refused(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    with pytest.raises(ValueError, match="offset"):
        reader.rows("trades", *HOT, offset=-1)
    with pytest.raises(ValueError, match="limit"):
        reader.rows("trades", *HOT, limit=0)


def test_scaled_columns_are_the_price_and_quantity_columns() -> None:
    assert PRICE_SCALE == QTY_SCALE  # the row preview divides both by one figure
    assert scaled_columns(EVENT_TABLES["trades"].polars_schema) == ("price", "qty")
    assert scaled_columns(EVENT_TABLES["quotes"].polars_schema) == (
        "bid_price",
        "bid_qty",
        "ask_price",
        "ask_qty",
    )
    l2 = scaled_columns(EVENT_TABLES["cn_l2_snapshots"].polars_schema)
    assert {"bid_price_levels", "ask_qty_levels", "last_price"} <= set(l2)
    assert not {"volume", "amount", "num_trades", "bid_order_count_levels"} & set(l2)
    assert scaled_columns(TABLES["dim_symbol"].polars_schema) == (
        "tick_size",
        "lot_size",
        "contract_size",
    )
    # Only integers are scaled: a float or text column of the same name is not.
    assert scaled_columns(pl.Schema({"price": pl.Float64(), "qty": pl.String()})) == ()


def test_a_deep_page_reads_only_the_files_holding_it(event_lake: Path) -> None:
    table = event_lake / "trades"
    reader = LakeReader(event_lake)
    exchange, day = HOT
    expected = _expected(event_lake, "trades", _partition(*HOT), 170, 10)
    holding = set(expected.get_column("file_seq").to_list())
    for path, logged in replay_log(table).items():
        part = logged.partition
        if (part["exchange"], part["trading_date"]) != (exchange, day.isoformat()):
            continue
        seqs = set(pl.read_parquet(table / path).get_column("file_seq").to_list())
        if not seqs & holding:
            (table / path).write_bytes(b"not parquet")  # a file before the page, damaged

    page = reader.rows("trades", exchange, day, offset=170, limit=10)

    assert_frame_equal(page.rows, expected)
    with pytest.raises(StorageOperationError):
        reader.rows("trades", exchange, day, offset=0, limit=10)


@pytest.mark.parametrize("offset", [0, 95, 175])
def test_files_without_row_counts_are_paged_by_scanning(event_lake: Path, offset: int) -> None:
    table = event_lake / "trades"
    files = (
        LakeReader(event_lake)
        .active_files("trades")
        .with_columns(rows=pl.lit(None, dtype=pl.Int64))
    )
    dt = DeltaTable(str(table))
    unknown = TableFiles(
        path=table.resolve(),
        version=dt.version(),
        signature="",
        table_id=str(dt.metadata().id),
        partition_columns=tuple(dt.metadata().partition_columns),
        files=files,
        stats=partition_stats(files),
    )

    page = partition_rows(unknown, *HOT, offset=offset, limit=10)

    assert_frame_equal(page.rows, _expected(event_lake, "trades", _partition(*HOT), offset, 10))
    assert page.total == APPENDS[HOT] * ROWS_PER_APPEND
