from datetime import UTC, date, datetime

import polars as pl

from pointline_tui.lake import LakeReader
from pointline_tui.lake.hot import HOT_SCHEMA, hot_partitions
from pointline_tui.lake.partitions import STATS_SCHEMA


def stats(*rows: tuple[str, date, int, int, bool, datetime]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "exchange": ex,
                "trading_date": day,
                "files": small + 1,
                "bytes": size,
                "rows": 10,
                "min_file_bytes": 1,
                "avg_file_bytes": 1.0,
                "max_file_bytes": 1,
                "small_files": small,
                "hot": hot,
                "last_modified": modified,
            }
            for ex, day, small, size, hot, modified in rows
        ],
        schema=STATS_SCHEMA,
    )


D1, D2 = date(2024, 5, 1), date(2024, 5, 2)
T1, T2 = datetime(2024, 5, 3, tzinfo=UTC), datetime(2024, 5, 4, tzinfo=UTC)


def test_worst_first_across_tables_and_only_hot_ones() -> None:
    frame = hot_partitions(
        {
            "trades": stats(("okx", D1, 9, 100, True, T1), ("okx", D2, 50, 5, False, T1)),
            "quotes": stats(("okx", D1, 9, 300, True, T2), ("binance", D2, 20, 1, True, T1)),
        }
    )
    assert frame.schema == HOT_SCHEMA
    assert frame.select("table", "exchange", "trading_date").rows() == [
        ("quotes", "binance", D2),
        ("quotes", "okx", D1),
        ("trades", "okx", D1),
    ]


def test_no_tables_no_rows() -> None:
    assert hot_partitions({}).is_empty()


def test_the_demo_lakes_hot_partitions(demo_lake_template) -> None:
    reader = LakeReader(demo_lake_template)
    events = ("trades", "quotes", "orderbook_updates")
    frame = hot_partitions({t: reader.partition_stats(t) for t in events})
    expected = sum(reader.partition_stats(t).filter("hot").height for t in events)
    assert frame.height == expected > 0
    small = frame.get_column("small_files").to_list()
    assert small == sorted(small, reverse=True)
