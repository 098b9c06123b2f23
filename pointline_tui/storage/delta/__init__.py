"""Delta Lake (delta-rs) implementations of the storage contracts."""

from pointline_tui.storage.delta.event_store import DeltaEventStore

__all__ = ["DeltaEventStore"]
