"""Read model of a pointline silver lake: what the console shows, from Delta logs and tables."""

from pointline_tui.lake.catalog import LakeCatalog, TableEntry, TableGroup, TableState
from pointline_tui.lake.errors import DamagedTableError, LakeRootError
from pointline_tui.lake.history import HistoryEntry
from pointline_tui.lake.manifest import ManifestView
from pointline_tui.lake.overview import LakeOverview
from pointline_tui.lake.paging import Page
from pointline_tui.lake.partitions import HOT_MIN_SMALL_FILES, SMALL_FILE_BYTES
from pointline_tui.lake.plan import CompactionPlan, PartitionPlan, plan_compaction
from pointline_tui.lake.quarantine import QuarantineView
from pointline_tui.lake.reader import LakeReader
from pointline_tui.lake.summary import TableSummary

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
