"""Checkpoints and log clean-ups: the table reads the same, history records them, safety holds."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.lake.reader import LakeReader
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.log_maintenance import (
    DeltaLogMaintenance,
    LogFile,
    cleanup_plan,
    log_files,
)
from pointline_tui.storage.models import ReadOnlyError, UnsafeTableError
from tests.frames import partition_checksums, trades

AUDIT = {"user": "alice", "host": "ops-box", "tool": "pointline-tui", "tool_version": "0.1.0"}
PARTS = (("okx", date(2024, 5, 1)), ("binance-futures", date(2024, 5, 2)))
APPENDS = 12
CHECKPOINTS = (4, 8)
"""Versions checkpointed while the table is written (version ``i`` is append ``i``)."""
DAY_S = 86_400


def build(root: Path) -> Path:
    store = DeltaEventStore(root, audit=AUDIT)
    for i in range(APPENDS):
        exchange, day = PARTS[i % 2]
        store.append("trades", trades(exchange, day, 5, start=5 * i, file_id=i + 1))
        if i in CHECKPOINTS:
            DeltaTable(str(root / "trades")).create_checkpoint()
    return root


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("log-maintenance") / "lake")


@pytest.fixture
def lake(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "lake"))


def log_dir(lake: Path) -> Path:
    return lake / "trades" / "_delta_log"


def listing(lake: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in log_dir(lake).iterdir()}


def age(lake: Path, up_to: int, days: float = 40) -> None:
    """Make the log files of versions up to ``up_to`` look ``days`` old."""
    then = time.time() - days * DAY_S
    for path in log_dir(lake).iterdir():
        if path.name[:20].isdigit() and int(path.name[:20]) <= up_to:
            os.utime(path, (then, then))


def content(
    lake: Path, version: int | None = None
) -> tuple[int, dict[tuple[str, date], list[int]]]:
    """Rows and per-partition row hashes of a version, read through polars."""
    frame = pl.read_delta(str(lake / "trades"), version=version)
    return frame.height, partition_checksums(frame)


def maintenance(lake: Path, *, read_only: bool = False) -> DeltaLogMaintenance:
    return DeltaLogMaintenance(lake, read_only=read_only, audit=AUDIT)


def newest_commit(lake: Path) -> dict[str, str]:
    return dict(LakeReader(lake).history("trades", limit=1)[0].metadata)


def test_a_checkpoint_keeps_the_rows_and_history_shows_its_audit(lake: Path) -> None:
    before = content(lake)
    latest = DeltaTable(str(lake / "trades")).version()

    report = maintenance(lake).checkpoint("trades")

    assert report.needed
    assert not report.dry_run
    assert report.version == latest
    assert report.last_checkpoint == max(CHECKPOINTS)
    assert report.commits_since_checkpoint == latest - max(CHECKPOINTS)
    assert report.checkpoint_version == latest + 1  # the audit commit, then its checkpoint
    assert f"{latest + 1:020d}.checkpoint.parquet" in listing(lake)
    assert content(lake) == before
    audit = newest_commit(lake)
    assert audit["pointline_operation"] == "CHECKPOINT"
    assert {k: audit[k] for k in AUDIT} == AUDIT
    assert dict(report.audit) == AUDIT | {"pointline_operation": "CHECKPOINT"}


def test_a_checkpointed_version_needs_nothing_more(lake: Path) -> None:
    maintenance(lake).checkpoint("trades")
    files = listing(lake)
    again = maintenance(lake).checkpoint("trades")
    assert not again.needed
    assert again.checkpoint_version is None
    assert listing(lake) == files


def test_dry_runs_write_nothing_also_read_only(lake: Path) -> None:
    age(lake, 6)
    files = listing(lake)
    store = maintenance(lake, read_only=True)
    assert store.checkpoint("trades", dry_run=True).needed
    plan = store.clean_log("trades", dry_run=True)
    assert plan.files_removed > 0
    assert listing(lake) == files


def test_read_only_refuses_both(lake: Path) -> None:
    age(lake, 6)
    files = listing(lake)
    with pytest.raises(ReadOnlyError):
        maintenance(lake, read_only=True).checkpoint("trades")
    with pytest.raises(ReadOnlyError):
        maintenance(lake, read_only=True).clean_log("trades")
    assert listing(lake) == files


def test_clean_up_removes_only_what_no_retained_version_needs(lake: Path) -> None:
    # Versions up to 5 are expired: 6 and later are retained, and 6 and 7 are read from
    # checkpoint 4 (the newest at or before 6), so nothing from version 4 on may go.
    expired_up_to = 5
    age(lake, expired_up_to)
    first_retained = expired_up_to + 1
    keep = max(c for c in CHECKPOINTS if c <= first_retained)
    latest = DeltaTable(str(lake / "trades")).version()
    kept_content = {v: content(lake, v) for v in range(keep, latest + 1)}
    expected = sorted(n for n in listing(lake) if n[:20].isdigit() and int(n[:20]) < keep)

    report = maintenance(lake).clean_log("trades")

    assert list(report.removed_files) == expected
    assert report.keep_from == keep
    assert (report.oldest_version_before, report.oldest_version_after) == (0, keep)
    assert report.bytes_freed == sum(report.file_bytes) > 0
    assert not set(expected) & set(listing(lake))
    for version, seen in kept_content.items():
        assert content(lake, version) == seen, f"version {version} reads otherwise"
    assert content(lake) == kept_content[latest]
    audit = newest_commit(lake)
    assert audit["pointline_operation"] == "CLEAN LOG"
    assert audit["files_removed"] == str(len(expected))
    assert audit["oldest_version"] == str(keep)
    assert {k: audit[k] for k in AUDIT} == AUDIT
    assert report.audit_version == DeltaTable(str(lake / "trades")).version()


def test_nothing_goes_while_no_checkpoint_is_old_enough(lake: Path) -> None:
    # Versions up to 2 are expired, but version 3 is retained and no checkpoint is at or
    # before it: it is read from version 0 on, so every commit stays.
    age(lake, CHECKPOINTS[0] - 2)
    files = listing(lake)
    report = maintenance(lake).clean_log("trades")
    assert (report.keep_from, report.removed_files, report.audit_version) == (None, (), None)
    assert listing(lake) == files


def test_a_broken_checkpoint_the_retained_versions_need_is_refused(lake: Path) -> None:
    age(lake, 5)
    checkpoint = log_dir(lake) / f"{CHECKPOINTS[0]:020d}.checkpoint.parquet"
    checkpoint.write_bytes(b"not parquet at all")
    age(lake, 5)
    files = listing(lake)
    with pytest.raises(UnsafeTableError, match=f"checkpoint {CHECKPOINTS[0]}"):
        maintenance(lake).clean_log("trades")
    assert listing(lake) == files


@pytest.mark.parametrize("action", ["checkpoint", "clean_log"])
def test_a_damaged_table_is_refused(lake: Path, action: str) -> None:
    age(lake, 6)
    latest = DeltaTable(str(lake / "trades")).version()
    (log_dir(lake) / f"{latest:020d}.json").write_bytes(b"")
    files = listing(lake)
    with pytest.raises(UnsafeTableError, match="zero|empty"):
        getattr(maintenance(lake), action)("trades")
    assert listing(lake) == files


def test_a_missing_data_file_keeps_the_old_commits(lake: Path) -> None:
    # The way back to a version without the damage needs its commits.
    age(lake, 6)
    next((lake / "trades").rglob("*.parquet")).unlink()
    files = listing(lake)
    with pytest.raises(UnsafeTableError, match="not on disk"):
        maintenance(lake).clean_log("trades")
    assert listing(lake) == files


def test_the_plan_keeps_the_checkpoint_of_the_oldest_retained_version() -> None:
    now = 1_000 * DAY_S
    old, new = now - 40 * DAY_S, now - DAY_S

    def file(version: int, kind: str, when: float) -> LogFile:
        name = f"{version:020d}.json" if kind == "json" else f"{version:020d}.checkpoint.parquet"
        return LogFile(name, version, 10, when)

    files = [file(v, "json", old if v <= 7 else new) for v in range(12)]
    files += [file(4, "checkpoint", old), file(8, "checkpoint", new)]
    plan = cleanup_plan(files, latest=11, retention_hours=30 * 24, now=now)
    assert plan.keep_from == 8  # version 8 is the oldest retained, and is a checkpoint
    assert sorted(f.name for f in plan.removable) == sorted(f.name for f in files if f.version < 8)
    none = cleanup_plan(files, latest=11, retention_hours=60 * 24, now=now)
    assert (none.keep_from, none.removable) == (None, ())


def test_log_files_lists_commits_and_checkpoints(lake: Path) -> None:
    found = log_files(log_dir(lake))
    names = {f.name for f in found}
    assert names == {n for n in listing(lake) if n != "_last_checkpoint"}
    assert [f.version for f in found] == sorted(f.version for f in found)
