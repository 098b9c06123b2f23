"""Process targets for the event store's multi-process tests (run under ``spawn``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any


def append_batches(root: str, worker: int, batches: int, rows: int, barrier: Any) -> None:
    from pointline_tui.storage.delta import DeltaEventStore
    from tests.frames import trades

    store = DeltaEventStore(Path(root))
    barrier.wait()
    for batch in range(batches):
        start = (worker * batches + batch) * rows
        store.append("trades", trades("binance-futures", date(2024, 5, 1), rows, start=start))


def compact_once(root: str, barrier: Any, results: Any) -> None:
    from pointline_tui.storage.delta import DeltaEventStore
    from pointline_tui.storage.models import ConflictError

    store = DeltaEventStore(Path(root))
    barrier.wait()
    try:
        report = store.compact_partitions(
            "trades", exchange="okx", trading_date=date(2024, 5, 1), target_size_mb=64
        )
        results.put(("ok", report.files_after))
    except ConflictError as err:
        results.put(("conflict", str(err)))
