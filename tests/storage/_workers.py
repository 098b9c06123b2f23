"""Process targets for the control-table stores' multi-process tests (run under ``spawn``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from pointline_tui.storage.delta.dimension_store import DeltaDimensionStore
from pointline_tui.storage.delta.manifest_store import DeltaManifestStore
from pointline_tui.storage.delta.quarantine_store import DeltaQuarantineStore
from pointline_tui.storage.models import ConflictError
from pointline_tui.storage.schemas import DIM_SYMBOL

BARRIER_TIMEOUT_S = 60


def dim_frame(marker: str, n: int = 3) -> pl.DataFrame:
    """``n`` current dim_symbol rows whose ``canonical_symbol`` carries ``marker``."""
    return pl.DataFrame(
        {
            "symbol_id": list(range(1, n + 1)),
            "exchange": ["binance-futures"] * n,
            "exchange_symbol": [f"SYM{i}USDT" for i in range(n)],
            "canonical_symbol": [f"{marker}-{i}" for i in range(n)],
            "market_type": ["perpetual"] * n,
            "base_asset": [f"SYM{i}" for i in range(n)],
            "quote_asset": ["USDT"] * n,
            "valid_from_ts_us": [1_714_521_600_000_000] * n,
            "valid_until_ts_us": [253_402_300_799_000_000] * n,
            "is_current": [True] * n,
            "tick_size": [10_000_000] * n,
            "lot_size": [None] * n,
            "contract_size": [1_000_000_000] * n,
            "updated_at_ts_us": [1_714_521_600_000_000] * n,
        },
        schema=DIM_SYMBOL.polars_schema,
    )


def resolve_ids(
    root: str, worker: int, identities: list[tuple[str, str, str, str]], barrier: Any, results: Any
) -> None:
    store = DeltaManifestStore(Path(root))
    barrier.wait(BARRIER_TIMEOUT_S)
    resolved = [(identity, store.resolve_file_id(*identity)) for identity in identities]
    results.put((worker, resolved))


def update_status(root: str, file_id: int, barrier: Any, results: Any) -> None:
    store = DeltaManifestStore(Path(root))
    barrier.wait(BARRIER_TIMEOUT_S)
    store.update_status(
        file_id,
        "success",
        rows_total=file_id * 10,
        rows_written=file_id * 10 - 1,
        rows_quarantined=1,
    )
    results.put(file_id)


def save_dim(root: str, worker: int, expected_version: int, barrier: Any, results: Any) -> None:
    store = DeltaDimensionStore(Path(root))
    frame = dim_frame(f"w{worker}")
    barrier.wait(BARRIER_TIMEOUT_S)
    try:
        store.save_dim_symbol(frame, expected_version)
        results.put(("ok", worker, ""))
    except ConflictError as err:
        results.put(("conflict", worker, str(err)))


def quarantine_rows(root: str, worker: int, rows: int, barrier: Any, results: Any) -> None:
    store = DeltaQuarantineStore(Path(root))
    frame = pl.DataFrame({"file_seq": list(range(rows)), "symbol": [f"w{worker}"] * rows})
    barrier.wait(BARRIER_TIMEOUT_S)
    store.append("trades", frame, "price_non_positive", worker)
    results.put(worker)


def run_processes(target: Any, args: list[tuple[Any, ...]], timeout_s: float = 60) -> list[Any]:
    """Run ``target(*a, barrier, results)`` for each ``a`` in spawned processes started together.

    Returns what each process put on the results queue; fails as soon as a process dies
    without reporting, rather than waiting out the timeout.
    """
    import multiprocessing
    import queue
    import time

    ctx = multiprocessing.get_context("spawn")  # forking after deltalake is imported panics
    barrier = ctx.Barrier(len(args))
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, barrier, results)) for a in args]
    for proc in procs:
        proc.start()
    out: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(out) < len(procs) and time.monotonic() < deadline:
            try:
                out.append(results.get(timeout=0.2))
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in procs):
                    barrier.abort()  # release the others still waiting
                    break
    finally:
        for proc in procs:
            proc.join(max(deadline - time.monotonic(), 1))
            if proc.is_alive():
                proc.kill()
                proc.join()
    assert [proc.exitcode for proc in procs] == [0] * len(procs), "a worker process failed"
    assert len(out) == len(procs)
    return out
