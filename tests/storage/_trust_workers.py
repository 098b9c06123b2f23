"""Process targets for the compaction trust tests (run under ``spawn``: a fork panics)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any


def _filters(exchange: str, day: str) -> list[tuple[str, str, str]]:
    # Every partition column: a filter on only some of them merges partitions in 1.5.1/1.6.0.
    return [("exchange", "=", exchange), ("trading_date", "=", day)]


def foreign_optimizer(
    table_root: str,
    exchange: str,
    day: str,
    max_iterations: int,
    max_seconds: float,
    ready: Any,
    stop: Any,
    results: Any,
) -> None:
    """Plain delta-rs OPTIMIZE of one partition in a loop: another tool, no pointline lock.

    Bounded by ``max_iterations``, ``max_seconds`` and ``stop``; puts (commits, failures,
    failure types) on ``results``.
    """
    from deltalake import DeltaTable

    commits, failures, kinds = 0, 0, set()
    deadline = time.monotonic() + max_seconds
    ready.set()
    for _ in range(max_iterations):
        if stop.is_set() or time.monotonic() > deadline:
            break
        try:
            metrics = DeltaTable(table_root).optimize.compact(
                partition_filters=_filters(exchange, day)
            )
            commits += 1 if metrics["numFilesAdded"] else 0
        except Exception as err:  # a lost race: CommitFailedError, or a file gone meanwhile
            failures += 1
            kinds.add(type(err).__name__)
        time.sleep(0.01)
    results.put((commits, failures, sorted(kinds)))


def hold_lock_then_compact(
    table_root: str, exchange: str, day: str, locked: Any, go: Any, results: Any
) -> None:
    """Take the partition's pointline lock; on ``go``, compact it with plain delta-rs, let go."""
    from deltalake import DeltaTable

    from pointline_tui.storage.delta.locks import partition_lock

    with partition_lock(Path(table_root), (exchange, date.fromisoformat(day)), timeout_s=60):
        locked.set()
        if not go.wait(60):
            results.put(("no go", None))
            return
        metrics = DeltaTable(table_root).optimize.compact(partition_filters=_filters(exchange, day))
    results.put(("compacted", metrics["numFilesRemoved"]))
