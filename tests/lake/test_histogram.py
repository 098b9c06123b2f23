"""File-size histograms against the files on disk and the log's add actions."""

from __future__ import annotations

import bisect
import os
from datetime import date
from pathlib import Path

import polars as pl

from pointline_tui.lake import LakeReader
from pointline_tui.lake.histogram import BOUNDS, LABELS, MIB, size_histogram
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.files import FILES_SCHEMA
from tests.frames import trades
from tests.lake.conftest import AUDIT, HOT, replay_log, write_trades


def _buckets_of(sizes: list[int]) -> list[tuple[int, int]]:
    """(files, bytes) per bucket, by bisection over the bounds (left-closed: [low, high))."""
    counted = [(0, 0)] * len(LABELS)
    for size in sizes:
        index = bisect.bisect_right(BOUNDS, size)
        files, total = counted[index]
        counted[index] = (files + 1, total + size)
    return counted


def _random_trades(exchange: str, day: date, n: int) -> pl.DataFrame:
    """Trades whose trade ids do not compress: a file of about ``n * 66`` bytes."""
    ids = [os.urandom(32).hex() for _ in range(n)]
    return trades(exchange, day, n).with_columns(trade_id=pl.Series(ids))


def test_a_real_tables_buckets_equal_its_files_on_disk(silver: Path) -> None:
    write_trades(silver)  # small files in three partitions
    store = DeltaEventStore(silver, audit=AUDIT)
    store.append("trades", _random_trades("okx", date(2024, 5, 9), 40_000))  # > 1 MiB
    table = silver / "trades"
    on_disk = [(table / path).stat().st_size for path in replay_log(table)]
    assert any(size >= MIB for size in on_disk)

    got = size_histogram(LakeReader(silver).active_files("trades"))

    assert [(b.files, b.bytes) for b in got] == _buckets_of(on_disk)
    assert [b.label for b in got] == list(LABELS)


def test_a_partitions_buckets_are_its_files_only(event_lake: Path) -> None:
    table = event_lake / "trades"
    exchange, day = HOT
    mine = [
        logged.size
        for logged in replay_log(table).values()
        if logged.partition == {"exchange": exchange, "trading_date": day.isoformat()}
    ]
    files = LakeReader(event_lake).partition_files("trades", exchange, day)

    got = size_histogram(files)

    assert [(b.files, b.bytes) for b in got] == _buckets_of(mine)
    assert sum(b.files for b in got) == len(mine) > 0


def test_the_bounds_go_to_the_bucket_above() -> None:
    sizes = [0, MIB - 1, MIB, 8 * MIB - 1, 8 * MIB, 32 * MIB, 128 * MIB - 1, 128 * MIB, 2**40]
    files = pl.DataFrame({"size_bytes": sizes}).cast({"size_bytes": pl.Int64})

    got = size_histogram(files)

    assert [(b.files, b.bytes) for b in got] == _buckets_of(sizes)
    assert [(b.low, b.high) for b in got] == [
        (0, MIB),
        (MIB, 8 * MIB),
        (8 * MIB, 32 * MIB),
        (32 * MIB, 128 * MIB),
        (128 * MIB, None),
    ]


def test_no_files_give_five_empty_buckets() -> None:
    got = size_histogram(pl.DataFrame(schema=FILES_SCHEMA))
    assert [(b.label, b.files, b.bytes) for b in got] == [(label, 0, 0) for label in LABELS]
