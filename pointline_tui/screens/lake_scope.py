"""What the lake screen's keys apply to: the marks, the partition list on show, the selection.

Plain functions of the screen's state (no Textual). An unpartitioned table is one partition:
its one row (null exchange and trading date) is listed, marked and compacted like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pointline_tui.screens.lake_detail import Detail
from pointline_tui.widgets.lake_tree import HOT_MARK, LakeNode

if TYPE_CHECKING:
    import polars as pl

    from pointline_tui.lake.plan import PartitionKey

Mark = tuple[str, str | None, date | None]
"""A marked partition: (table, exchange, trading_date); (table, None, None) is a whole table."""
MARKED = "●"
"""Marks a marked partition in the list (before ``▲`` if it is hot too)."""
WHOLE_TABLE: PartitionKey = (None, None)


@dataclass(frozen=True, slots=True)
class ReturnPoint:
    """The list a partition's files were opened from, to go back to with Escape."""

    node: LakeNode
    partition: PartitionKey
    filter_text: str = ""
    sort_order: tuple[str | None, bool] = (None, False)


def is_partition_row(detail: Detail | None, row: dict[str, Any]) -> bool:
    """A partition's row; in an unpartitioned table's list, its one row."""
    if row.get("trading_date") is not None:
        return True
    return detail is not None and not detail.partitioned and "hot" in row


def listed_partitions(
    detail: Detail | None, selected: LakeNode | None, frame: pl.DataFrame
) -> pl.DataFrame | None:
    """The partitions of ``frame`` (the list as filtered), if ``detail`` lists partitions."""
    if detail is None or detail.node != selected or not detail.lists_partitions:
        return None
    if "hot" not in frame.columns:
        return None
    if not detail.partitioned:
        return frame
    import polars as pl  # loaded with the frame: a first paint has none

    return frame.filter(pl.col("trading_date").is_not_null())


def marked(marks: set[Mark], table: str) -> list[PartitionKey]:
    """The marked partitions of ``table``, in order."""
    keys = [(ex, day) for t, ex, day in marks if t == table]
    return sorted(keys, key=lambda k: (k[0] or "", k[1] or date.min))


def marker(marks: set[Mark], detail: Detail | None, row: dict[str, Any]) -> str:
    """``●`` for a marked row, ``▲`` for a hot one, ``●▲`` for both."""
    node = None if detail is None else detail.node
    if node is None or node.table is None or "hot" not in row or not is_partition_row(detail, row):
        return ""
    is_marked = (node.table, row.get("exchange"), row.get("trading_date")) in marks
    return (MARKED if is_marked else "") + (HOT_MARK if row.get("hot") else "")


def action_scope(
    marks: set[Mark], node: LakeNode | None, listed: pl.DataFrame | None
) -> tuple[str, list[PartitionKey]] | None:
    """The table and partitions ``c`` applies to: the marks, else the selection."""
    if node is None or node.table is None:
        return None
    keys = marked(marks, node.table)
    if keys:
        return node.table, keys
    if node.kind == "partition":
        return node.table, [(node.exchange, node.trading_date)]
    if listed is not None:
        return node.table, [(ex, d) for ex, d in listed.select("exchange", "trading_date").rows()]
    return node.table, []


def rows_scope(
    detail: Detail | None, node: LakeNode | None, row: dict[str, Any] | None
) -> PartitionKey | None:
    """The partition ``p`` shows the rows of.

    The selected partition, else the highlighted row of the partition list on show (``row``),
    else an unpartitioned table's one partition.
    """
    if delta_table(node) is None or node is None:
        return None
    if node.kind == "partition":
        return node.exchange, node.trading_date
    if detail is None or detail.node != node:
        return None  # the detail of another node is still on show
    if not detail.partitioned:
        return WHOLE_TABLE
    if row is not None and is_partition_row(detail, row):
        return row["exchange"], row["trading_date"]
    return None


def delta_table(node: LakeNode | None) -> str | None:
    """The selected node's Delta table (``h``, ``v``, ``o`` apply to it), if it is one."""
    if node is None or node.table is None:
        return None
    if node.kind == "table" and (node.entry is None or node.entry.state != "delta"):
        return None
    return node.table


ON_THE_LIST = frozenset({"compact", "toggle_mark", "mark_hot"})
"""The actions whose offer depends on the partition list on show (``offered``'s ``listed``)."""


def offered(
    action: str,
    marks: set[Mark],
    node: LakeNode | None,
    listed: pl.DataFrame | None,
    *,
    filtering: bool,
) -> bool:
    """Whether the lake screen offers ``action`` now (the footer shows only those).

    Read-only changes nothing here: plans and dry runs write nothing (their screens refuse to
    go on), and marks are the operator's own.
    """
    if action == "close_filter":
        return filtering
    if action == "back":
        return not filtering and node is not None and node.kind == "partition"
    if action == "compact":
        applies = action_scope(marks, node, listed)
        return applies is not None and bool(applies[1])
    if action in ("vacuum", "history", "remove_orphans"):
        return delta_table(node) is not None
    if action in ("toggle_mark", "mark_hot"):
        return listed is not None
    if action == "clear_marks":
        return bool(marks)
    return True
