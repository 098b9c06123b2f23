"""What the lake screen's detail pane shows for each kind of tree node (runs in workers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.text import Text

from pointline_tui.formatting import (
    count,
    human_bytes,
    iso_date,
    partition_name,
    short_bytes,
    short_count,
    short_file_name,
    utc_time,
)
from pointline_tui.storage.models import Finding
from pointline_tui.text import one_line, safe_text
from pointline_tui.widgets.frame_table import Column
from pointline_tui.widgets.lake_tree import ERROR_MARK, WARNING_MARK, LakeNode
from pointline_tui.widgets.size_histogram import histogram_text

if TYPE_CHECKING:
    import polars as pl

    from pointline_tui.lake.overview import LakeOverview
    from pointline_tui.lake.reader import LakeReader
    from pointline_tui.lake.summary import TableSummary

# Figures in at most four characters, so that files, small files and bytes show next to
# exchange and date at 80 columns; the summary above the list has them in full.
PARTITION_COLUMNS = [
    Column("exchange", "exchange", key=True),
    Column("trading_date", "date", iso_date, key=True),
    Column("files", "files", short_count, numeric=True),
    Column("small_files", "small", short_count, numeric=True),
    Column("bytes", "bytes", short_bytes, numeric=True),
    Column("avg_file_bytes", "avg", short_bytes, numeric=True),
    Column("rows", "rows", short_count, numeric=True),
    Column("max_file_bytes", "max", short_bytes, numeric=True),
]
FILE_COLUMNS = [
    Column("path", "file", lambda p: short_file_name(str(p)), key=True),
    Column("size_bytes", "size", short_bytes, numeric=True),
    Column("rows", "rows", short_count, numeric=True),
    Column("modified_at", "modified (UTC)", utc_time),
]
TABLE_COLUMNS = [
    Column("name", "table", key=True),
    Column("group", "group"),
    Column("state", "state"),
    Column("reason", "detail"),
]


@dataclass(frozen=True, slots=True)
class Detail:
    """What the detail pane shows for one node: a text block and an optional frame."""

    node: LakeNode
    title: str
    text: Text
    """What it says above the health line."""
    frame: pl.DataFrame | None = None
    columns: tuple[Column, ...] = ()
    findings: tuple[Finding, ...] | None = None
    """The table's findings from ``check`` (``None``: not looked at yet, or no health line)."""
    checks_health: bool = False
    """It has a health line: the table's findings follow (``with_findings``) once checked."""
    partitioned: bool = True
    """False for an unpartitioned table: its one row (null exchange and date) is the table."""
    sizes: Text | None = None
    """The node's file-size histogram (a table's, an exchange's or a partition's files)."""

    @property
    def lists_partitions(self) -> bool:
        """The frame is a table's or an exchange's partition list."""
        return self.frame is not None and self.node.kind in ("table", "exchange")

    @property
    def body(self) -> Text:
        """The text, then the health line of the findings that concern the node."""
        if not self.checks_health:
            return self.text
        body = self.text.copy()
        if self.findings is None:
            body.append(f"{'health':<15}", style="dim")
            body.append("checking the log and files…\n", style="dim")
            return body
        findings = self.findings
        node = self.node
        if node.kind == "partition":  # its own, and the table's as a whole
            here = (node.exchange, node.trading_date), (None, None)
            findings = tuple(f for f in findings if (f.exchange, f.trading_date) in here)
        body.append_text(health_text(findings))
        return body

    def with_findings(self, findings: tuple[Finding, ...]) -> Detail:
        """The same detail once the table was checked."""
        return replace(self, findings=findings)


def detail_findings(reader: LakeReader, node: LakeNode) -> tuple[Finding, ...]:
    """What ``check`` finds in the node's table, files included (a walk of its folders)."""
    assert node.table is not None
    return reader.health(node.table)


def build_detail(reader: LakeReader, node: LakeNode) -> Detail:
    """Compute the detail of ``node`` (runs in a worker thread)."""
    import polars as pl  # here, not at import: the first paint does without

    from pointline_tui.lake.histogram import size_histogram

    if node.kind in ("lake", "group"):
        overview = reader.lake_overview()
        entries = reader.catalog()
        frame = pl.DataFrame(
            {
                "name": [e.name for e in entries],
                "group": [e.group for e in entries],
                "state": [e.state for e in entries],
                "reason": [e.reason for e in entries],
            },
            schema={"name": pl.String, "group": pl.String, "state": pl.String, "reason": pl.String},
        )
        return replace(overview_detail(node, overview), frame=frame, columns=tuple(TABLE_COLUMNS))
    assert node.table is not None
    entry = node.entry
    if entry is not None and entry.state != "delta":
        what = {
            "empty": "Empty folder",
            "not_delta": "Not a Delta table",
            "damaged": "Damaged Delta log",
        }
        body = Text(f"{what[entry.state]}: {safe_text(entry.reason or 'no files')}\n\n")
        return Detail(node, node.table, body, checks_health=True)
    if node.kind == "partition":  # (None, None): an unpartitioned table's one partition
        files = reader.partition_files(node.table, node.exchange, node.trading_date)
        body = Text(
            f"{count(files.height)} active files · "
            f"{human_bytes(int(files.get_column('size_bytes').sum() or 0))}\n"
        )
        where = partition_name(None, None)
        if node.exchange is not None or node.trading_date is not None:
            where = f"{one_line(node.exchange or '-')} / {iso_date(node.trading_date)}"
        title = f"{node.table} / {where}"
        sizes = histogram_text(size_histogram(files))
        return Detail(
            node, title, body, files, tuple(FILE_COLUMNS), checks_health=True, sizes=sizes
        )
    summary = reader.summary(node.table)
    stats = reader.partition_stats(node.table)
    files = reader.active_files(node.table)
    if node.kind == "exchange":
        stats = stats.filter(exchange=node.exchange)
        return Detail(
            node,
            f"{node.table} / {node.exchange}",
            Text(f"{count(stats.height)} partitions"),
            stats,
            tuple(PARTITION_COLUMNS),
            sizes=histogram_text(size_histogram(files.filter(exchange=node.exchange))),
        )
    return Detail(
        node,
        node.table,
        summary_text(summary),
        stats,
        tuple(PARTITION_COLUMNS),
        checks_health=True,
        partitioned=bool(summary.partition_columns),
        sizes=histogram_text(size_histogram(files)),
    )


HEALTH_LINES = 3
"""Findings shown in the detail pane; ``pointline-tui check TABLE`` lists them all."""


def health_text(findings: Sequence[Finding]) -> Text:
    """The "health" line of a table or partition, and its first findings."""
    text = Text()
    text.append(f"{'health':<15}", style="dim")
    if not findings:
        text.append("ok: log, files and links checked\n")
        return text
    tally = Counter(f.severity for f in findings)
    errors = tally["error"]
    summary = ", ".join(f"{n} {s}{'s' if n > 1 else ''}" for s, n in tally.items())
    text.append(f"{ERROR_MARK if errors else WARNING_MARK} {summary}", style="bold")
    text.append(" · writes refused\n" if errors else "\n")
    for f in findings[:HEALTH_LINES]:
        text.append(f"  {f.severity} ", style="bold red" if f.severity == "error" else "yellow")
        where = short_file_name(f.path) if f.path and "/" in f.path else ""
        text.append(f"{f.kind} {one_line(where)}\n")
    if len(findings) > HEALTH_LINES:
        text.append(
            f"  … {len(findings) - HEALTH_LINES} more: pointline-tui check {findings[0].table}\n"
        )
    return text


def overview_detail(node: LakeNode, overview: LakeOverview) -> Detail:
    """The lake's (or a group's) detail: the overview's figures, without the table list."""
    return Detail(node, "Lake overview", overview_text(overview))


def overview_text(overview: LakeOverview) -> Text:
    """The lake overview as aligned label/value lines."""
    text = Text()
    for label, value in overview_rows(overview):
        text.append(f"{label:<18}", style="dim")
        text.append(f"{value}\n")
    return text


def overview_rows(overview: LakeOverview) -> list[tuple[str, str]]:
    """(label, value) pairs of the lake overview."""
    rows = [
        ("tables", f"{count(overview.delta_tables)} Delta of {count(overview.tables)} folders"),
        ("files / bytes", f"{count(overview.files)} / {human_bytes(overview.bytes)}"),
        ("rows", count(overview.rows)),
        ("partitions", f"{count(overview.partitions)} ({count(overview.hot_partitions)} hot)"),
    ]
    broken = overview.not_delta_tables + overview.damaged_tables
    if broken:
        rows.append(("unreadable", count(broken)))  # folders: the "tables" row says of how many
    if overview.manifest_status:
        statuses = [f"{s} {count(n)}" for s, n in overview.manifest_status]
        rows.append(("manifest", " · ".join(statuses[:2])))  # two per line: fits 80 columns
        if statuses[2:]:
            rows.append(("", " · ".join(statuses[2:])))
    return rows


def summary_text(summary: TableSummary) -> Text:
    """A table's summary as aligned label/value lines."""
    text = Text()
    rows = [
        ("version", str(summary.version)),
        ("last commit", f"{utc_time(summary.last_commit_at)}  {summary.last_operation or ''}"),
        ("partitioned by", ", ".join(summary.partition_columns) or "-"),
        ("files / bytes", f"{count(summary.files)} / {human_bytes(summary.bytes)}"),
        ("rows", count(summary.rows)),
        ("partitions", f"{count(summary.partitions)} ({count(summary.hot_partitions)} hot)"),
        ("columns", f"{len(summary.schema)}: " + ", ".join(name for name, _ in summary.schema)),
    ]
    for label, value in rows:
        text.append(f"{label:<15}", style="dim")
        text.append(f"{value}\n")
    return text
