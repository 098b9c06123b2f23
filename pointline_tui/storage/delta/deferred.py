"""The event store as the console holds it: loaded, with delta-rs, on its first use.

The first screen of a lake whose statistics are cached needs no delta-rs; only a write (or
its dry run) does, and that is when the store's modules are imported.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pointline_tui.storage.delta.event_store import DeltaEventStore
    from pointline_tui.storage.models import CompactionReport, OrphanReport, VacuumReport


class DeferredEventStore:
    """A ``DeltaEventStore`` made on the first call: compaction, vacuum and orphan removal.

    Args:
        silver_root: folder holding one Delta table per data set.
        read_only: refuse every write.
    """

    def __init__(self, silver_root: Path, *, read_only: bool = False) -> None:
        self.silver_root = Path(silver_root)
        self.read_only = read_only
        self._store: DeltaEventStore | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> DeltaEventStore:
        """The store itself, made (and delta-rs imported) on first use; one for every call."""
        with self._lock:
            if self._store is None:
                from pointline_tui.storage.delta.event_store import DeltaEventStore

                self._store = DeltaEventStore(self.silver_root, read_only=self.read_only)
            return self._store

    def compact_partitions(self, table_name: str, /, **options: Any) -> CompactionReport:
        """See ``DeltaEventStore.compact_partitions``."""
        return self.store.compact_partitions(table_name, **options)

    def vacuum_table(self, table_name: str, **options: Any) -> VacuumReport:
        """See ``DeltaEventStore.vacuum_table``."""
        return self.store.vacuum_table(table_name, **options)

    def remove_orphans(self, table_name: str, **options: Any) -> OrphanReport:
        """See ``DeltaEventStore.remove_orphans``."""
        return self.store.remove_orphans(table_name, **options)
