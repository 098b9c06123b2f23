"""Read model of a pointline silver lake: what the console shows, from Delta logs and tables.

The names below load on first use (``__getattr__``): importing one module of this package,
such as the catalog a first paint lists the lake with, does not import polars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pointline_tui.lazy import lazy_exports

if TYPE_CHECKING:
    from pointline_tui.lake.catalog import LakeCatalog, TableEntry, TableGroup, TableState
    from pointline_tui.lake.errors import DamagedTableError, LakeRootError
    from pointline_tui.lake.history import HistoryEntry
    from pointline_tui.lake.manifest import ManifestView
    from pointline_tui.lake.overview import LakeOverview
    from pointline_tui.lake.paging import Page
    from pointline_tui.lake.plan import CompactionPlan, PartitionPlan, plan_compaction
    from pointline_tui.lake.quarantine import QuarantineView
    from pointline_tui.lake.reader import LakeReader
    from pointline_tui.lake.summary import TableSummary
    from pointline_tui.lake.thresholds import HOT_MIN_SMALL_FILES, SMALL_FILE_BYTES

_MODULES = {
    "HOT_MIN_SMALL_FILES": "thresholds",
    "SMALL_FILE_BYTES": "thresholds",
    "CompactionPlan": "plan",
    "DamagedTableError": "errors",
    "HistoryEntry": "history",
    "LakeCatalog": "catalog",
    "LakeOverview": "overview",
    "LakeReader": "reader",
    "LakeRootError": "errors",
    "ManifestView": "manifest",
    "Page": "paging",
    "PartitionPlan": "plan",
    "QuarantineView": "quarantine",
    "TableEntry": "catalog",
    "TableGroup": "catalog",
    "TableState": "catalog",
    "TableSummary": "summary",
    "plan_compaction": "plan",
}

__all__ = [
    "HOT_MIN_SMALL_FILES",
    "SMALL_FILE_BYTES",
    "CompactionPlan",
    "DamagedTableError",
    "HistoryEntry",
    "LakeCatalog",
    "LakeOverview",
    "LakeReader",
    "LakeRootError",
    "ManifestView",
    "Page",
    "PartitionPlan",
    "QuarantineView",
    "TableEntry",
    "TableGroup",
    "TableState",
    "TableSummary",
    "plan_compaction",
]


__getattr__ = lazy_exports(__name__, _MODULES)
