"""The lake overview and every table's log findings from the cache alone: no polars, no log.

What the console shows first over an unchanged lake, before the reader (which loads polars and
each table's files) has answered. It is all or nothing: every folder with a ``_delta_log`` must
have statistics that describe its log now (``cached_stats``), and the manifest table its files
per status; otherwise there is no cached lake and the reader answers alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pointline_tui.lake.cached_findings import findings_key, read_findings
from pointline_tui.lake.cached_stats import Partition, newest, read_stats, read_statuses
from pointline_tui.lake.catalog import TableEntry
from pointline_tui.lake.overview import LakeOverview, Statuses, build_overview, single_partition
from pointline_tui.storage.models import Finding
from pointline_tui.storage.schemas import INGEST_MANIFEST


@dataclass(frozen=True, slots=True)
class CachedLake:
    """What the cache says of a lake whose logs have not moved since it was kept."""

    overview: LakeOverview
    findings: dict[str, tuple[Finding, ...]]
    """The log's findings of each table that has them kept for its log as it is now."""
    hot_tables: frozenset[str]
    """Unpartitioned tables that are hot (their one partition is)."""


def cached_lake(root: Path, folder: Path, entries: Sequence[TableEntry]) -> CachedLake | None:
    """The overview and findings the cache in ``folder`` holds for the lake at ``root``.

    Args:
        root: the silver root.
        folder: the cache folder.
        entries: the catalog listed without opening a log (``open_tables=False``).

    Returns:
        ``None`` unless every Delta entry's statistics (and the manifest's statuses) in the
        cache describe its newest version and the log's signature now.
    """
    stats: dict[str, list[Partition]] = {}
    findings: dict[str, tuple[Finding, ...]] = {}
    statuses: Statuses | None = None
    for entry in entries:
        if entry.state != "delta":
            continue
        table = entry.path.resolve()
        found = newest(table)
        if found is None:
            return None
        listing, version, signature = found
        rows = read_stats(folder, table, version, signature)
        if rows is None:
            return None
        if entry.name == INGEST_MANIFEST.name:
            statuses = read_statuses(folder, table, version, signature)
            if statuses is None:
                return None
        stats[entry.name] = rows
        kept = read_findings(folder, table, findings_key(version, signature, listing))
        if kept is not None:
            findings[entry.name] = kept
    hot = frozenset(
        name
        for name, rows in stats.items()
        if single_partition(rows) and any(row["hot"] for row in rows)
    )
    return CachedLake(build_overview(root, entries, stats, statuses), findings, hot)
