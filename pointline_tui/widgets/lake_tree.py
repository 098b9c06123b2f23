"""The lake tree: groups, tables, exchanges and trading dates; children load on expand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from pointline_tui.formatting import count
from pointline_tui.lake.catalog import TableEntry
from pointline_tui.lake.overview import single_partition
from pointline_tui.storage.models import Finding
from pointline_tui.text import one_line

if TYPE_CHECKING:
    import polars as pl

NodeKind = Literal["lake", "group", "table", "exchange", "partition"]

GROUP_LABELS = {
    "events": "Events",
    "dimensions": "Dimensions",
    "control": "Control",
    "other": "Other folders",
}
HOT_MARK = "▲"
"""Marks hot partitions (and, with a count, exchanges holding some); visible without colour."""
ERROR_MARK = "✗"
"""Marks a table that ``check`` finds an error in (writes are refused), or that is unreadable."""
WARNING_MARK = "!"
"""Marks a table with warnings from ``check`` (orphans, staging files, ...)."""


@dataclass(frozen=True, slots=True)
class LakeNode:
    """What a tree node stands for."""

    kind: NodeKind
    table: str | None = None
    exchange: str | None = None
    trading_date: date | None = None
    entry: TableEntry | None = None


class LakeTree(Tree[LakeNode]):
    """Tables grouped as Events / Dimensions / Control; event tables expand to partitions.

    A table's exchanges are added when its partition statistics arrive (the screen loads them
    in a worker on expand); an exchange's dates are added when it is expanded. An unpartitioned
    table is one partition: its statistics mark it hot. The root is hidden (two columns more
    for names at 80 columns); a group shows the lake overview.
    """

    DEFAULT_CSS = """
    LakeTree:nocolor > .tree--cursor {
        text-style: underline;
    }
    LakeTree:nocolor:focus > .tree--cursor {
        text-style: reverse;
    }
    """
    """Without colour the cursor line still shows: underlined, reversed when focused."""

    MIN_WIDTH = 12
    """The narrowest the tree is made with ``<`` (and the least it leaves to the detail)."""
    WIDTH_STEP = 4
    """Columns that one ``<`` or ``>`` takes from or gives to the tree."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("lake", LakeNode("lake"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self._stats: dict[str, pl.DataFrame] = {}
        self._health: dict[str, tuple[int, int]] = {}
        self._hot_tables: set[str] = set()
        """Unpartitioned tables that are hot (their one partition is)."""

    def show_catalog(self, entries: tuple[TableEntry, ...]) -> list[str]:
        """Rebuild the tree's groups and tables; return the tables that were expanded.

        Their partitions are dropped with the old nodes: the caller reloads them.
        """
        expanded = {
            n.data.table for n in self._table_nodes() if n.is_expanded and n.data is not None
        }
        self.root.remove_children()
        self._stats.clear()
        self._hot_tables.clear()
        groups: dict[str, TreeNode[LakeNode]] = {}
        for entry in entries:
            group = groups.get(entry.group)
            if group is None:
                group = self.root.add(GROUP_LABELS[entry.group], LakeNode("group"), expand=True)
                groups[entry.group] = group
            expandable = entry.state == "delta" and entry.group == "events"
            group.add(
                self._label(entry),
                LakeNode("table", table=entry.name, entry=entry),
                allow_expand=expandable,
                expand=False,
            )
        self.root.expand()
        return sorted(t for t in expanded if t is not None and self._table_node(t) is not None)

    def update_entries(self, entries: tuple[TableEntry, ...]) -> set[str]:
        """Give table nodes their checked state (labels, expandability); return those changed."""
        by_name = {e.name: e for e in entries}
        changed = set()
        for node in self._table_nodes():
            old = node.data.entry if node.data is not None else None
            new = by_name.get(old.name) if old is not None else None
            if new is None or new == old:
                continue
            node.data = LakeNode("table", table=new.name, entry=new)
            node.set_label(self._label(new))
            node.allow_expand = new.state == "delta" and new.group == "events"
            changed.add(new.name)
        return changed

    def show_partitions(self, table: str, stats: pl.DataFrame) -> None:
        """Add the exchanges of ``table`` (each with its partition and hot counts)."""
        import polars as pl  # loaded with the statistics: a first paint has none

        self._stats[table] = stats
        unpartitioned = single_partition(stats.select("exchange").iter_rows(named=True))
        self.show_hot(table, hot=unpartitioned and bool(stats.get_column("hot").any()))
        node = self._table_node(table)
        if node is None:
            return
        if unpartitioned:
            node.allow_expand = False
            return
        if not node.allow_expand:
            return  # a table that is listed, not browsed (not an event table)
        node.remove_children()
        node.expand()
        per_exchange = (
            stats.group_by("exchange")
            .agg(partitions=pl.len(), hot=pl.col("hot").sum())
            .sort("exchange")
        )
        for exchange, partitions, hot in per_exchange.iter_rows():
            # The hot count first: a narrow tree cuts the end of a long name, never the mark.
            mark = (f"{HOT_MARK}{hot} ", "bold yellow") if hot else ""
            label = Text.assemble(mark, one_line(exchange))  # a value: shown, never obeyed
            label.append(f" ({count(partitions)})", style="dim")
            node.add(label, LakeNode("exchange", table=table, exchange=exchange))

    def show_hot(self, table: str, *, hot: bool) -> None:
        """Mark the unpartitioned ``table`` hot (its one partition is), or not."""
        if hot:
            self._hot_tables.add(table)
        else:
            self._hot_tables.discard(table)
        node = self._table_node(table)
        if node is not None and node.data is not None and node.data.entry is not None:
            node.set_label(self._label(node.data.entry))

    def show_health(self, table: str, findings: tuple[Finding, ...]) -> None:
        """Mark ``table`` with its error and warning counts from ``check``."""
        errors = sum(1 for f in findings if f.severity == "error")
        warnings = sum(1 for f in findings if f.severity == "warning")
        self._health[table] = (errors, warnings)
        node = self._table_node(table)
        if node is not None and node.data is not None and node.data.entry is not None:
            node.set_label(self._label(node.data.entry))

    def _label(self, entry: TableEntry) -> Text:
        label = _table_label(entry)
        if entry.name in self._hot_tables:
            label.append(f" {HOT_MARK}", style="bold yellow")
        errors, warnings = self._health.get(entry.name, (0, 0))
        if entry.state in ("delta", "empty") and errors:
            label.append(f" {ERROR_MARK}{errors}", style="bold red")
        elif entry.state in ("delta", "empty") and warnings:
            label.append(f" {WARNING_MARK}{warnings}", style="bold yellow")
        return label

    def resize(self, step: int, *, available: int) -> None:
        """Narrow (``step`` < 0) or widen the tree by ``WIDTH_STEP`` columns; show it if hidden.

        ``available`` is the screen's width: the tree leaves ``MIN_WIDTH`` of it to the detail.
        """
        if not self.display:
            self.display = True
            return
        set_width = self.styles.inline.width  # a key pressed before the last one is laid out
        now = self.outer_size.width if set_width is None else int(set_width.value)
        width = now + step * self.WIDTH_STEP
        width = max(self.MIN_WIDTH, min(width, available - self.MIN_WIDTH))
        self.styles.width = self.styles.min_width = self.styles.max_width = width

    def has_partitions(self, table: str) -> bool:
        return table in self._stats

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[LakeNode]) -> None:
        self._add_days(event.node)

    def _add_days(self, node: TreeNode[LakeNode]) -> None:
        """Give an exchange's node its trading dates (once its table's statistics are in)."""
        data = node.data
        if data is None or data.kind != "exchange" or node.children:
            return
        assert data.table is not None
        stats = self._stats.get(data.table)
        if stats is None:
            return
        days = stats.filter(exchange=data.exchange).sort("trading_date")
        for day, hot, files in days.select("trading_date", "hot", "files").iter_rows():
            label = Text(day.isoformat())
            if hot:
                label.append(f" {HOT_MARK}", style="bold yellow")
            label.append(f" {count(files)}f", style="dim")
            node.add_leaf(
                label,
                LakeNode("partition", table=data.table, exchange=data.exchange, trading_date=day),
            )

    def select_partition(self, table: str, exchange: str, trading_date: date) -> bool:
        """Move the cursor to a partition's node, expanding its table and exchange.

        Returns:
            Whether it did: ``False`` while the table's partitions are not in yet
            (``has_partitions``), or when the table has no such partition.
        """
        node = self._table_node(table)
        if node is None or table not in self._stats:
            return False
        node.expand()
        parent = next(
            (c for c in node.children if c.data is not None and c.data.exchange == exchange), None
        )
        if parent is None:
            return False
        self._add_days(parent)  # now: the expanded event comes later
        parent.expand()
        leaf = next(
            (c for c in parent.children if c.data and c.data.trading_date == trading_date), None
        )
        if leaf is None:
            return False
        _ = self.last_line  # lays out the lines, so that a node just added has its line
        self.move_cursor(leaf)
        self.scroll_to_node(leaf)
        return True

    def select_table(self, table: str) -> None:
        """Move the cursor to ``table``'s node."""
        node = self._table_node(table)
        if node is not None:
            _ = self.last_line  # lays out the lines, so that a node just added has its line
            self.move_cursor(node)
            self.scroll_to_node(node)

    def _table_nodes(self) -> list[TreeNode[LakeNode]]:
        return [t for g in self.root.children for t in g.children]

    def _table_node(self, table: str) -> TreeNode[LakeNode] | None:
        for node in self._table_nodes():
            if node.data is not None and node.data.table == table:
                return node
        return None


def _table_label(entry: TableEntry) -> Text:
    label = Text(one_line(entry.name))  # a folder name: its escapes shown, never obeyed
    if entry.state == "empty":
        label.append(" (empty)", style="dim")
    elif entry.state in ("not_delta", "damaged"):
        reason = "not Delta" if entry.state == "not_delta" else "damaged"
        label.append(f" {ERROR_MARK} {reason}", style="bold red")
    return label
