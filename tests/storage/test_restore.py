"""Restoring tables with delta-rs's restore: content, audit, refusals and races, on real tables."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.locks import partition_lock
from pointline_tui.storage.delta.log import list_log
from pointline_tui.storage.delta.restore import (
    FROM_VERSION_KEY,
    DeltaTableRestorer,
    MissingFilesError,
    VersionNotFoundError,
    restore_on,
    version_at,
)
from pointline_tui.storage.delta.verify import RUN_KEY
from pointline_tui.storage.models import (
    ConflictError,
    LockTimeoutError,
    ReadOnlyError,
    UnsafeTableError,
)
from tests.frames import trades
from tests.storage._event_workers import append_batches
from tests.storage._trust import P1, P2, P3, build_lake, commit_file

AUDIT = {"user": "alice", "host": "ops-box", "tool": "pointline-tui", "tool_version": "0.1.0"}
TARGET = 2
"""The last version before the template's compaction of ``P2``."""


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return build_lake(tmp_path / "lake")


def content(table: Path, version: int | None = None) -> tuple[int, int]:
    """Rows and an order-free checksum of the table's content (at ``version``)."""
    frame = pl.read_delta(str(table), version=version)
    ordered = frame.select(sorted(frame.columns))
    return frame.height, int(ordered.hash_rows(seed=11).cast(pl.UInt64).sum())


def log_state(table: Path) -> tuple[dict[int, int], set[str]]:
    return list_log(table / "_delta_log").commits, {
        p.name for p in (table / "_delta_log").iterdir()
    }


def test_a_restore_reads_exactly_as_the_target_and_records_the_audit(lake: Path) -> None:
    table = lake / "trades"
    expected = content(table, TARGET)
    store = DeltaEventStore(lake)
    store.append("trades", trades("okx", date(2024, 5, 7), 30, start=9_000))
    store.compact_partitions("trades", exchange=P1[0], trading_date=P1[1])
    before = DeltaTable(str(table)).version()
    assert content(table) != expected

    report = DeltaTableRestorer(lake, audit=AUDIT).restore_table("trades", TARGET)

    assert content(table) == expected
    assert (report.from_version, report.target_version, report.version) == (
        before,
        TARGET,
        before + 1,
    )
    newest = DeltaTable(str(table)).history(1)[0]
    assert newest["operation"] == "RESTORE"
    assert newest["version"] == report.version
    assert newest["operationParameters"]["version"] == str(TARGET)
    assert {k: newest[k] for k in AUDIT} == AUDIT
    assert newest[FROM_VERSION_KEY] == str(before)
    assert len(newest[RUN_KEY]) == 32
    assert report.files_restored == newest["operationMetrics"]["numRestoredFile"]


def test_the_plan_lists_the_files_that_come_back_and_writes_nothing(lake: Path) -> None:
    table = lake / "trades"
    listing = log_state(table)
    plan = DeltaTableRestorer(lake, read_only=True).plan_restore("trades", TARGET)
    assert log_state(table) == listing
    then = {p.removeprefix(f"{table}/") for p in DeltaTable(str(table), version=TARGET).file_uris()}
    now = {p.removeprefix(f"{table}/") for p in DeltaTable(str(table)).file_uris()}
    assert {f.path for f in plan.returning} == then - now
    assert all(f.on_disk for f in plan.returning)
    assert plan.restorable
    assert plan.files_removed == len(now - then)
    assert set(plan.partitions) == {P1, P2, P3}  # the last append touched every partition
    assert {(f.exchange, f.trading_date) for f in plan.returning} == {P2}  # compacted since
    assert plan.target_timestamp is not None
    at_target = pl.read_delta(str(table), version=TARGET).filter(
        pl.col("exchange") == P2[0], pl.col("trading_date") == P2[1]
    )
    assert sum(f.rows or 0 for f in plan.returning) == at_target.height


def test_a_vacuumed_target_is_refused_before_anything_is_written(lake: Path) -> None:
    table = lake / "trades"
    DeltaEventStore(lake).vacuum_table("trades", retention_hours=0, enforce_retention=False)
    listing = log_state(table)
    restorer = DeltaTableRestorer(lake)

    plan = restorer.plan_restore("trades", TARGET)
    assert not plan.restorable
    gone = {f.path for f in plan.returning if not f.on_disk}
    assert set(plan.missing) == gone
    assert all(not (table / p).exists() for p in plan.missing)
    with pytest.raises(MissingFilesError, match=f"first: {plan.missing[0]}") as refused:
        restorer.restore_table("trades", TARGET)
    assert refused.value.missing == plan.missing
    assert log_state(table) == listing
    assert not (table / "_pointline_locks").exists() or not any(
        (table / "_pointline_locks").iterdir()
    )


def test_read_only_refuses_and_the_plan_still_works(lake: Path) -> None:
    table = lake / "trades"
    listing = log_state(table)
    restorer = DeltaTableRestorer(lake, read_only=True)
    with pytest.raises(ReadOnlyError, match="read-only"):
        restorer.restore_table("trades", TARGET)
    assert restorer.plan_restore("trades", TARGET).restorable
    assert log_state(table) == listing


def test_a_table_with_an_error_finding_is_refused(lake: Path) -> None:
    table = lake / "trades"
    latest = DeltaTable(str(table)).version()
    commit_file(table, latest).write_bytes(b"")  # an empty commit: check's error
    listing = log_state(table)
    with pytest.raises(UnsafeTableError, match="zero|empty"):
        DeltaTableRestorer(lake).restore_table("trades", TARGET)
    assert log_state(table) == listing


def test_a_writer_after_the_plan_is_a_conflict(lake: Path) -> None:
    table = lake / "trades"
    restorer = DeltaTableRestorer(lake)
    plan = restorer.plan_restore("trades", TARGET)
    DeltaEventStore(lake).append("trades", trades(*P3, 5, start=7_000))
    with pytest.raises(ConflictError, match="not .* as planned"):
        restorer.restore_table("trades", TARGET, expected_version=plan.current_version)
    assert DeltaTable(str(table)).version() == plan.current_version + 1
    assert DeltaTable(str(table)).history(1)[0]["operation"] == "WRITE"


def test_delta_rs_rejects_a_restore_on_a_stale_snapshot(lake: Path) -> None:
    table = lake / "trades"
    stale = DeltaTable(str(table))
    DeltaEventStore(lake).append("trades", trades(*P3, 5, start=7_000))
    with pytest.raises(ConflictError, match="another writer committed"):
        restore_on(stale, "trades", TARGET, AUDIT)
    assert DeltaTable(str(table)).history(1)[0]["operation"] == "WRITE"


def test_a_compaction_holding_a_changed_partition_blocks_the_restore(lake: Path) -> None:
    table = lake / "trades"
    listing = log_state(table)
    held, release = threading.Event(), threading.Event()

    def compaction() -> None:
        with partition_lock(table, P2):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=compaction)
    holder.start()
    held.wait(30)
    try:
        with pytest.raises(LockTimeoutError):
            DeltaTableRestorer(lake).restore_table("trades", TARGET, lock_timeout_s=0)
    finally:
        release.set()
        holder.join()
    assert log_state(table)[0] == listing[0]
    DeltaTableRestorer(lake).restore_table("trades", TARGET, lock_timeout_s=0)  # free now


def test_targets_by_time_and_bad_targets(lake: Path) -> None:
    table = lake / "trades"
    history = {int(c["version"]): int(c["timestamp"]) for c in DeltaTable(str(table)).history()}
    at = datetime.fromtimestamp(history[TARGET] / 1000, tz=UTC)
    assert version_at(table, at) == TARGET
    assert (
        version_at(table, at + timedelta(milliseconds=history[TARGET + 1] - history[TARGET] - 1))
        == TARGET
    )
    with pytest.raises(VersionNotFoundError, match="no version committed"):
        version_at(table, at - timedelta(days=1))
    restorer = DeltaTableRestorer(lake)
    latest = DeltaTable(str(table)).version()
    with pytest.raises(VersionNotFoundError, match="already"):
        restorer.restore_table("trades", latest)
    with pytest.raises(VersionNotFoundError, match=f"no version {latest + 1}"):
        restorer.plan_restore("trades", latest + 1)


def test_an_unpartitioned_table_restores_too(demo_lake: Path) -> None:
    table = demo_lake / "dim_symbol"
    expected = content(table, 0)
    plan = DeltaTableRestorer(demo_lake).plan_restore("dim_symbol", 0)
    assert plan.partitions == ((None, None),)
    DeltaTableRestorer(demo_lake).restore_table("dim_symbol", 0, expected_version=1)
    assert content(table) == expected


def test_a_table_folder_leading_out_of_the_lake_is_never_opened(lake: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    (lake / "trades").rename(outside)
    (lake / "trades").symlink_to(outside)
    listing = log_state(outside)
    restorer = DeltaTableRestorer(lake)
    with pytest.raises(UnsafeTableError, match="outside the lake"):
        restorer.plan_restore("trades", TARGET)
    with pytest.raises(UnsafeTableError, match="outside the lake"):
        restorer.restore_table("trades", TARGET)
    assert log_state(outside) == listing


def test_a_restore_racing_appends_of_another_process_loses_nothing(lake: Path) -> None:
    table = lake / "trades"
    start = DeltaTable(str(table)).version()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    batches = 8
    appender = context.Process(target=append_batches, args=(str(lake), 1, batches, 5, barrier))
    appender.start()
    barrier.wait()
    restorer = DeltaTableRestorer(lake)
    reports, conflicts = [], 0
    while appender.is_alive() and not reports:
        try:
            reports.append(restorer.restore_table("trades", TARGET))
        except ConflictError:
            conflicts += 1  # another writer committed first: nothing was restored
    appender.join()
    assert appender.exitcode == 0
    if not reports:  # the appends ended first: restore without a race
        reports.append(restorer.restore_table("trades", TARGET))
    [report] = reports
    history = DeltaTable(str(table)).history()
    assert content(table, report.version) == content(table, TARGET)
    operations = [c["operation"] for c in history if int(c["version"]) > start]
    assert operations.count("RESTORE") == 1  # a conflict committed nothing
    assert operations.count("WRITE") == batches  # every append landed
    after = [int(c["version"]) for c in history if c["operation"] == "WRITE"]
    appended_after = sum(1 for v in after if v > report.version)
    assert content(table)[0] == content(table, TARGET)[0] + 5 * appended_after
