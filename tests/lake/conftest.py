"""Lake builders for the read-model tests: real Delta tables written into tmp_path."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import polars as pl
import pyarrow.parquet as pq
import pytest

from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.manifest_store import DeltaManifestStore
from pointline_tui.storage.delta.quarantine_store import DeltaQuarantineStore
from tests.frames import trades

AUDIT = {"user": "alice", "host": "ops-box", "tool": "pointline-tui", "tool_version": "0.1.0"}

HOT = ("binance-futures", date(2024, 5, 1))
"""Nine single-append files: hot with the default threshold of eight small files."""
WARM = ("binance-futures", date(2024, 5, 2))
COLD = ("okx", date(2024, 5, 1))
APPENDS = {HOT: 9, WARM: 3, COLD: 1}
ROWS_PER_APPEND = 20


@pytest.fixture(scope="module")
def other_process() -> Iterator[ProcessPoolExecutor]:
    """One spawned process per test module, for changes another process makes (a forked one
    panics in deltalake)."""
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        yield pool


@pytest.fixture
def silver(tmp_path: Path) -> Path:
    root = tmp_path / "silver"
    root.mkdir()
    return root


def write_trades(root: Path, appends: dict[tuple[str, date], int] | None = None) -> None:
    """Append ``ROWS_PER_APPEND`` trades per append: one new file each."""
    store = DeltaEventStore(root, audit=AUDIT)
    start = 0
    for (exchange, day), count in (appends or APPENDS).items():
        for _ in range(count):
            store.append("trades", trades(exchange, day, ROWS_PER_APPEND, start=start))
            start += ROWS_PER_APPEND


@pytest.fixture
def event_lake(silver: Path) -> Path:
    write_trades(silver)
    return silver


@dataclass(frozen=True)
class LoggedFile:
    size: int
    rows: int
    partition: dict[str, str | None]


def replay_log(table: Path) -> dict[str, LoggedFile]:
    """The live files of a table, by replaying its JSON commits by hand (no delta-rs).

    Rows come from each parquet footer, so the figures are independent of the log's stats.
    """
    live: dict[str, dict] = {}
    for commit in sorted((table / "_delta_log").glob("*.json")):
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                live[action["add"]["path"]] = action["add"]
            elif "remove" in action:
                live.pop(action["remove"]["path"], None)
    out = {}
    for path, add in live.items():
        on_disk = table / unquote(path)
        assert on_disk.stat().st_size == add["size"]
        out[unquote(path)] = LoggedFile(
            size=add["size"],
            rows=pq.read_metadata(on_disk).num_rows,
            partition=add["partitionValues"],
        )
    return out


def manifest_rows(root: Path) -> dict[str, int]:
    """A manifest with every status but ``quarantined``; returns file ids by bronze path."""
    store = DeltaManifestStore(root)
    plan = [
        ("tardis", "trades", "bronze/tardis/trades/2024-05-01/A.csv.gz", "success"),
        ("tardis", "trades", "bronze/tardis/trades/2024-05-02/b.csv.gz", "success"),
        ("tardis", "quotes", "bronze/tardis/quotes/2024-05-01/c.csv.gz", "failed"),
        ("quant360", "cn_order_events", "bronze/quant360/order/2024-05-01/d.7z", "success"),
        ("quant360", "cn_order_events", "bronze/quant360/order/2024-05-02/e.7z", "pending"),
        ("tardis", "trades", "bronze/tardis/trades/2024-05-03/f.csv.gz", "pending"),
    ]
    ids = {}
    for vendor, data_type, path, status in plan:
        file_id = store.resolve_file_id(vendor, data_type, path, f"hash-{path}")
        ids[path] = file_id
        if status == "failed":
            store.update_status(file_id, "failed", status_reason="bad header")
        elif status != "pending":
            store.update_status(file_id, status, rows_total=10, rows_written=10)
    return ids


def quarantine_rows(root: Path, ids: dict[str, int]) -> pl.DataFrame:
    """Log quarantined rows in several appends; returns every logged input row with its
    rule, source table and file id, in append order."""
    store = DeltaQuarantineStore(root)
    first, second = list(ids.values())[:2]
    batches = [
        ("trades", trades("binance-futures", date(2024, 5, 1), 30), "negative_price", first),
        ("trades", trades("okx", date(2024, 5, 1), 12, start=100), "crossed_book", first),
        ("quotes", trades("okx", date(2024, 5, 2), 25, start=200), "negative_price", second),
        ("trades", trades("okx", date(2024, 5, 2), 7, start=300), "stale_symbol", 999),
    ]
    logged = []
    for table, frame, rule, file_id in batches:
        store.append(table, frame, rule, file_id)
        logged.append(
            frame.select("symbol", "file_seq").with_columns(
                rule_name=pl.lit(rule), source_table=pl.lit(table), file_id=pl.lit(file_id)
            )
        )
    return pl.concat(logged)
