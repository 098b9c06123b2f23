"""A table's Delta commits: version, time, operation, parameters, metrics and who ran it.

From here an operator looks inside the versions: a commit's changes (Enter), two versions
compared (mark two with space, then ``d``), the table as of a version (``a``), a restore
to a version (``b``) and, for ``dim_symbol``, its symbols' changes (``c``).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from pointline_tui.context import lake_context, navigator
from pointline_tui.formatting import count, utc_time
from pointline_tui.lake.history import HistoryEntry
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.keys import QUIET_VIEW_KEYS
from pointline_tui.screens.version_text import commit_detail, operation, who
from pointline_tui.storage.schemas import DIM_SYMBOL
from pointline_tui.widgets.frame_table import Column, FrameTable

COLUMNS = [
    Column("version", "ver", count, numeric=True),
    Column("timestamp", "time (UTC)", utc_time),
    Column("operation", "operation"),
    Column("who", "by"),
    Column("summary", "summary"),
]
MARK = "●"


class HistoryScreen(Screen[None]):
    """The Delta history of one table, newest first, and the way into its versions."""

    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("d", "diff", "Diff"),
        Binding("a", "as_of", "As of"),
        Binding("b", "restore", "Restore"),
        Binding("c", "symbol_changes", "Symbols"),
        *QUIET_VIEW_KEYS,
    ]

    class HistoryLoaded(Message):
        """The table's commits arrived."""

        def __init__(self, entries: tuple[HistoryEntry, ...]) -> None:
            super().__init__()
            self.entries = entries

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table
        self.entries: dict[int, HistoryEntry] = {}
        self.marked: list[int] = []
        """The versions marked for ``d`` (at most two, the oldest mark first)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"History of {self.table}", style="bold"), id="history-title")
        yield FrameTable(
            COLUMNS,
            sortable=("version",),
            marker=lambda row: MARK if row["version"] in self.marked else "",
            id="history-table",
        )
        yield Static(id="history-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FrameTable).loading = True
        self.query_one(FrameTable).focus()
        self._load()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _load(self, *, refresh: bool = False) -> None:
        app = lake_context(self)
        if refresh:
            app.reader.refresh(self.table)
        self.post_message(self.HistoryLoaded(app.reader.history(self.table)))

    def on_worker_state_changed(self, event: Any) -> None:
        report_worker_error(self, event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "symbol_changes":
            return self.table == DIM_SYMBOL.name
        return True

    def action_refresh(self) -> None:
        self.query_one(FrameTable).loading = True
        self._load(refresh=True)

    def on_history_screen_history_loaded(self, message: HistoryLoaded) -> None:
        self.entries = {e.version: e for e in message.entries}
        self.marked = [v for v in self.marked if v in self.entries]
        frame = pl.DataFrame(
            [
                {
                    "version": e.version,
                    "timestamp": e.timestamp,
                    "operation": operation(e),
                    "who": who(e),
                    "summary": _summary(e),
                }
                for e in message.entries
            ],
            schema={
                "version": pl.Int64,
                "timestamp": pl.Datetime("us", "UTC"),
                "operation": pl.String,
                "who": pl.String,
                "summary": pl.String,
            },
        )
        table = self.query_one(FrameTable)
        table.loading = False
        self.call_after_refresh(table.focus)  # once the loading placeholder is gone
        table.show(frame, keep_page=True)
        self._show_current()

    def on_data_table_row_highlighted(self) -> None:
        self._show_current()

    @on(FrameTable.RowChosen)
    def _chosen(self, event: FrameTable.RowChosen) -> None:
        navigator(self).show_commit_changes(self.table, int(event.row["version"]))

    def _current_version(self) -> int | None:
        row = self.query_one(FrameTable).current_row()
        return None if row is None else int(row["version"])

    def _show_current(self) -> None:
        version = self._current_version()
        entry = self.entries.get(version) if version is not None else None
        text = commit_detail(entry) if entry else Text()
        if self.marked:
            marks = " and ".join(str(v) for v in sorted(self.marked))
            text.append(f"marked: {marks} (d compares them)", style="italic")
        self.query_one("#history-detail", Static).update(text)

    def action_toggle_mark(self) -> None:
        version = self._current_version()
        if version is None:
            return
        if version in self.marked:
            self.marked.remove(version)
        else:
            self.marked = [*self.marked, version][-2:]
        table = self.query_one(FrameTable)
        table.refresh_marks()
        self._show_current()

    def action_diff(self) -> None:
        """Two marks: those; one: it and the row under the cursor; none: the row and its parent."""
        current = self._current_version()
        if len(self.marked) == 2:
            pair = self.marked
        elif self.marked and current is not None:
            pair = [self.marked[0], current]
        elif current is not None:
            pair = [current - 1, current]
        else:
            return
        older, newer = min(pair), max(pair)
        if older == newer or older < 0:
            self.notify("Mark two different versions (space), then press d", severity="warning")
            return
        navigator(self).show_version_diff(self.table, older, newer)

    def action_as_of(self) -> None:
        version = self._current_version()
        if version is not None:
            navigator(self).show_as_of(self.table, version)

    def action_restore(self) -> None:
        version = self._current_version()
        if version is None:
            return
        if version == max(self.entries, default=version):
            self.notify(
                f"{self.table} is at version {version}: choose an older one", severity="warning"
            )
            return
        navigator(self).restore_version(self.table, version)

    def action_symbol_changes(self) -> None:
        navigator(self).show_dim_history()


def _summary(entry: HistoryEntry) -> str:
    metrics = dict(entry.metrics)
    keys = (
        "numFilesAdded",
        "numFilesRemoved",
        "num_added_files",
        "num_added_rows",
        "numDeletedFiles",
        "numRestoredFile",
        "numRemovedFile",
    )
    parts = [f"{k}={metrics[k]}" for k in keys if k in metrics]
    return " ".join(parts)
