"""Main screen: the lake tree on the left, the selected node's detail on the right."""

from __future__ import annotations

import threading
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, Tree
from textual.worker import Worker

from pointline_tui.context import lake_context, navigator
from pointline_tui.lake.cached_lake import cached_lake
from pointline_tui.lake.catalog import LakeCatalog, TableEntry
from pointline_tui.screens import lake_scope as scope
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.keys import QUIET_VIEW_KEYS
from pointline_tui.screens.lake_detail import (
    PARTITION_COLUMNS,
    Detail,
    build_detail,
    detail_findings,
    overview_detail,
)
from pointline_tui.screens.lake_messages import (
    CatalogChecked,
    CatalogLoaded,
    DetailChecked,
    DetailLoaded,
    HealthChecked,
    HotPartitionsFound,
    OverviewCached,
    PartitionsLoaded,
)
from pointline_tui.screens.lake_scope import WHOLE_TABLE, Mark, ReturnPoint
from pointline_tui.text import one_line
from pointline_tui.widgets.filter_input import FilterInput
from pointline_tui.widgets.frame_table import FrameTable
from pointline_tui.widgets.lake_tree import LakeNode, LakeTree

if TYPE_CHECKING:
    import polars as pl


class PartitionTable(FrameTable):
    """The lake's partition list: while it has the focus, the footer leaves out ``m`` and ``q``.

    They still work (the help lists them); without them the list's keys and the app's
    ``? Help`` fit 60 columns.
    """

    BINDINGS = [*QUIET_VIEW_KEYS]


class LakeScreen(Screen[None]):
    """Browse the lake: tables, partitions and their files."""

    CSS_PATH = "lake.tcss"
    BINDINGS = [
        Binding("h", "history", "History"),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("c", "compact", "Compact"),
        Binding("v", "vacuum", "Vacuum"),
        Binding("escape", "close_filter", "Clear"),
        Binding("escape", "back", "Back"),  # check_action picks one of the two
        Binding("o", "remove_orphans", "Orphans", show=False),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("asterisk", "mark_hot", "Mark hot", key_display="*", show=False),
        Binding("u", "clear_marks", "Unmark", show=False),
        Binding("slash", "open_filter", "Filter", key_display="/", show=False),
        Binding("less_than_sign", "tree_width(-1)", "Narrow tree", key_display="<", show=False),
        Binding("greater_than_sign", "tree_width(1)", "Widen tree", key_display=">", show=False),
        Binding("backslash", "toggle_tree", "Hide tree", key_display="\\", show=False),
        Binding("z", "toggle_sizes", "Sizes", show=False),
        Binding("g", "heat_map", "Heat map", show=False),
        Binding("p", "rows", "Rows", show=False),
    ]

    selected: reactive[LakeNode | None] = reactive(None)

    def __init__(self) -> None:
        super().__init__()
        self.marks: set[Mark] = set()
        """Partitions marked for maintenance."""
        self.detail: Detail | None = None
        """The detail on show (its frame is the list's source)."""
        self._return_to: ReturnPoint | None = None
        self.show_sizes = False
        """Whether the detail shows the file-size histogram in place of the summary (``z``)."""
        self._pending_partition: tuple[str, str, date] | None = None
        """A partition to select once its table's partitions are in (``select_partition``)."""
        self._cache_read = threading.Event()
        """Set once the first listing has shown what the cache holds (details wait for it)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield LakeTree(id="lake-tree")
            with Vertical(id="detail"):
                yield Static(id="detail-title", markup=False)
                yield Static(id="detail-body", markup=False)
                yield PartitionTable(PARTITION_COLUMNS, id="detail-table", marker=self._marker)
                # After the list: Tab goes tree -> list -> filter (when shown) -> tree.
                yield FilterInput(
                    placeholder="filter: text in any column (enter)",
                    id="detail-filter",
                    compact=True,
                )
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
        # A folder listing paints the tree at once (before the reader, which loads polars, is
        # made); over an unchanged lake, the overview and log checks the cache holds follow
        # before polars' import starts (``_cache_read``: an import holds the interpreter, and
        # would hold them up). Opening every log (seconds on big tables) follows and marks
        # damage.
        context = lake_context(self)
        try:
            listed = LakeCatalog(context.silver_root).tables(open_tables=False)
            self.post_message(CatalogLoaded(listed))
            folder = context.cache_folder
            cached = None if folder is None else cached_lake(context.silver_root, folder, listed)
            if cached is not None:
                detail = overview_detail(LakeNode("lake"), cached.overview)
                self.post_message(OverviewCached(detail, cached.hot_tables))
                for name, findings in cached.findings.items():
                    self.post_message(HealthChecked(name, findings))
        finally:
            self._cache_read.set()
        reader = context.reader
        entries = reader.catalog(save=False)  # the figures first, then the cache files
        self.post_message(CatalogChecked(entries))
        self._check_tables(entries)
        reader.save()

    def _check_tables(self, entries: tuple[TableEntry, ...]) -> None:
        """Post every Delta table's log findings, and the statistics of the unpartitioned ones.

        Runs inside a catalog worker. An unpartitioned table is one partition, hot or not.
        """
        reader = lake_context(self).reader
        for entry in entries:
            if entry.state == "delta":
                findings = reader.health(entry.name, scan_files=False)
                self.post_message(HealthChecked(entry.name, findings))
                if entry.group != "events":
                    self.post_message(
                        PartitionsLoaded(entry.name, reader.partition_stats(entry.name))
                    )

    @work(thread=True, group="partitions", exit_on_error=False)
    def _load_partitions(self, table: str) -> None:
        stats = lake_context(self).reader.partition_stats(table)
        self.post_message(PartitionsLoaded(table, stats))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, node: LakeNode) -> None:
        # Figures first; the check, which walks the table's folders, follows.
        self._cache_read.wait()
        reader = lake_context(self).reader
        detail = build_detail(reader, node)
        self.post_message(DetailLoaded(detail))
        if detail.checks_health:
            self.post_message(DetailChecked(detail, detail_findings(reader, node)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
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
        entry = next((e for e in message.entries if node and e.name == node.table), None)
        if entry is not None and entry.name in changed:
            self.selected = LakeNode("table", table=entry.name, entry=entry)

    def on_lake_screen_health_checked(self, message: HealthChecked) -> None:
        self.query_one(LakeTree).show_health(message.table, message.findings)

    def _reselect(self, table: str) -> None:
        self.query_one(LakeTree).select_table(table)
        if self.selected is not None and self.selected.table == table:
            self._load_detail(self.selected)  # an equal node does not fire the watcher

    def on_lake_screen_partitions_loaded(self, message: PartitionsLoaded) -> None:
        tree = self.query_one(LakeTree)
        tree.show_partitions(message.table, message.stats)
        pending = self._pending_partition
        if pending is not None and pending[0] == message.table:
            self._pending_partition = None
            tree.select_partition(*pending)

    def on_lake_screen_detail_checked(self, message: DetailChecked) -> None:
        table = message.detail.node.table
        if table is not None:
            self.query_one(LakeTree).show_health(table, message.findings)
        if self.detail is not message.detail:
            return  # another detail is on show now (the cursor moved, or a refresh)
        self.detail = message.detail.with_findings(message.findings)
        self._show_body()

    def on_lake_screen_overview_cached(self, message: OverviewCached) -> None:
        if self.detail is None:  # the reader's overview, which lists the tables, comes later
            tree = self.query_one(LakeTree)
            for table in message.hot_tables:
                tree.show_hot(table, hot=True)
            self._show_detail(message.detail)

    def on_lake_screen_detail_loaded(self, message: DetailLoaded) -> None:
        self._show_detail(message.detail)

    def _show_detail(self, detail: Detail) -> None:
        if detail.node != self.selected:
            return  # the cursor moved on while this loaded
        self.detail = detail
        self.query_one("#detail").loading = False
        self._show_body()
        table = self.query_one(FrameTable)
        table.display = detail.frame is not None
        if detail.frame is not None:
            table.set_columns(list(detail.columns))
            point = self._return_to
            if point is not None and point.node == detail.node:  # back from a partition
                self._return_to = None
                exchange, day = point.partition
                table.show_as(
                    detail.frame,
                    point.filter_text,
                    point.sort_order,
                    exchange=exchange,
                    trading_date=day,
                )
                field = self.query_one("#detail-filter", Input)
                field.value, field.display = point.filter_text, bool(point.filter_text)
            else:
                table.show(detail.frame)
        self._update_status()

    def _show_body(self) -> None:
        """The detail's title and body: its summary, or (``z``) its file-size histogram."""
        detail = self.detail
        if detail is None:
            return
        sizes = detail.sizes if self.show_sizes else None
        title = Text(one_line(detail.title), style="bold")  # names from the lake: never obeyed
        if sizes is not None:
            title.append(" · file sizes", style="dim")
        self.query_one("#detail-title", Static).update(title)
        self.query_one("#detail-body", Static).update(sizes or detail.body)

    @on(Tree.NodeHighlighted)
    def _node_highlighted(self, event: Tree.NodeHighlighted[LakeNode]) -> None:
        if event.node.data is not None:
            if self._return_to is not None and self._return_to.node != event.node.data:
                self._return_to = None  # the tree moved on: no partition to come back from
            self.selected = event.node.data

    @on(Tree.NodeExpanded)
    def _node_expanded(self, event: Tree.NodeExpanded[LakeNode]) -> None:
        data = event.node.data
        if data is None or data.kind != "table" or not data.table:
            return
        if not self.query_one(LakeTree).has_partitions(data.table):
            event.node.set_label(Text.assemble(event.node.label, (" …", "dim")))
            self._load_partitions(data.table)

    def watch_selected(self, node: LakeNode | None) -> None:
        if node is None:
            return
        self.query_one(FrameTable).filter_text = ""  # a filter belongs to the list it was set on
        self.query_one("#detail-filter").display = False
        self.query_one("#detail").loading = True
        self._load_detail(node)
        self.refresh_bindings()

    @on(FrameTable.RowChosen)
    def _row_chosen(self, event: FrameTable.RowChosen) -> None:
        row, node, listed = event.row, self.selected, self._listed_partitions()
        if node is None or listed is None or not scope.is_partition_row(self.detail, row):
            return
        table = self.query_one(FrameTable)
        key = (row["exchange"], row["trading_date"])
        self._return_to = ReturnPoint(node, key, table.filter_text, table.sorting)
        self.selected = LakeNode(
            "partition", table=node.table, exchange=key[0], trading_date=key[1]
        )

    def action_back(self) -> None:
        """From a partition's files back to the list it is in, the cursor on its row."""
        node, tree = self.selected, self.query_one(LakeTree)
        if node is None or node.kind != "partition":
            return
        key = (node.exchange, node.trading_date)
        point = self._return_to
        if point is not None and point.partition == key and point.node.table == node.table:
            self.selected = point.node
            return
        cursor = tree.cursor_node  # the tree chose the partition: back to its exchange
        parent = None if cursor is None or cursor.data != node else cursor.parent
        if parent is not None and parent.data is not None:
            self._return_to = ReturnPoint(parent.data, key)
            tree.move_cursor(parent)

    def action_open_filter(self) -> None:
        table = self.query_one(FrameTable)
        if table.display:
            field = self.query_one("#detail-filter", Input)
            field.display = True
            field.value = table.filter_text
            # At once (``focus()`` waits a moment): keys typed right after "/" ("/okx" sent
            # in one go) meet a focused field, so that no one-letter key ("o") runs.
            self.set_focus(field)
            self.refresh_bindings()

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
        if field.has_focus or self.focused is None:
            table.focus()
        self.refresh_bindings()

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
        self.refresh_bindings()

    # -- the tree's width --------------------------------------------------------------------

    def action_tree_width(self, step: int) -> None:
        """Narrow (``step`` -1) or widen (+1) the tree, showing it if it was hidden."""
        self.query_one(LakeTree).resize(step, available=self.size.width)

    def action_toggle_tree(self) -> None:
        tree, table = self.query_one(LakeTree), self.query_one(FrameTable)
        tree.display = not tree.display
        if not tree.display and (tree.has_focus or self.focused is None) and table.display:
            table.focus()
        elif tree.display and self.focused is None:
            tree.focus()

    # -- marks and maintenance ---------------------------------------------------------------

    def _marker(self, row: dict[str, Any]) -> str:
        return scope.marker(self.marks, self.detail, row)

    def _listed_partitions(self) -> pl.DataFrame | None:
        """The partition list on show (as filtered), if the detail pane shows one."""
        if self.detail is None or not self.query_one(FrameTable).display:
            return None
        return scope.listed_partitions(self.detail, self.selected, self.query_one(FrameTable).frame)

    def action_toggle_mark(self) -> None:
        row = self.query_one(FrameTable).current_row()
        node = self.selected
        if self._listed_partitions() is None or row is None or node is None or not node.table:
            return
        if scope.is_partition_row(self.detail, row):
            self.marks.symmetric_difference_update(
                {(node.table, row["exchange"], row["trading_date"])}
            )
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        fields = self.query("#detail-filter")
        filtering = bool(fields) and fields.first().display
        # Asked for every key at every refresh of the footer: filter the list only when it counts.
        listed = self._listed_partitions() if action in scope.ON_THE_LIST else None
        return scope.offered(action, self.marks, self.selected, listed, filtering=filtering)

    def action_compact(self) -> None:
        applies = scope.action_scope(self.marks, self.selected, self._listed_partitions())
        if applies is not None and applies[1]:
            navigator(self).plan_compaction(*applies)

    def compact_hot(self, table: str) -> None:
        """Plan the compaction of ``table``'s hot partitions (once its statistics are in)."""
        self._find_hot(table)

    @work(thread=True, exclusive=True, group="hot", exit_on_error=False)
    def _find_hot(self, table: str) -> None:
        stats = lake_context(self).reader.partition_stats(table).filter("hot")
        hot = [(ex, day) for ex, day in stats.select("exchange", "trading_date").iter_rows()]
        self.post_message(HotPartitionsFound(table, hot))

    def on_lake_screen_hot_partitions_found(self, message: HotPartitionsFound) -> None:
        if message.partitions:
            navigator(self).plan_compaction(message.table, message.partitions)
        else:
            self.notify(f"{message.table} has no hot partition", markup=False)

    def action_vacuum(self) -> None:
        table = scope.delta_table(self.selected)
        if table is not None:
            # Marks narrow a vacuum to their partitions; an unpartitioned table is vacuumed whole.
            marked = [key for key in scope.marked(self.marks, table) if key != WHOLE_TABLE]
            navigator(self).vacuum_dry_run(table, marked or None)

    def action_remove_orphans(self) -> None:
        table = scope.delta_table(self.selected)
        if table is not None:
            navigator(self).remove_orphans(table)

    def after_maintenance(self, *, changed: bool) -> None:
        """A compaction, vacuum or orphan removal closed: if it changed the lake, reload."""
        if changed:
            self.marks.clear()
            self.action_refresh()

    # -- actions -----------------------------------------------------------------------------

    def select_table(self, table: str) -> None:
        """Move the tree cursor to ``table`` (its detail follows)."""
        self.query_one(LakeTree).select_table(table)

    def select_partition(self, table: str, exchange: str, trading_date: date) -> None:
        """Move the tree cursor to a partition (once its table's partitions are in)."""
        tree = self.query_one(LakeTree)
        if tree.select_partition(table, exchange, trading_date):
            return
        if not tree.has_partitions(table):
            self._pending_partition = (table, exchange, trading_date)
            self._load_partitions(table)
        tree.select_table(table)

    # -- pictures and rows -------------------------------------------------------------------

    def action_toggle_sizes(self) -> None:
        """Show the file-size histogram in place of the summary, or the summary again."""
        self.show_sizes = not self.show_sizes
        self._show_body()

    def action_heat_map(self) -> None:
        table = scope.delta_table(self.selected)
        if table is None:
            self.notify("Select a table to see its small files by exchange and date")
        elif (
            self.detail is not None
            and self.detail.node.table == table
            and not (self.detail.partitioned)
        ):
            self.notify(f"{table} is not partitioned by exchange and date", markup=False)
        else:
            navigator(self).show_heat_map(table)

    def action_rows(self) -> None:
        """The rows of the selected partition, of the list's highlighted one, or of the table."""
        node, row = self.selected, self.query_one(FrameTable).current_row()
        partition = scope.rows_scope(
            self.detail, node, row if self._listed_partitions() is not None else None
        )
        if node is None or node.table is None or partition is None:
            self.notify("Select a partition (or an unpartitioned table) to see its rows")
            return
        navigator(self).show_rows(node.table, partition)

    def action_refresh(self) -> None:
        # The figures on show are old until the reload is in: say so.
        self.query_one("#detail").loading = True
        self._refresh()

    @work(thread=True, exclusive=True, group="catalog", exit_on_error=False)
    def _refresh(self) -> None:
        reader = lake_context(self).reader
        changed = reader.refresh(save=False)  # the figures first, then the cache files
        entries = reader.catalog()
        self.post_message(CatalogLoaded(entries, changed))
        self._check_tables(entries)
        reader.save()

    def action_history(self) -> None:
        table = scope.delta_table(self.selected)
        if table is not None:
            navigator(self).show_history(table)
