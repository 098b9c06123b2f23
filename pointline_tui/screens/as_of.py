"""A table as it was at a version: its partitions, a partition's files and its first rows.

Read-only: nothing here writes. The title names the version shown.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import polars as pl
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from pointline_tui.context import lake_context
from pointline_tui.formatting import files, human_bytes, partition_name, utc_time
from pointline_tui.lake.catalog import table_dir
from pointline_tui.lake.partitions import partition_files, partition_stats
from pointline_tui.lake.versions import ROWS_PREVIEW_LIMIT, TableAsOf, rows_as_of, table_as_of
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.lake_detail import FILE_COLUMNS, PARTITION_COLUMNS
from pointline_tui.widgets.frame_table import Column, FrameTable

View = Literal["partitions", "files", "rows"]


class AsOfScreen(Screen[None]):
    """Browse ``table`` at ``version``: Enter opens a partition's files, ``p`` its rows."""

    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("p", "rows", "Rows"),
    ]

    class Loaded(Message):
        """The version's files arrived."""

        def __init__(self, as_of: TableAsOf) -> None:
            super().__init__()
            self.as_of = as_of

    class RowsRead(Message):
        """A partition's first rows at the version arrived."""

        def __init__(self, part: tuple[str | None, date | None], rows: pl.DataFrame) -> None:
            super().__init__()
            self.part = part
            self.rows = rows

    def __init__(self, table: str, version: int) -> None:
        super().__init__()
        self.table = table
        self.version = version
        self.as_of: TableAsOf | None = None
        self.view: View = "partitions"
        self.part: tuple[str | None, date | None] | None = None
        """The partition whose files or rows show."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._title(), classes="tt-title")
        yield FrameTable(PARTITION_COLUMNS, id="as-of-table")
        yield Static("reading the version's files …", classes="tt-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def _title(self) -> Text:
        when = ""
        if self.as_of is not None and self.as_of.timestamp is not None:
            when = f" ({utc_time(self.as_of.timestamp)} UTC)"
        return Text(f"{self.table} as of version {self.version}{when} · read-only", style="bold")

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self.query_one(".tt-detail").loading = True  # the table keeps the focus
        self._load()

    @work(thread=True, exclusive=True, group="as-of", exit_on_error=False)
    def _load(self) -> None:
        root = lake_context(self).reader.silver_root
        self.post_message(self.Loaded(table_as_of(table_dir(root, self.table), self.version)))

    @work(thread=True, exclusive=True, group="as-of-rows", exit_on_error=False)
    def _read_rows(self, part: tuple[str | None, date | None]) -> None:
        root = lake_context(self).reader.silver_root
        rows = rows_as_of(table_dir(root, self.table), self.version, part[0], part[1])
        self.post_message(self.RowsRead(part, rows))

    def on_worker_state_changed(self, event: Any) -> None:
        report_worker_error(self, event)

    def on_as_of_screen_loaded(self, message: Loaded) -> None:
        self.as_of = message.as_of
        self.query_one(".tt-detail").loading = False
        self.query_one(".tt-title", Static).update(self._title())
        self._show_partitions()

    def on_as_of_screen_rows_read(self, message: RowsRead) -> None:
        if self.view != "rows" or message.part != self.part:
            return  # the operator went elsewhere meanwhile
        table = self.query_one(FrameTable)
        table.set_columns([Column(name, name, _cell) for name in message.rows.columns])
        table.show(message.rows)
        self._status(
            f"{partition_name(*message.part)}: the first {message.rows.height} row(s) at "
            f"version {self.version} (at most {ROWS_PREVIEW_LIMIT})"
        )

    def _show_partitions(self) -> None:
        as_of = self.as_of
        if as_of is None:
            return
        self.view, self.part = "partitions", None
        table = self.query_one(FrameTable)
        table.set_columns(PARTITION_COLUMNS)
        table.show(partition_stats(as_of.files))
        total = int(as_of.files.get_column("size_bytes").sum())
        self._status(
            f"{files(as_of.files.height)}, {human_bytes(total)} at version {self.version}"
            " · enter: a partition's files · p: its rows"
        )

    def _chosen_part(self) -> tuple[str | None, date | None] | None:
        if self.view != "partitions":
            return self.part
        row = self.query_one(FrameTable).current_row()
        return None if row is None else (row["exchange"], row["trading_date"])

    def on_frame_table_row_chosen(self, event: FrameTable.RowChosen) -> None:
        if self.view != "partitions" or self.as_of is None:
            return
        part = (event.row["exchange"], event.row["trading_date"])
        self.view, self.part = "files", part
        table = self.query_one(FrameTable)
        table.set_columns(FILE_COLUMNS)
        table.show(partition_files(self.as_of.files, *part))
        self._status(f"{partition_name(*part)}: files at version {self.version} · p: its rows")

    def action_rows(self) -> None:
        part = self._chosen_part()
        if part is None or self.view == "rows":
            return
        self.view, self.part = "rows", part
        self._status(f"reading the first rows of {partition_name(*part)} …")
        self._read_rows(part)

    def action_back(self) -> None:
        if self.view == "partitions":
            self.app.pop_screen()
        else:
            self._show_partitions()

    def _status(self, text: str) -> None:
        self.query_one(".tt-detail", Static).update(text)


def _cell(value: object) -> str:
    return str(value)
