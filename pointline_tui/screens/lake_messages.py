"""What the lake screen's workers post: results, as messages (handled as ``on_lake_screen_*``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from pointline_tui.lake.catalog import TableEntry
from pointline_tui.screens.lake_detail import Detail
from pointline_tui.storage.models import Finding

if TYPE_CHECKING:
    import polars as pl

    from pointline_tui.lake.plan import PartitionKey


class CatalogLoaded(Message, namespace="lake_screen"):
    """The lake's tables were listed (after a refresh: which tables changed)."""

    def __init__(
        self, entries: tuple[TableEntry, ...], refreshed: tuple[str, ...] | None = None
    ) -> None:
        super().__init__()
        self.entries = entries
        self.refreshed = refreshed


class CatalogChecked(Message, namespace="lake_screen"):
    """Every Delta log of the lake was opened: states and reasons are final."""

    def __init__(self, entries: tuple[TableEntry, ...]) -> None:
        super().__init__()
        self.entries = entries


class HealthChecked(Message, namespace="lake_screen"):
    """What ``check`` finds in a table's log (files are checked when it is opened)."""

    def __init__(self, table: str, findings: tuple[Finding, ...]) -> None:
        super().__init__()
        self.table = table
        self.findings = findings


class HotPartitionsFound(Message, namespace="lake_screen"):
    """The hot partitions of a table, for a compaction started from the palette."""

    def __init__(self, table: str, partitions: list[PartitionKey]) -> None:
        super().__init__()
        self.table = table
        self.partitions = partitions


class PartitionsLoaded(Message, namespace="lake_screen"):
    """A table's partition statistics arrived."""

    def __init__(self, table: str, stats: pl.DataFrame) -> None:
        super().__init__()
        self.table = table
        self.stats = stats


class DetailLoaded(Message, namespace="lake_screen"):
    """The detail of the selected node arrived."""

    def __init__(self, detail: Detail) -> None:
        super().__init__()
        self.detail = detail


class OverviewCached(Message, namespace="lake_screen"):
    """The lake overview from the cache, before the reader's (``lake.cached_lake``)."""

    def __init__(self, detail: Detail, hot_tables: frozenset[str]) -> None:
        super().__init__()
        self.detail = detail
        self.hot_tables = hot_tables
        """Unpartitioned tables that are hot."""


class DetailChecked(Message, namespace="lake_screen"):
    """The table of a detail that arrived was checked (``check``, files included)."""

    def __init__(self, detail: Detail, findings: tuple[Finding, ...]) -> None:
        super().__init__()
        self.detail = detail
        self.findings = findings
