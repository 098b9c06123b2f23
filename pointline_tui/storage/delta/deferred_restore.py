"""The restore store as the console holds it: loaded, with delta-rs, on its first use."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pointline_tui.storage.delta.restore import DeltaTableRestorer, RestorePlan, RestoreReport


class DeferredRestorer:
    """A ``DeltaTableRestorer`` made on the first call: opening the console needs no delta-rs.

    Args:
        silver_root: folder holding one Delta table per data set.
        read_only: refuse every restore.
    """

    def __init__(self, silver_root: Path, *, read_only: bool = False) -> None:
        self.silver_root = Path(silver_root)
        self.read_only = read_only
        self._store: DeltaTableRestorer | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> DeltaTableRestorer:
        """The store itself, made (and delta-rs imported) on first use."""
        with self._lock:
            if self._store is None:
                from pointline_tui.storage.delta.restore import DeltaTableRestorer

                self._store = DeltaTableRestorer(self.silver_root, read_only=self.read_only)
            return self._store

    def plan_restore(self, table_name: str, target_version: int) -> RestorePlan:
        """See ``DeltaTableRestorer.plan_restore``."""
        return self.store.plan_restore(table_name, target_version)

    def restore_table(self, table_name: str, target_version: int, **options: Any) -> RestoreReport:
        """See ``DeltaTableRestorer.restore_table``."""
        return self.store.restore_table(table_name, target_version, **options)
