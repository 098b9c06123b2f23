"""Delta Lake (delta-rs) implementations of the storage contracts."""

from pointline_tui.storage.delta.dimension_store import DeltaDimensionStore
from pointline_tui.storage.delta.event_store import DeltaEventStore
from pointline_tui.storage.delta.manifest_store import DeltaManifestStore
from pointline_tui.storage.delta.quarantine_store import DeltaQuarantineStore

__all__ = [
    "DeltaDimensionStore",
    "DeltaEventStore",
    "DeltaManifestStore",
    "DeltaQuarantineStore",
]
