"""A table's Delta commits: version, time, operation, parameters, metrics and who ran it."""

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

from pointline_tui.context import lake_context
from pointline_tui.formatting import count, utc_time
from pointline_tui.lake.history import HistoryEntry
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.widgets.frame_table import Column, FrameTable

COLUMNS = [
    Column("version", "ver", count, numeric=True),
    Column("timestamp", "time (UTC)", utc_time),
    Column("operation", "operation"),
    Column("who", "by"),
    Column("summary", "summary"),
]


class HistoryScreen(Screen[None]):
    """The Delta history of one table, newest first; Enter shows a commit in full."""

    CSS_PATH = "history.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("r", "refresh", "Refresh")]

    class HistoryLoaded(Message):
        """The table's commits arrived."""

        def __init__(self, entries: tuple[HistoryEntry, ...]) -> None:
            super().__init__()
            self.entries = entries

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table
        self.entries: dict[int, HistoryEntry] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"History of {self.table}", style="bold"), id="history-title")
        yield FrameTable(COLUMNS, sortable=("version",), id="history-table")
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

    def action_refresh(self) -> None:
        self.query_one(FrameTable).loading = True
        self._load(refresh=True)

    def on_history_screen_history_loaded(self, message: HistoryLoaded) -> None:
        self.entries = {e.version: e for e in message.entries}
        frame = pl.DataFrame(
            [
                {
                    "version": e.version,
                    "timestamp": e.timestamp,
                    # A partition-scoped vacuum commits as an empty WRITE naming itself.
                    "operation": dict(e.metadata).get("pointline_operation", e.operation),
                    "who": _who(e),
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
        table.show(frame)
        self._show_current()

    def on_data_table_row_highlighted(self) -> None:
        self._show_current()

    @on(FrameTable.RowChosen)
    def _chosen(self, event: FrameTable.RowChosen) -> None:
        self._show_current()

    def _show_current(self) -> None:
        row = self.query_one(FrameTable).current_row()
        entry = self.entries.get(row["version"]) if row else None
        self.query_one("#history-detail", Static).update(_detail(entry) if entry else "")


def _who(entry: HistoryEntry) -> str:
    meta = dict(entry.metadata)
    if "user" not in meta:
        return "-"
    return f"{meta['user']}@{meta.get('host', '?')}"


def _summary(entry: HistoryEntry) -> str:
    metrics = dict(entry.metrics)
    keys = (
        "numFilesAdded",
        "numFilesRemoved",
        "num_added_files",
        "num_added_rows",
        "numDeletedFiles",
    )
    parts = [f"{k}={metrics[k]}" for k in keys if k in metrics]
    return " ".join(parts)


def _detail(entry: HistoryEntry) -> Text:
    text = Text()
    for title, pairs in (
        ("parameters", entry.parameters),
        ("metrics", entry.metrics),
        ("metadata", entry.metadata),
    ):
        if pairs:
            text.append(f"{title}: ", style="bold")
            text.append(" · ".join(f"{k}={v}" for k, v in pairs) + "\n")
    return text
