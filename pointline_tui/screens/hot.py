"""Every hot partition of every event table, worst first: mark them and plan their compaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState, get_current_worker

from pointline_tui.context import lake_context, navigator
from pointline_tui.formatting import iso_date, short_age, short_bytes, short_count
from pointline_tui.lake.hot import hot_partitions
from pointline_tui.lake.plan import PartitionKey
from pointline_tui.lake.thresholds import HOT_MIN_SMALL_FILES, SMALL_FILE_BYTES
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.keys import QUIET_VIEW_KEYS
from pointline_tui.screens.lake_scope import MARKED, Mark
from pointline_tui.storage.models import StorageError
from pointline_tui.text import one_line, short_error
from pointline_tui.widgets.frame_table import Column, FrameTable
from pointline_tui.widgets.lake_tree import HOT_MARK

if TYPE_CHECKING:
    from pointline_tui.lake.table_loads import FilesLoad

# Figures in at most four characters, so that every column shows at 80 columns.
HOT_COLUMNS = [
    Column("table", "table", key=True),
    Column("exchange", "exchange", key=True),
    Column("trading_date", "date", iso_date, key=True),
    Column("small_files", "small", short_count, numeric=True),
    Column("files", "files", short_count, numeric=True),
    Column("bytes", "bytes", short_bytes, numeric=True),
    Column("age_s", "age", short_age, numeric=True),
]
HOT_RULE = f"{HOT_MIN_SMALL_FILES}+ files under {SMALL_FILE_BYTES // 2**20} MiB"
"""What makes a partition hot, in words."""

Plan = tuple[str, list[PartitionKey]]
"""One table's partitions to plan the compaction of."""


class HotScreen(Screen[None]):
    """The hot partitions of every event table, worst first; ``c`` plans them table by table."""

    CSS_PATH = "hot.tcss"
    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", key_display="space"),
        Binding("c", "compact", "Compact"),
        Binding("r", "refresh", "Refresh"),
        Binding("escape", "app.pop_screen", "Back"),
        Binding("asterisk", "mark_all", "Mark all", key_display="*", show=False),
        Binding("u", "clear_marks", "Unmark", show=False),
        *QUIET_VIEW_KEYS,
    ]

    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))
    """What the ages are counted to; pictures of the screen pass a still one."""

    class ScanStarted(Message):
        """The event tables to read were listed."""

        def __init__(self, scan: int, tables: tuple[str, ...]) -> None:
            super().__init__()
            self.scan = scan
            self.tables = tables

    class TableRead(Message):
        """One table's partition statistics arrived (or the reason they could not be read)."""

        def __init__(
            self,
            scan: int,
            table: str,
            stats: pl.DataFrame | None,
            *,
            error: str | None = None,
            loaded_by: FilesLoad | None = None,
        ) -> None:
            super().__init__()
            self.scan = scan
            self.table = table
            self.stats = stats
            self.error = error
            self.loaded_by = loaded_by

    class ScanFinished(Message):
        """Every event table was read."""

        def __init__(self, scan: int) -> None:
            super().__init__()
            self.scan = scan

    def __init__(self) -> None:
        super().__init__()
        self.marks: set[Mark] = set()
        """Partitions marked for compaction."""
        self.stats: dict[str, pl.DataFrame] = {}
        """Each event table's statistics, as last read in full."""
        self.hot = hot_partitions({})
        """What the list shows: ``hot_partitions`` of the statistics read so far."""
        self.tables: tuple[str, ...] = ()
        self.scanning = False
        self._scan_id = 0
        self._reading: dict[str, pl.DataFrame] = {}
        self._loads: dict[str, FilesLoad | None] = {}
        self._unreadable: dict[str, str] = {}
        self._queue: list[Plan] = []
        self._changed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="hot-title", markup=False)
        yield Static(id="hot-progress", markup=False)
        yield FrameTable(HOT_COLUMNS, marker=self._marker, id="hot-table")
        yield Static(id="hot-empty", markup=False)
        yield Static(id="hot-status", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#hot-empty").display = False
        self.query_one(FrameTable).focus()
        self._start_scan(refresh=False)

    # -- reading, table by table (the worker only posts messages) -----------------------------

    def _start_scan(self, *, refresh: bool) -> None:
        self._scan_id += 1
        self.scanning = True
        self._reading, self._loads, self._unreadable = {}, {}, {}
        self.query_one("#hot-progress", Static).update("listing the event tables…")
        self._scan(self._scan_id, refresh=refresh)

    @work(thread=True, exclusive=True, group="hot-partitions", exit_on_error=False)
    def _scan(self, scan: int, *, refresh: bool) -> None:
        reader = lake_context(self).reader
        if refresh:
            reader.refresh()  # reads only the commits made since
        entries = reader.catalog(open_tables=False)
        tables = tuple(e.name for e in entries if e.group == "events" and e.state == "delta")
        self.post_message(self.ScanStarted(scan, tables))
        worker = get_current_worker()
        for table in tables:
            if worker.is_cancelled:  # the screen closed, or a newer scan replaced this one
                return
            try:
                stats = reader.partition_stats(table)
            except StorageError as err:  # one unreadable table hides none of the others
                self.post_message(self.TableRead(scan, table, None, error=short_error(err)))
                continue
            self.post_message(self.TableRead(scan, table, stats, loaded_by=reader.last_load(table)))
        self.post_message(self.ScanFinished(scan))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
        if event.state == WorkerState.ERROR and event.worker.group == "hot-partitions":
            self.scanning = False  # the lake could not be listed: no table will come
            self.query_one("#hot-progress", Static).update("the lake could not be read (E: why)")

    def on_hot_screen_scan_started(self, message: ScanStarted) -> None:
        if message.scan == self._scan_id:
            self.tables = message.tables
            self._show_progress()

    def on_hot_screen_table_read(self, message: TableRead) -> None:
        if message.scan != self._scan_id:
            return  # an older scan's answer
        if message.stats is None:
            self._unreadable[message.table] = message.error or "cannot be read"
        else:
            self._reading[message.table] = message.stats
            self._loads[message.table] = message.loaded_by
        self._show_progress()
        # Tables not read again yet keep their last figures until they are.
        self._show({**self.stats, **self._reading})

    def on_hot_screen_scan_finished(self, message: ScanFinished) -> None:
        if message.scan != self._scan_id:
            return
        self.scanning = False
        self.stats = self._reading
        self._show_progress()
        self._show(self.stats)

    # -- showing ------------------------------------------------------------------------------

    def _show(self, stats: dict[str, pl.DataFrame]) -> None:
        self.hot = hot_partitions(stats)
        listed = {(t, ex, day) for t, ex, day in self.hot.select(_KEY).iter_rows()}
        self.marks &= listed  # a mark on a partition no longer hot goes with it
        now = self.clock()
        age = (pl.lit(now, dtype=pl.Datetime("us", "UTC")) - pl.col("last_modified")).alias("age_s")
        frame = self.hot.with_columns(age.dt.total_seconds())
        table = self.query_one(FrameTable)
        table.show(frame, keep_page=True)
        empty = self.hot.is_empty() and not self.scanning
        table.display = not empty
        notice = self.query_one("#hot-empty", Static)
        notice.display = empty
        notice.update(self._empty_sentence())
        count = self.hot.height
        in_tables = self.hot.get_column("table").n_unique()
        self.query_one("#hot-title", Static).update(
            Text(
                f"Hot partitions: {count} in {in_tables} table(s), worst first ({HOT_RULE})",
                style="bold",
            )
        )
        self._show_status()

    def _empty_sentence(self) -> str:
        if not self.tables:
            return "The lake has no event table, so no partition to compact."
        unreadable = f" ({len(self._unreadable)} could not be read)" if self._unreadable else ""
        return (
            f"No hot partition: no partition of the {len(self.tables)} event table(s)"
            f"{unreadable} has {HOT_RULE}. Nothing needs compacting."
        )

    def _show_progress(self) -> None:
        done = len(self._reading) + len(self._unreadable)
        total = len(self.tables)
        if self.scanning:
            text = f"reading the event tables: {done} of {total}…"
        else:
            text = f"{total} event table(s) read"
            if lake_context(self).reader.cache is not None:
                cached = sum(1 for how in self._loads.values() if how in ("cache", "incremental"))
                text += f", {cached} from the statistics cache"
        for table, error in self._unreadable.items():
            text += f"\n✗ {one_line(table)}: {one_line(error)}"
        self.query_one("#hot-progress", Static).update(text)

    def _show_status(self) -> None:
        plans = self._plans()
        partitions = sum(len(keys) for _, keys in plans)
        what = f"{len(self.marks)} marked" if self.marks else f"all {partitions}"
        status = (
            f"c plans {what} in {', '.join(one_line(t) for t, _ in plans)}, table by table"
            if plans
            else ""
        )
        self.query_one("#hot-status", Static).update(status)
        self.refresh_bindings()

    def _marker(self, row: dict[str, Any]) -> str:
        marked = (row["table"], row["exchange"], row["trading_date"]) in self.marks
        return (MARKED if marked else "") + HOT_MARK

    # -- marks --------------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        row = self.query_one(FrameTable).current_row()
        if row is not None:
            self.marks.symmetric_difference_update(
                {(row["table"], row["exchange"], row["trading_date"])}
            )
            self._after_marks()

    def action_mark_all(self) -> None:
        self.marks.update(self.hot.select(_KEY).iter_rows())
        self._after_marks()

    def action_clear_marks(self) -> None:
        self.marks.clear()
        self._after_marks()

    def _after_marks(self) -> None:
        self.query_one(FrameTable).refresh_marks()
        self._show_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_mark", "mark_all", "compact"):
            return not self.hot.is_empty()
        if action == "clear_marks":
            return bool(self.marks)
        return True

    # -- compaction, one table's plan after another -------------------------------------------

    def _plans(self) -> list[Plan]:
        """The marked partitions (else every one listed) by table, worst table first."""
        plans: dict[str, list[PartitionKey]] = {}
        for table, exchange, day in self.hot.select(_KEY).iter_rows():
            if not self.marks or (table, exchange, day) in self.marks:
                plans.setdefault(table, []).append((exchange, day))
        return list(plans.items())

    def action_compact(self) -> None:
        self._queue = self._plans()
        self._changed = False
        if len(self._queue) > 1:
            names = ", ".join(one_line(table) for table, _ in self._queue)
            self.notify(
                f"{len(self._queue)} plans, one table after another: {names} "
                "(escape skips a table)",
                markup=False,
                timeout=4,
            )
        self._plan_next()

    def _plan_next(self) -> None:
        if self._queue:
            table, keys = self._queue.pop(0)
            navigator(self).plan_compaction(table, keys, then=self._planned)

    def _planned(self, changed: bool) -> None:  # noqa: FBT001 - a callback
        """A plan was cancelled or its run closed: on to the next table, else reload."""
        self._changed = self._changed or changed
        if self._queue:
            self._plan_next()
        elif self._changed:
            self.marks.clear()
            self.action_refresh()

    def action_refresh(self) -> None:
        self._start_scan(refresh=True)

    @on(FrameTable.RowChosen)
    def _row_chosen(self, event: FrameTable.RowChosen) -> None:
        navigator(self).show_table(event.row["table"])


_KEY = ["table", "exchange", "trading_date"]
