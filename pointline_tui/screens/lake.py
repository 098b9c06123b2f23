"""Main screen: the lake tree on the left, the selected node's detail on the right."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, Tree

from pointline_tui.lake.catalog import TableEntry
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.lake_detail import PARTITION_COLUMNS, Detail, build_detail
from pointline_tui.storage.models import Finding
from pointline_tui.widgets.frame_table import FrameTable
from pointline_tui.widgets.lake_tree import LakeNode, LakeTree

if TYPE_CHECKING:
    from pointline_tui.app import PointlineApp


class LakeScreen(Screen[None]):
    """Browse the lake: tables, partitions and their files."""

    CSS_PATH = "lake.tcss"
    BINDINGS = [
        Binding("h", "history", "History"),
        Binding("r", "refresh", "Refresh"),
        Binding("c", "compact", "Compact"),
        Binding("v", "vacuum", "Vacuum"),
        Binding("o", "remove_orphans", "Orphans", show=False),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("asterisk", "mark_hot", "Mark hot", key_display="*", show=False),
        Binding("u", "clear_marks", "Unmark", show=False),
        Binding("slash", "open_filter", "Filter", key_display="/", show=False),
        Binding("escape", "close_filter", "Clear filter", show=False),
        Binding("tab", "focus_next", "Switch pane", show=False),
    ]

    selected: reactive[LakeNode | None] = reactive(None)

    def __init__(self) -> None:
        super().__init__()
        self.marks: set[tuple[str, str, date]] = set()
        """Partitions marked for maintenance, as (table, exchange, trading_date)."""

    class CatalogLoaded(Message):
        """The lake's tables were listed (after a refresh: which tables changed)."""

        def __init__(
            self, entries: tuple[TableEntry, ...], refreshed: tuple[str, ...] | None = None
        ) -> None:
            super().__init__()
            self.entries = entries
            self.refreshed = refreshed

    class CatalogChecked(Message):
        """Every Delta log of the lake was opened: states and reasons are final."""

        def __init__(self, entries: tuple[TableEntry, ...]) -> None:
            super().__init__()
            self.entries = entries

    class HealthChecked(Message):
        """What ``check`` finds in a table's log (files are checked when it is opened)."""

        def __init__(self, table: str, findings: tuple[Finding, ...]) -> None:
            super().__init__()
            self.table = table
            self.findings = findings

    class HotPartitionsFound(Message):
        """The hot partitions of a table, for a compaction started from the palette."""

        def __init__(self, table: str, partitions: list[tuple[str, date]]) -> None:
            super().__init__()
            self.table = table
            self.partitions = partitions

    class PartitionsLoaded(Message):
        """A table's partition statistics arrived."""

        def __init__(self, table: str, stats: pl.DataFrame) -> None:
            super().__init__()
            self.table = table
            self.stats = stats

    class DetailLoaded(Message):
        """The detail of the selected node arrived."""

        def __init__(self, detail: Detail) -> None:
            super().__init__()
            self.detail = detail

    @property
    def lake_app(self) -> PointlineApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield LakeTree(id="lake-tree")
            with Vertical(id="detail"):
                yield Static(id="detail-title", markup=False)
                yield Static(id="detail-body", markup=False)
                yield Input(
                    placeholder="filter rows: text in any column (enter)", id="detail-filter"
                )
                yield FrameTable(PARTITION_COLUMNS, id="detail-table", marker=self._marker)
                yield Static(id="detail-status", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#detail-table").display = False
        self.query_one("#detail-filter").display = False
        self.query_one(LakeTree).focus()
        self._load_catalog()

    # -- loading (thread workers post messages; they never touch widgets) ---------------------

    @work(thread=True, exclusive=True, group="catalog", exit_on_error=False)
    def _load_catalog(self) -> None:
        # A folder listing paints the tree at once; opening every log (seconds on big
        # tables) follows, and marks damaged logs when it is done.
        reader = self.lake_app.reader
        self.post_message(self.CatalogLoaded(reader.catalog(open_tables=False)))
        entries = reader.catalog()
        self.post_message(self.CatalogChecked(entries))
        self._check_health(entries)

    def _check_health(self, entries: tuple[TableEntry, ...]) -> None:
        """Post every Delta table's log findings (runs inside a catalog worker)."""
        for entry in entries:
            if entry.state == "delta":
                findings = self.lake_app.reader.health(entry.name, scan_files=False)
                self.post_message(self.HealthChecked(entry.name, findings))

    @work(thread=True, group="partitions", exit_on_error=False)
    def _load_partitions(self, table: str) -> None:
        self.post_message(self.PartitionsLoaded(table, self.lake_app.reader.partition_stats(table)))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, node: LakeNode) -> None:
        self.post_message(self.DetailLoaded(build_detail(self.lake_app, node)))

    def on_worker_state_changed(self, event: Any) -> None:
        report_worker_error(self, event)

    # -- reacting ----------------------------------------------------------------------------

    def on_lake_screen_catalog_loaded(self, message: CatalogLoaded) -> None:
        tree = self.query_one(LakeTree)
        previous = self.selected
        expanded = tree.show_catalog(message.entries)
        for table in expanded:
            self._load_partitions(table)
        if message.refreshed is not None:
            changed = ", ".join(message.refreshed) or "no table"
            self.notify(f"Refreshed: new commits in {changed}", timeout=3, markup=False)
        if previous is None:
            self.selected = LakeNode("lake")
        elif previous.table is not None:
            # The rebuilt tree puts its cursor on top: once it has, back to the table.
            self.call_after_refresh(self._reselect, previous.table)
        else:
            self._load_detail(previous)

    def on_lake_screen_catalog_checked(self, message: CatalogChecked) -> None:
        changed = self.query_one(LakeTree).update_entries(message.entries)
        node = self.selected
        if node is not None and node.table in changed:
            self.selected = next(
                (
                    LakeNode("table", table=e.name, entry=e)
                    for e in message.entries
                    if e.name == node.table
                ),
                node,
            )

    def on_lake_screen_health_checked(self, message: HealthChecked) -> None:
        self.query_one(LakeTree).show_health(message.table, message.findings)

    def _reselect(self, table: str) -> None:
        self.query_one(LakeTree).select_table(table)
        if self.selected is not None and self.selected.table == table:
            self._load_detail(self.selected)  # an equal node does not fire the watcher

    def on_lake_screen_partitions_loaded(self, message: PartitionsLoaded) -> None:
        self.query_one(LakeTree).show_partitions(message.table, message.stats)

    def on_lake_screen_detail_loaded(self, message: DetailLoaded) -> None:
        detail = message.detail
        if detail.findings is not None and detail.node.table is not None:
            self.query_one(LakeTree).show_health(detail.node.table, detail.findings)
        if detail.node != self.selected:
            return  # the cursor moved on while this loaded
        self.query_one("#detail").loading = False
        self.query_one("#detail-title", Static).update(Text(detail.title, style="bold"))
        self.query_one("#detail-body", Static).update(detail.body)
        table = self.query_one(FrameTable)
        table.display = detail.frame is not None
        if detail.frame is not None:
            table.set_columns(list(detail.columns))
            table.show(detail.frame)
        self._update_status()

    @on(Tree.NodeHighlighted)
    def _node_highlighted(self, event: Tree.NodeHighlighted[LakeNode]) -> None:
        if event.node.data is not None:
            self.selected = event.node.data

    @on(Tree.NodeExpanded)
    def _node_expanded(self, event: Tree.NodeExpanded[LakeNode]) -> None:
        data = event.node.data
        tree = self.query_one(LakeTree)
        expandable = data is not None and data.kind == "table" and data.table
        if expandable and not tree.has_partitions(data.table):  # type: ignore[union-attr,arg-type]
            event.node.set_label(Text.assemble(event.node.label, (" …", "dim")))
            self._load_partitions(data.table)  # type: ignore[union-attr]

    def watch_selected(self, node: LakeNode | None) -> None:
        if node is None:
            return
        self.query_one(FrameTable).filter_text = ""  # a filter belongs to the list it was set on
        self.query_one("#detail-filter").display = False
        self.query_one("#detail").loading = True
        self._load_detail(node)

    @on(FrameTable.RowChosen)
    def _row_chosen(self, event: FrameTable.RowChosen) -> None:
        row, node = event.row, self.selected
        if node is None or "trading_date" not in row or row.get("exchange") is None:
            return
        self.selected = LakeNode(
            "partition",
            table=node.table,
            exchange=row["exchange"],
            trading_date=row["trading_date"],
        )

    def action_open_filter(self) -> None:
        table = self.query_one(FrameTable)
        if table.display:
            field = self.query_one("#detail-filter", Input)
            field.display = True
            field.value = table.filter_text
            field.focus()

    @on(Input.Submitted, "#detail-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        table = self.query_one(FrameTable)
        table.set_filter(event.value)
        event.input.display = bool(table.filter_text)  # stays visible while it filters
        table.focus()
        self._update_status()

    def action_close_filter(self) -> None:
        field = self.query_one("#detail-filter", Input)
        table = self.query_one(FrameTable)
        field.display = False
        if table.filter_text:
            table.set_filter("")
            self._update_status()
        if field.has_focus:
            table.focus()

    def on_data_table_row_highlighted(self) -> None:
        self._update_status()

    def _update_status(self) -> None:
        table = self.query_one(FrameTable)
        status = table.page_label if table.display else ""
        if table.display and table.filter_text:
            status += f" · filter {table.filter_text!r} ({table.source.height:,} in all)"
        if table.display and table.pages > 1:
            status += "  ([ ] page)"
        if self.marks:
            tables = sorted({t for t, _, _ in self.marks})
            status += f"  · {len(self.marks)} marked in {', '.join(tables)}"
        self.query_one("#detail-status", Static).update(status)

    # -- marks and maintenance ---------------------------------------------------------------

    def _marker(self, row: dict[str, Any]) -> str:
        node = self.selected
        if node is None or node.table is None or row.get("trading_date") is None:
            return ""
        key = (node.table, row.get("exchange"), row.get("trading_date"))
        return "●" if key in self.marks else ("▲" if row.get("hot") else "")

    def _listed_partitions(self) -> pl.DataFrame | None:
        """The partition list on show, if the detail pane shows one."""
        table = self.query_one(FrameTable)
        node = self.selected
        if node is None or node.kind not in ("table", "exchange") or not table.display:
            return None
        if "trading_date" not in table.frame.columns or "hot" not in table.frame.columns:
            return None
        return table.frame.filter(pl.col("trading_date").is_not_null())

    def action_toggle_mark(self) -> None:
        row = self.query_one(FrameTable).current_row()
        node = self.selected
        if self._listed_partitions() is None or row is None or node is None or not node.table:
            return
        key = (node.table, row["exchange"], row["trading_date"])
        self.marks.symmetric_difference_update({key})
        self._after_marks()

    def action_mark_hot(self) -> None:
        listed, node = self._listed_partitions(), self.selected
        if listed is None or node is None or not node.table:
            self.notify("Select a table or exchange to mark its hot partitions")
            return
        hot = listed.filter("hot").select("exchange", "trading_date").rows()
        self.marks.update((node.table, ex, day) for ex, day in hot)
        self.notify(f"Marked {len(hot)} hot partition(s) of {node.table}", markup=False)
        self._after_marks()

    def action_clear_marks(self) -> None:
        self.marks.clear()
        self._after_marks()

    def _after_marks(self) -> None:
        self.query_one(FrameTable).refresh_marks()
        self._update_status()

    def _scope(self) -> tuple[str, list[tuple[str, date]]] | None:
        """The table and partitions an action applies to: the marks, else the selection."""
        node = self.selected
        if node is None or node.table is None:
            return None
        marked = sorted((ex, day) for t, ex, day in self.marks if t == node.table)
        if marked:
            return node.table, marked
        if node.kind == "partition" and node.exchange and node.trading_date:
            return node.table, [(node.exchange, node.trading_date)]
        listed = self._listed_partitions()
        if listed is not None:
            return node.table, [
                (ex, d) for ex, d in listed.select("exchange", "trading_date").rows()
            ]
        return node.table, []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only: no write action is offered, not even greyed out.
        writes = action in ("compact", "vacuum", "toggle_mark", "mark_hot")
        return not (writes and self.lake_app.read_only)

    def action_compact(self) -> None:
        scope = self._scope()
        if scope is None or not scope[1]:
            self.notify("Select an event table, exchange or partition (or mark partitions)")
            return
        self._plan_compaction(*scope)

    def _plan_compaction(self, table: str, partitions: list[tuple[str, date]]) -> None:
        from pointline_tui.screens.compact import CompactPlanScreen, CompactProgressScreen

        def confirmed(request: Any) -> None:
            if request is not None:
                self.app.push_screen(CompactProgressScreen(request), self._after_maintenance)

        self.app.push_screen(CompactPlanScreen(table, partitions), confirmed)

    def compact_hot(self, table: str) -> None:
        """Plan the compaction of ``table``'s hot partitions (once its statistics are in)."""
        self._find_hot(table)

    @work(thread=True, exclusive=True, group="hot", exit_on_error=False)
    def _find_hot(self, table: str) -> None:
        stats = self.lake_app.reader.partition_stats(table).filter("hot")
        hot = [(ex, day) for ex, day in stats.select("exchange", "trading_date").iter_rows()]
        self.post_message(self.HotPartitionsFound(table, hot))

    def on_lake_screen_hot_partitions_found(self, message: HotPartitionsFound) -> None:
        if message.partitions:
            self._plan_compaction(message.table, message.partitions)
        else:
            self.notify(f"{message.table} has no hot partition", markup=False)

    def action_vacuum(self) -> None:
        node = self.selected
        if node is None or node.table is None:
            self.notify("Select a table (or mark partitions) to vacuum")
            return
        marked = sorted((ex, day) for t, ex, day in self.marks if t == node.table)
        self.vacuum(node.table, marked or None)

    def vacuum(self, table: str, partitions: list[tuple[str, date]] | None = None) -> None:
        """Open the vacuum dry run of ``table`` (or of its ``partitions``); refresh after."""
        from pointline_tui.screens.vacuum import VacuumScreen

        self.app.push_screen(VacuumScreen(table, partitions), self._after_maintenance)

    def action_remove_orphans(self) -> None:
        node = self.selected
        if node is None or node.table is None:
            self.notify("Select a table to list its orphaned files")
            return
        from pointline_tui.screens.orphans import OrphansScreen

        self.app.push_screen(OrphansScreen(node.table), self._after_maintenance)

    def _after_maintenance(self, changed: bool | None) -> None:  # noqa: FBT001 - a callback
        if changed:
            self.marks.clear()
            self.action_refresh()

    # -- actions -----------------------------------------------------------------------------

    def select_table(self, table: str) -> None:
        """Move the tree cursor to ``table`` (its detail follows)."""
        self.query_one(LakeTree).select_table(table)

    def action_refresh(self) -> None:
        self._refresh()

    @work(thread=True, exclusive=True, group="catalog", exit_on_error=False)
    def _refresh(self) -> None:
        changed = self.lake_app.reader.refresh()
        entries = self.lake_app.reader.catalog()
        self.post_message(self.CatalogLoaded(entries, changed))
        self._check_health(entries)

    def action_history(self) -> None:
        node = self.selected
        if node is None or node.table is None:
            self.notify("Select a table to see its history", severity="warning")
            return
        self.lake_app.show_history(node.table)
