"""Lake health on real tables written through the stores, and on copies doctored on purpose."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.lake.health import lake_health
from pointline_tui.lake.partitions import SMALL_FILE_BYTES
from pointline_tui.lake.reader import LakeReader
from pointline_tui.lake.table_health import UNCHECKPOINTED_COMMITS
from pointline_tui.storage.delta import (
    DeltaDimensionStore,
    DeltaEventStore,
    DeltaManifestStore,
)
from pointline_tui.storage.delta.log_maintenance import DeltaLogMaintenance
from pointline_tui.storage.schemas import DIM_SYMBOL
from tests.frames import trades

AUDIT = {"user": "alice", "host": "ops-box", "tool": "pointline-tui", "tool_version": "0.1.0"}
PART = ("okx", date(2024, 5, 1))
CREATED_US = 1_714_953_600_000_000  # 2024-05-06T00:00:00Z: the manifest's clock
NOW = CREATED_US / 1_000_000 + 3_600  # an hour later: nothing is stale yet
DAY_S = 86_400


def dim_rows(*rows: tuple[int, str, int, int, bool]) -> pl.DataFrame:
    """dim_symbol rows: (symbol_id, exchange_symbol, valid_from, valid_until, is_current)."""
    return pl.DataFrame(
        [
            {
                "symbol_id": sid,
                "exchange": "okx",
                "exchange_symbol": symbol,
                "canonical_symbol": f"{symbol}-PERP",
                "market_type": "perpetual",
                "base_asset": symbol[:3],
                "quote_asset": "USDT",
                "valid_from_ts_us": start,
                "valid_until_ts_us": end,
                "is_current": current,
                "tick_size": None,
                "lot_size": None,
                "contract_size": None,
                "updated_at_ts_us": start,
            }
            for sid, symbol, start, end, current in rows
        ],
        schema=DIM_SYMBOL.polars_schema,
    )


FOREVER = 253_402_300_799_000_000
GOOD_DIM = dim_rows((1, "ETHUSDT", 0, FOREVER, True), (2, "BTCUSDT", 0, FOREVER, True))
"""The symbols ``tests.frames.trades`` uses (ids 1 and 2), by the SCD2 rules."""


def build(root: Path) -> Path:
    """A sound lake: three trades files, dim_symbol, a manifest of three successful files."""
    events = DeltaEventStore(root, audit=AUDIT)
    manifest = DeltaManifestStore(root, clock=lambda: CREATED_US)
    for i in range(3):
        file_id = manifest.resolve_file_id("tardis", "trades", f"okx/trades/{i}.csv.gz", f"h{i}")
        events.append("trades", trades(*PART, 10, start=10 * i, file_id=file_id))
        manifest.update_status(file_id, "success", rows_total=10, rows_written=10)
    DeltaDimensionStore(root).save_dim_symbol(GOOD_DIM, expected_version=-1)
    return root


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("health") / "silver")


@pytest.fixture
def lake(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "silver"))


def kinds(lake: Path, now: float = NOW, **options: int) -> dict[str, list[str]]:
    """Finding kinds by table."""
    found: dict[str, list[str]] = {}
    for f in lake_health(LakeReader(lake), now=now, **options).findings:
        found.setdefault(f.table, []).append(f.kind)
    return found


def findings_of(lake: Path, kind: str, now: float = NOW) -> list:
    return [f for f in lake_health(LakeReader(lake), now=now).findings if f.kind == kind]


def test_a_sound_lake_has_nothing_to_do(lake: Path) -> None:
    health = lake_health(LakeReader(lake), now=NOW)
    assert health.findings == ()
    assert health.skipped == ()
    assert {t.table for t in health.tables} == {"trades", "ingest_manifest", "dim_symbol"}
    assert health.dim_violations == ()
    assert health.manifest is not None
    assert health.manifest.entries == 3
    assert all(f.severity in ("warning", "info") for f in health.findings)


def test_hot_partitions_are_a_warning_with_the_command(lake: Path) -> None:
    store = DeltaEventStore(lake, audit=AUDIT)
    for i in range(6):  # 3 + 6 single-file appends: nine small files, hot at eight
        store.append("trades", trades(*PART, 10, start=100 + 10 * i))
    stats = LakeReader(lake).partition_stats("trades")
    [finding] = findings_of(lake, "hot_partitions")
    assert finding.severity == "warning"
    assert (finding.command, finding.key) == ("pointline-tui compact trades", "c")
    assert f"{int(stats.get_column('small_files').sum())} of" in finding.message
    [health] = [t for t in lake_health(LakeReader(lake), now=NOW).tables if t.table == "trades"]
    assert health.small_share == 1.0
    assert health.hot_partitions == int(stats.get_column("hot").sum()) == 1


def test_vacuum_reclaimable_counts_the_tombstoned_files(lake: Path) -> None:
    store = DeltaEventStore(lake, audit=AUDIT)
    before = {p.name for p in (lake / "trades").rglob("*.parquet")}
    store.compact_partitions("trades", exchange=PART[0], trading_date=PART[1])
    [health] = [t for t in lake_health(LakeReader(lake), now=NOW).tables if t.table == "trades"]
    # Tombstoned just now: nothing goes within the retention, all of it after.
    sizes = sum(p.stat().st_size for p in (lake / "trades").rglob("*.parquet") if p.name in before)
    assert (health.vacuum_files, health.vacuum_bytes) == (0, 0)
    assert health.vacuum_later_bytes == sizes
    assert findings_of(lake, "vacuum_reclaimable") == []
    # A table whose minimum retention is zero can give them back now.
    DeltaTable(str(lake / "trades")).alter.set_table_properties(
        {"delta.deletedFileRetentionDuration": "interval 0 hours"}
    )
    [finding] = findings_of(lake, "vacuum_reclaimable")
    assert finding.bytes == sizes
    assert (finding.command, finding.key) == ("pointline-tui vacuum trades", "v")


def test_a_long_log_without_checkpoint_asks_for_one(lake: Path) -> None:
    store = DeltaEventStore(lake, audit=AUDIT)
    for i in range(UNCHECKPOINTED_COMMITS - 3):
        store.append("trades", trades("binance-futures", date(2024, 5, 2 + i), 3, start=7 * i))
    [finding] = findings_of(lake, "checkpoint_due")
    assert finding.severity == "info"
    assert finding.message.startswith(f"trades: {UNCHECKPOINTED_COMMITS} commits")
    assert finding.command == "pointline-tui checkpoint trades"
    DeltaLogMaintenance(lake, audit=AUDIT).checkpoint("trades")
    assert findings_of(lake, "checkpoint_due") == []


def test_expired_log_files_are_found_once_a_checkpoint_covers_them(lake: Path) -> None:
    DeltaLogMaintenance(lake, audit=AUDIT).checkpoint("trades")
    log = lake / "trades" / "_delta_log"
    then = time.time() - 40 * DAY_S
    for path in log.glob("*.json"):
        os.utime(path, (then, then))
    latest = DeltaTable(str(lake / "trades")).version()
    older = [p for p in log.glob("*.json") if int(p.name[:20]) < latest]
    [finding] = findings_of(lake, "expired_log_files", now=time.time())
    assert finding.bytes == sum(p.stat().st_size for p in older)
    assert finding.message.startswith(f"trades: {len(older)} files")
    assert (finding.command, finding.key) == ("pointline-tui clean-log trades", "x")


def test_manifest_health_finds_stale_pending_failures_and_whole_quarantines(lake: Path) -> None:
    manifest = DeltaManifestStore(lake, clock=lambda: CREATED_US)
    ids = {
        name: manifest.resolve_file_id("tardis", "trades", f"okx/trades/{name}.csv.gz", name)
        for name in ("pending", "failed-a", "failed-b", "failed-c", "all-bad")
    }
    manifest.update_status(ids["failed-a"], "failed", status_reason="gzip: unexpected end")
    manifest.update_status(ids["failed-b"], "failed", status_reason="gzip: unexpected end")
    manifest.update_status(ids["failed-c"], "failed", status_reason="schema drift")
    manifest.update_status(ids["all-bad"], "quarantined", rows_total=7, rows_quarantined=7)

    assert "stale_pending" not in kinds(lake)["ingest_manifest"]  # an hour old: not yet
    later = NOW + 24 * 3_600
    health = lake_health(LakeReader(lake), now=later, pending_hours=24)
    assert health.manifest is not None
    assert health.manifest.stale_pending == (ids["pending"],)
    assert health.manifest.failed_by_reason == (("gzip: unexpected end", 2), ("schema drift", 1))
    assert health.manifest.quarantined_entirely == (ids["all-bad"],)
    found = [
        (f.kind, f.message)
        for f in health.findings
        if f.table == "ingest_manifest" and f.kind != "hot_partitions"  # its own many files
    ]
    assert [k for k, _ in found] == [
        "stale_pending",
        "failed_files",
        "failed_files",
        "quarantined_entirely",
    ]
    assert f"file ids {ids['pending']})" in found[0][1]
    assert "2 failed file(s): gzip: unexpected end" in found[1][1]
    assert f"file ids {ids['all-bad']})" in found[3][1]
    # A longer threshold leaves the pending file alone.
    assert "stale_pending" not in kinds(lake, now=later, pending_hours=48)["ingest_manifest"]


def test_each_scd2_rule_broken_on_purpose_is_found(lake: Path) -> None:
    broken = pl.concat(
        [
            GOOD_DIM,
            dim_rows(
                (3, "SOLUSDT", 50, 50, False),  # valid_until not after valid_from
                (4, "XRPUSDT", 0, FOREVER, True),
                (5, "XRPUSDT", 10, FOREVER, True),  # two current rows, overlapping
                (1, "ADAUSDT", 0, 100, False),  # symbol_id 1 again
            ),
        ]
    )
    DeltaDimensionStore(lake).save_dim_symbol(broken, expected_version=0)
    health = lake_health(LakeReader(lake), now=NOW)
    assert health.dim_violations is not None
    found = {v.kind: v for v in health.dim_violations}
    assert found.keys() == {
        "dim_invalid_window",
        "dim_multiple_current",
        "dim_overlapping_windows",
        "dim_duplicate_symbol_id",
    }
    assert found["dim_invalid_window"].examples == ("okx/SOLUSDT",)
    assert found["dim_multiple_current"].rows == 2
    assert found["dim_overlapping_windows"].examples == ("okx/XRPUSDT",)
    assert found["dim_duplicate_symbol_id"].examples == ("symbol_id 1",)
    assert [f.table for f in health.findings] == ["dim_symbol"] * 4
    assert all(f.severity == "warning" for f in health.findings)


def test_event_rows_with_a_symbol_id_dim_symbol_lacks_are_counted(lake: Path) -> None:
    stray = trades(*PART, 6, start=500).with_columns(symbol_id=pl.lit(77, pl.Int64))
    DeltaEventStore(lake, audit=AUDIT).append("trades", stray)
    [finding] = findings_of(lake, "unknown_symbol_id")
    assert finding.table == "trades"
    assert finding.message.startswith("trades: 6 row(s)")
    assert "1 id(s): 77" in finding.message
    # Without dim_symbol there is nothing to compare with.
    shutil.rmtree(lake / "dim_symbol")
    assert findings_of(lake, "unknown_symbol_id") == []


def test_a_damaged_table_is_left_out_with_the_reason(lake: Path) -> None:
    log = lake / "trades" / "_delta_log"
    latest = max(int(p.name[:20]) for p in log.glob("*.json"))
    (log / f"{latest:020d}.json").write_bytes(b"")
    health = lake_health(LakeReader(lake), now=NOW)
    assert [t for t, _ in health.skipped] == ["trades"]
    assert "zero_byte_commit" in health.skipped[0][1]
    assert all(f.table != "trades" for f in health.findings)


def test_skew_needs_a_big_partition(lake: Path) -> None:
    [health] = [t for t in lake_health(LakeReader(lake), now=NOW).tables if t.table == "trades"]
    assert health.partitions == 1
    assert health.skew is None
    store = DeltaEventStore(lake, audit=AUDIT)
    for i in range(2):
        store.append("trades", trades("binance-futures", date(2024, 6, 1 + i), 3, start=9 * i))
    [health] = [t for t in lake_health(LakeReader(lake), now=NOW).tables if t.table == "trades"]
    stats = LakeReader(lake).partition_stats("trades")
    assert health.skew == pytest.approx(
        stats.get_column("bytes").max() / stats.get_column("bytes").median()
    )
    assert health.largest_bytes is not None
    assert health.largest_bytes < 2 * SMALL_FILE_BYTES
    assert findings_of(lake, "partition_skew") == []  # small partitions are never skewed
