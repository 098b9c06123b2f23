"""Process targets for the partition-lock tests (run under ``spawn``)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

PART = ("binance-futures", date(2024, 5, 2))


def hold(table_root: str, ready: Any, release: Any, hold_s: float) -> None:
    """Take ``PART``'s lock, set ``ready``, and keep it until ``release`` (or ``hold_s``)."""
    from pointline_tui.storage.delta.locks import partition_lock

    with partition_lock(Path(table_root), PART, timeout_s=hold_s):
        ready.set()
        release.wait(hold_s)


def hold_until_killed(table_root: str, ready: Any, hold_s: float) -> None:
    """Take ``PART``'s lock, set ``ready`` and sleep with it (no event a kill could wedge)."""
    from pointline_tui.storage.delta.locks import partition_lock

    with partition_lock(Path(table_root), PART, timeout_s=hold_s):
        ready.set()
        time.sleep(hold_s)


def count_up(table_root: str, counter: str, rounds: int, barrier: Any) -> None:
    """Increment the number in ``counter`` ``rounds`` times, each under ``PART``'s lock."""
    from pointline_tui.storage.delta.locks import partition_lock

    path = Path(counter)
    barrier.wait(30)
    for _ in range(rounds):
        with partition_lock(Path(table_root), PART, timeout_s=60, poll_s=0.005):
            value = int(path.read_text())
            time.sleep(0.002)  # widen the window a missing lock would lose an update in
            path.write_text(str(value + 1))
