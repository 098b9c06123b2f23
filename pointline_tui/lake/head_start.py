"""delta-rs loads begun before the console's own imports, for tables the cache cannot answer.

On a first open (a table without a cache file, or no cache), the console's reader loads each
table's log with delta-rs: seconds on a big table, which need not wait for Textual's imports,
the first paint and polars' import (delta-rs loads without holding the interpreter). A
``HeadStart`` begins those loads at once in one background thread, in the catalog's order and
one at a time: the next table is loaded only once the reader took the previous one
(``LakeReader`` asks ``take`` where it would open a table with its files), so at most one load
runs ahead of the table the reader is working on. The reader opens a table itself when the
head start has nothing for it: a table asked for before its turn (then never loaded ahead),
one whose load failed (the reader's own load reports why), or one whose handle it never took
within ``UNTAKEN_S``.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from pointline_tui.lake.cache_files import cache_file_for
from pointline_tui.lake.catalog import LakeCatalog, open_delta
from pointline_tui.storage.models import StorageError

if TYPE_CHECKING:
    from deltalake import DeltaTable

UNTAKEN_S = 60.0
"""How long a loaded handle waits for the reader; then it is dropped and the head start ends."""


class HeadStart:
    """Loads, in a background thread, the tables of ``root`` without a cache file in ``folder``.

    Args:
        root: the silver root (listed here, in the caller's thread: one folder scan).
        folder: the statistics cache (``None``: no cache, every Delta table is loaded ahead).
    """

    def __init__(self, root: Path, folder: Path | None) -> None:
        self._root = Path(root)
        entries = LakeCatalog(self._root).tables(open_tables=False)
        self._queue = deque(
            e.name
            for e in entries
            if e.state == "delta"
            and (folder is None or not cache_file_for(folder, e.path.resolve()).exists())
        )
        self._cond = threading.Condition()
        self._loading: str | None = None
        self._ready: dict[str, DeltaTable] = {}
        self._handed: list[str] = []
        threading.Thread(target=self._run, name="pointline-head-start", daemon=True).start()

    @property
    def handed(self) -> tuple[str, ...]:
        """The tables whose handles ``take`` gave the reader, in order."""
        with self._cond:
            return tuple(self._handed)

    def take(self, name: str) -> DeltaTable | None:
        """Table ``name`` loaded with its files at its newest version then, if loaded ahead.

        Waits while it is being loaded. ``None``: not loaded ahead (it never will be now).
        """
        with self._cond:
            if name in self._queue:
                self._queue.remove(name)  # asked for before its turn: the reader loads it
                return None
            self._cond.wait_for(lambda: self._loading != name)
            dt = self._ready.pop(name, None)
            if dt is not None:
                self._handed.append(name)
            self._cond.notify_all()
            return dt

    def _run(self) -> None:
        while (name := self._next()) is not None:
            self._load(name)

    def _next(self) -> str | None:
        """The next table to load, once the reader took the last one (``None``: no more)."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._ready, timeout=UNTAKEN_S):
                self._ready.clear()  # the reader went another way: free the memory
                self._queue.clear()
            if not self._queue:
                return None
            self._loading = self._queue.popleft()
            return self._loading

    def _load(self, name: str) -> None:
        # No reference outlives the call: the reader alone holds the handle once it took it.
        try:
            dt: DeltaTable | None = open_delta(name, self._root / name)
        except StorageError:
            dt = None  # the reader loads it again and reports what is wrong
        with self._cond:
            self._loading = None
            if dt is not None:
                self._ready[name] = dt
            self._cond.notify_all()
