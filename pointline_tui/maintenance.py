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
from pointline_tui.storage.delta.locks import DEFAULT_LOCK_TIMEOUT_S, LockHolder
from pointline_tui.storage.models import (
    CompactionReport,
    LockCancelledError,
    StorageError,
    VacuumReport,
    VerificationError,
)
from pointline_tui.storage.schemas import EVENT_TABLES
from pointline_tui.text import safe_text

Partition = tuple[str, date]
PartitionState = Literal["waiting", "running", "done", "failed", "cancelled"]

RECENT_WRITE = timedelta(minutes=10)
"""A partition written more recently than this may still have an active writer."""

NOT_STARTED_AFTER_VERIFICATION = "not started: an earlier partition failed verification"

DEFAULT_MAX_WORKERS = 2
"""Partitions compacted side by side by default: each holds its bins in memory, so more
cores must not mean more memory; two keep two cores busy."""


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
    waiting_for: str | None = None
    """Set while a running partition waits for another compaction's lock on it, for a person:
    ``"held since 10:00:00 UTC by pid 123 on lake-1"``; ``None`` once it holds the lock."""
    lock_holder: LockHolder | None = None
    """Who held the partition's lock when it last had to wait (``None``: never waited, or the
    holder could not be read)."""


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


class LockingOptimizer(Protocol):
    """``PartitionOptimizer`` with the keyword-only extensions a cancellable run uses."""

    def compact_partitions(
        self,
        table_name: str,
        /,
        *,
        exchange: str | None = None,
        trading_date: date | None = None,
        target_size_mb: int = 128,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        cancelled: Callable[[], bool] | None = None,
        on_lock_wait: Callable[[LockHolder | None], None] | None = None,
        on_lock_acquired: Callable[[], None] | None = None,
    ) -> CompactionReport:
        """See ``DeltaEventStore.compact_partitions``."""
        ...


def compact_each(
    optimizer: LockingOptimizer,
    table_name: str,
    partitions: Sequence[Partition],
    *,
    target_size_mb: int = 128,
    max_workers: int | None = None,
    on_update: Callable[[PartitionRun], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> CompactionRun:
    """Compact ``partitions`` one commit each, up to ``max_workers`` side by side.

    One delta-rs compaction keeps about one core busy, so the default runs one per core, at
    most ``DEFAULT_MAX_WORKERS``.
    A failed partition (or one with no files) records its error and the others go on; once
    ``cancelled()`` turns true, partitions not started yet are marked cancelled (a started one
    finishes). A partition whose lock another compaction holds shows who in ``waiting_for``
    until it has the lock; a wait cancelled meanwhile marks it cancelled, one that outlasts
    ``lock_timeout_s`` failed. A partition whose commit fails verification (it did not add
    up) is failed and stops the run: the partitions not started yet, or still waiting for
    their lock, are cancelled.

    Args:
        optimizer: compacts one partition per call.
        table_name: the table.
        partitions: the (exchange, trading_date) keys, in the order to start them.
        target_size_mb: the file size to aim for.
        max_workers: partitions compacted side by side (default: one per core, at most
            ``DEFAULT_MAX_WORKERS``).
        on_update: called (from the compaction threads) with every change of a partition.
        cancelled: polled before starting a partition and while waiting for a lock.
        lock_timeout_s: how long one partition waits for another compaction's lock.

    Returns:
        Every partition's outcome, in the order given.
    """
    runs = {p: PartitionRun(exchange=p[0], trading_date=p[1]) for p in partitions}
    lock = threading.Lock()
    stopped = threading.Event()  # a partition failed verification: start nothing more

    def publish(run: PartitionRun) -> None:
        with lock:
            runs[(run.exchange, run.trading_date)] = run
        if on_update is not None:
            on_update(run)

    def stopping() -> bool:
        return stopped.is_set() or (cancelled is not None and cancelled())

    def one(part: Partition) -> None:
        run = runs[part]
        if stopped.is_set():
            publish(replace(run, state="cancelled", error=NOT_STARTED_AFTER_VERIFICATION))
            return
        if cancelled is not None and cancelled():
            publish(replace(run, state="cancelled"))
            return
        publish(run := replace(run, state="running"))
        start = time.monotonic()

        def on_lock_wait(holder: LockHolder | None) -> None:
            nonlocal run
            text = lock_holder_text(holder)
            publish(run := replace(run, waiting_for=text, lock_holder=holder))

        def on_lock_acquired() -> None:
            nonlocal run, start
            if run.waiting_for is not None:  # the time shown is the compaction's, not the wait's
                start = time.monotonic()
                publish(run := replace(run, waiting_for=None))

        def end(state: PartitionState, error: str) -> None:
            elapsed = time.monotonic() - start
            publish(replace(run, state=state, elapsed_s=elapsed, error=error, waiting_for=None))

        try:
            report = optimizer.compact_partitions(
                table_name,
                exchange=part[0],
                trading_date=part[1],
                target_size_mb=target_size_mb,
                lock_timeout_s=lock_timeout_s,
                cancelled=stopping,
                on_lock_wait=on_lock_wait,
                on_lock_acquired=on_lock_acquired,
            )
        except LockCancelledError as err:
            end("cancelled", NOT_STARTED_AFTER_VERIFICATION if stopped.is_set() else str(err))
            return
        except VerificationError as err:
            stopped.set()
            end("failed", str(err))
            return
        except (StorageError, ValueError, OSError) as err:  # LockTimeoutError among them
            end("failed", str(err))
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

    cores = min(os.cpu_count() or 1, DEFAULT_MAX_WORKERS)
    workers = max(1, min(max_workers or cores, len(partitions) or 1))
    # Each partition's call returns: its lock wait polls ``stopping`` and has a timeout.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="compact") as pool:
        list(pool.map(one, partitions))
    return CompactionRun(
        table_name=table_name,
        target_size_mb=target_size_mb,
        partitions=tuple(runs[p] for p in partitions),
    )


def lock_holder_text(holder: LockHolder | None, *, now: datetime | None = None) -> str:
    """Who holds a lock, for a person: ``"held since 10:00:00 UTC by pid 123 on lake-1"``.

    The date is shown too when the lock was taken on another (UTC) day than ``now``.
    """
    if holder is None:
        return "held by another compaction (holder unknown)"
    since = holder.since.astimezone(UTC)
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    shown = since.strftime("%H:%M:%S" if since.date() == today else "%Y-%m-%d %H:%M:%S")
    return f"held since {shown} UTC by pid {holder.pid} on {safe_text(holder.host)}"


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
