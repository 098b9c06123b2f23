"""Delta Lake (delta-rs) implementations of the storage contracts.

The stores load on first use (``__getattr__``): importing a module of this package, such as
the log listing the statistics cache reads, does not import delta-rs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pointline_tui.lazy import lazy_exports

if TYPE_CHECKING:
    from pointline_tui.storage.delta.dimension_store import DeltaDimensionStore
    from pointline_tui.storage.delta.event_store import DeltaEventStore
    from pointline_tui.storage.delta.manifest_store import DeltaManifestStore
    from pointline_tui.storage.delta.quarantine_store import DeltaQuarantineStore

_MODULES = {
    "DeltaDimensionStore": "dimension_store",
    "DeltaEventStore": "event_store",
    "DeltaManifestStore": "manifest_store",
    "DeltaQuarantineStore": "quarantine_store",
}

__all__ = [
    "DeltaDimensionStore",
    "DeltaEventStore",
    "DeltaManifestStore",
    "DeltaQuarantineStore",
]


__getattr__ = lazy_exports(__name__, _MODULES)
