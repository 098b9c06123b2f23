"""Two versions of a table compared per partition: files, bytes and rows from the log."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from pointline_tui.context import lake_context
from pointline_tui.formatting import count
from pointline_tui.lake.catalog import table_dir
from pointline_tui.lake.versions import VersionDiff, version_diff
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.version_text import DIFF_COLUMNS, diff_frame, schema_text
from pointline_tui.widgets.frame_table import FrameTable


class VersionDiffScreen(Screen[None]):
    """The partitions whose files differ between two versions, and the schema changes."""

    CSS_PATH = "history.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    class Compared(Message):
        """The two versions were compared."""

        def __init__(self, diff: VersionDiff) -> None:
            super().__init__()
            self.diff = diff

    def __init__(self, table: str, from_version: int, to_version: int) -> None:
        super().__init__()
        self.table = table
        self.from_version = from_version
        self.to_version = to_version
        self.diff: VersionDiff | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(f"{self.table}: version {self.from_version} → {self.to_version}", style="bold"),
            classes="tt-title",
        )
        yield FrameTable(DIFF_COLUMNS, id="diff-table")
        yield Static("comparing the versions' files …", classes="tt-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self.query_one(".tt-detail").loading = True  # the table keeps the focus
        self._compare()

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def _compare(self) -> None:
        root = lake_context(self).reader.silver_root
        diff = version_diff(table_dir(root, self.table), self.from_version, self.to_version)
        self.post_message(self.Compared(diff))

    def on_worker_state_changed(self, event: Any) -> None:
        report_worker_error(self, event)

    def on_version_diff_screen_compared(self, message: Compared) -> None:
        diff = message.diff
        self.query_one(".tt-detail").loading = False
        self.diff = diff
        table = self.query_one(FrameTable)
        table.show(diff_frame(diff.partitions))
        lines = [
            f"{count(len(diff.partitions))} partition(s) differ, {count(diff.unchanged)} "
            "unchanged (rows from the log's statistics)"
        ]
        if diff.schema_changes:
            lines.append(schema_text(diff.schema_changes))
        self.query_one(".tt-detail", Static).update("\n".join(lines))
