"""Deterministic event frames and content checksums for tests."""

from __future__ import annotations

from datetime import date

import polars as pl

from pointline_tui.storage.schemas import EVENT_TABLES


def trades(exchange: str, day: date, n: int, *, start: int = 0, file_id: int = 1) -> pl.DataFrame:
    """``n`` trades rows for one partition, values derived from ``start`` so they differ."""
    idx = pl.int_range(start, start + n, eager=True)
    base_us = 1_714_521_600_000_000  # 2024-05-01T00:00:00Z
    frame = pl.DataFrame(
        {
            "exchange": [exchange] * n,
            "trading_date": [day] * n,
            "symbol": ["BTCUSDT" if i % 2 else "ETHUSDT" for i in range(start, start + n)],
            "symbol_id": (idx % 2 + 1).alias("symbol_id"),
            "ts_event_us": idx * 1_000 + base_us,
            "ts_local_us": [
                None if i % 5 == 0 else base_us + i * 1_000 + 7 for i in range(start, start + n)
            ],
            "file_id": [file_id] * n,
            "file_seq": idx,
            "trade_id": [f"t{i}" for i in range(start, start + n)],
            "side": ["buy" if i % 3 else "sell" for i in range(start, start + n)],
            "is_buyer_maker": [i % 2 == 0 for i in range(start, start + n)],
            "price": idx * 10_000_000 + 60_000_000_000_000,
            "qty": idx % 7 * 1_000_000 + 1_000_000,
        }
    )
    return frame.cast(EVENT_TABLES["trades"].polars_schema)  # type: ignore[arg-type]


def partition_checksums(frame: pl.DataFrame) -> dict[tuple[str, date], list[int]]:
    """Per (exchange, trading_date): the sorted row hashes, to compare content exactly."""
    out: dict[tuple[str, date], list[int]] = {}
    for (exchange, day), part in frame.group_by("exchange", "trading_date"):
        ordered = part.select(sorted(part.columns))
        out[(str(exchange), day)] = sorted(ordered.hash_rows(seed=7).to_list())  # type: ignore[index]
    return out
