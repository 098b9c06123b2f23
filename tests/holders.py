"""Another process holding a partition's compaction lock, for the storage and UI tests."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.storage import _lock_workers

SPAWN = multiprocessing.get_context("spawn")  # a forked child panics in deltalake
LOCKED = _lock_workers.PART
"""The partition the holder locks: the demo lake's hot trades partition."""


@dataclass(frozen=True)
class Holder:
    """The holding process and the event that makes it let go."""

    process: Any
    release: Any


@contextmanager
def held_by_process(table_root: Path, hold_s: float = 60) -> Iterator[Holder]:
    """A spawned process holding ``LOCKED``'s lock of ``table_root`` during the block.

    It lets go when the block ends (or ``release`` is set, or ``hold_s`` passes), and is
    killed if it has not ended 30 s later.
    """
    ready, release = SPAWN.Event(), SPAWN.Event()
    proc = SPAWN.Process(target=_lock_workers.hold, args=(str(table_root), ready, release, hold_s))
    proc.start()
    try:
        assert ready.wait(60), "the holder process never took the lock"
        yield Holder(proc, release)
    finally:
        release.set()
        proc.join(30)
        if proc.exitcode is None:
            proc.kill()
            proc.join(10)
