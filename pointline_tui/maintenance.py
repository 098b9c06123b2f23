"""Compaction runs and writer guards shared by the console and the CLI (no Textual here)."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal, Protocol

import polars as pl

from pointline_tui.lake.history import HistoryEntry
from pointline_tui.storage.contracts import PartitionOptimizer
from pointline_tui.storage.models import StorageError, VacuumReport
from pointline_tui.storage.schemas import EVENT_TABLES

Partition = tuple[str, date]
PartitionState = Literal["waiting", "running", "done", "failed", "cancelled"]

RECENT_WRITE = timedelta(minutes=10)
"""A partition written more recently than this may still have an active writer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionRun:
    """Progress and outcome of one partition's compaction."""

    exchange: str
    trading_date: date
    state: PartitionState = "waiting"
    elapsed_s: float | None = None
    files_before: int | None = None
    files_after: int | None = None
    bytes_before: int | None = None
    bytes_after: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CompactionRun:
    """A finished (or cancelled) compaction of several partitions of one table."""

    table_name: str
    target_size_mb: int
    partitions: tuple[PartitionRun, ...]

    def count(self, state: PartitionState) -> int:
        """How many partitions ended in ``state``."""
        return sum(1 for p in self.partitions if p.state == state)

    def total(self, field: str) -> int:
        """Sum of ``field`` (e.g. ``"bytes_after"``) over the partitions that finished."""
        return sum(getattr(p, field) or 0 for p in self.partitions if p.state == "done")


def compact_each(
    optimizer: PartitionOptimizer,
    table_name: str,
    partitions: Sequence[Partition],
    *,
    target_size_mb: int = 128,
    max_workers: int | None = None,
    on_update: Callable[[PartitionRun], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CompactionRun:
    """Compact ``partitions`` one commit each, up to ``max_workers`` side by side.

    One delta-rs compaction keeps about one core busy, so the default runs one per core.
    A failed partition (or one with no files) records its error and the others go on; once
    ``cancelled()`` turns true, partitions not started yet are marked cancelled (a started one
    finishes).
    """
    runs = {p: PartitionRun(exchange=p[0], trading_date=p[1]) for p in partitions}
    lock = threading.Lock()

    def publish(run: PartitionRun) -> None:
        with lock:
            runs[(run.exchange, run.trading_date)] = run
        if on_update is not None:
            on_update(run)

    def one(part: Partition) -> None:
        run = runs[part]
        if cancelled is not None and cancelled():
            publish(replace(run, state="cancelled"))
            return
        publish(run := replace(run, state="running"))
        start = time.monotonic()
        try:
            report = optimizer.compact_partitions(
                table_name, exchange=part[0], trading_date=part[1], target_size_mb=target_size_mb
            )
        except (StorageError, ValueError, OSError) as err:
            publish(
                replace(run, state="failed", elapsed_s=time.monotonic() - start, error=str(err))
            )
            return
        if not report.partitions_processed:
            error = f"{table_name} has no partition {part[0]}/{part[1].isoformat()}"
            publish(replace(run, state="failed", elapsed_s=time.monotonic() - start, error=error))
            return
        publish(
            replace(
                run,
                state="done",
                elapsed_s=time.monotonic() - start,
                files_before=report.files_before,
                files_after=report.files_after,
                bytes_before=report.bytes_before,
                bytes_after=report.bytes_after,
            )
        )

    workers = max(1, min(max_workers or os.cpu_count() or 1, len(partitions) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="compact") as pool:
        list(pool.map(one, partitions))
    return CompactionRun(
        table_name=table_name,
        target_size_mb=target_size_mb,
        partitions=tuple(runs[p] for p in partitions),
    )


def writer_warnings(
    partitions: Iterable[Partition],
    stats: pl.DataFrame,
    pending: pl.DataFrame,
    *,
    table: str | None = None,
    now: datetime | None = None,
    recent: timedelta = RECENT_WRITE,
) -> dict[Partition, str]:
    """Partitions that writers may still be touching, with the reasons (short, for a column).

    A partition is flagged when its newest file is younger than ``recent``, or when a pending
    manifest row points at it: one of its bronze path's segments is the exchange, and its
    trading-date range covers the date (or, without a range, the path names the date). The
    manifest has no table column; a row whose data_type is another event table's name is
    taken to be for that table.

    Args:
        partitions: the (exchange, trading_date) keys to check.
        stats: a partition statistics frame (exchange, trading_date, last_modified).
        pending: the manifest's pending rows.
        table: the table being compacted, to leave out other tables' pending files.
        now: the current time (UTC), for tests.
        recent: how young a file must be to count as a recent write.
    """
    now = now or datetime.now(UTC)
    last = {
        (ex, day): modified
        for ex, day, modified in stats.select(
            "exchange", "trading_date", "last_modified"
        ).iter_rows()
    }
    rows = [
        (set(_SEGMENT.split(path)), path, low, high)
        for path, data_type, low, high in pending.select(
            "bronze_path", "data_type", "trading_date_min", "trading_date_max"
        ).iter_rows()
        if table is None or data_type == table or data_type not in EVENT_TABLES
    ]
    warnings: dict[Partition, str] = {}
    for exchange, day in partitions:
        reasons = []
        modified = last.get((exchange, day))
        if modified is not None and now - modified < recent:
            minutes = max(0, int((now - modified).total_seconds() // 60))
            reasons.append(f"written {minutes} min ago")
        waiting = sum(
            1
            for segments, path, low, high in rows
            if exchange in segments
            and (
                (low is not None and high is not None and low <= day <= high)
                or (low is None and day.isoformat() in path)
            )
        )
        if waiting:
            reasons.append(f"{waiting} pending manifest file{'s' if waiting > 1 else ''}")
        if reasons:
            warnings[(exchange, day)] = ", ".join(reasons)
    return warnings


_SEGMENT = re.compile(r"[/\\=]")
"""Separators of the parts of a bronze path that may name an exchange."""


class PartitionVacuum(Protocol):
    """``TableVacuum`` with the keyword-only extensions the console uses."""

    def vacuum_table(
        self,
        table_name: str,
        *,
        retention_hours: int = 168,
        dry_run: bool = False,
        enforce_retention: bool = True,
        partitions: Iterable[Partition] | None = None,
    ) -> VacuumReport:
        """See ``DeltaEventStore.vacuum_table``."""
        ...


def oldest_restorable_version(
    history: Sequence[HistoryEntry],
    retention_hours: int,
    *,
    now: datetime | None = None,
) -> int | None:
    """The oldest version still restorable after a vacuum with ``retention_hours``.

    Vacuum deletes the files removed by commits older than the retention, so every version
    before the newest such commit loses files; ``None`` when the history is empty.
    """
    if not history:
        return None
    cutoff = (now or datetime.now(UTC)) - timedelta(hours=retention_hours)
    removing = [e.version for e in history if e.timestamp < cutoff and _removes_files(e.metrics)]
    return max(removing) if removing else min(e.version for e in history)


def _removes_files(metrics: Sequence[tuple[str, str]]) -> bool:
    for key, value in metrics:
        name = key.lower()
        if "removed" in name and "file" in name and value.isdigit() and int(value) > 0:
            return True
    return False
