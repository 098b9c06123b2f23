"""What one commit changed, per partition: files, bytes and rows added and removed."""

from __future__ import annotations

from typing import Any

import polars as pl
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from pointline_tui.context import lake_context
from pointline_tui.formatting import count, human_bytes, partition_name, short_bytes, short_count
from pointline_tui.lake.catalog import table_dir
from pointline_tui.lake.history import HistoryEntry
from pointline_tui.lake.versions import CommitChanges, commit_changes
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.version_text import commit_detail, operation, schema_text
from pointline_tui.text import safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable

COLUMNS = [
    Column("partition", "partition", key=True),
    Column("files_added", "+files", short_count, numeric=True),
    Column("files_removed", "-files", short_count, numeric=True),
    Column("bytes_added", "+bytes", short_bytes, numeric=True),
    Column("bytes_removed", "-bytes", short_bytes, numeric=True),
    Column("rows_added", "+rows", short_count, numeric=True),
    Column("rows_removed", "-rows", short_count, numeric=True),
]


class CommitChangesScreen(Screen[None]):
    """The partitions one commit of a table touched, with its metrics and audit metadata."""

    CSS_PATH = "history.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    class Loaded(Message):
        """The commit's changes (and its history entry, if the log still has it) arrived."""

        def __init__(self, changes: CommitChanges, entry: HistoryEntry | None) -> None:
            super().__init__()
            self.changes = changes
            self.entry = entry

    def __init__(self, table: str, version: int) -> None:
        super().__init__()
        self.table = table
        self.version = version
        self.changes: CommitChanges | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(f"{self.table} · version {self.version}", style="bold"), classes="tt-title"
        )
        yield FrameTable(COLUMNS, id="changes-table")
        yield Static("reading the commit …", classes="tt-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self.query_one(".tt-detail").loading = True  # the table keeps the focus
        self._load()

    @work(thread=True, exclusive=True, group="commit", exit_on_error=False)
    def _load(self) -> None:
        reader = lake_context(self).reader
        changes = commit_changes(table_dir(reader.silver_root, self.table), self.version)
        entry = next((e for e in reader.history(self.table) if e.version == self.version), None)
        self.post_message(self.Loaded(changes, entry))

    def on_worker_state_changed(self, event: Any) -> None:
        report_worker_error(self, event)

    def on_commit_changes_screen_loaded(self, message: Loaded) -> None:
        changes, entry = message.changes, message.entry
        self.query_one(".tt-detail").loading = False
        self.changes = changes
        table = self.query_one(FrameTable)
        table.show(_frame(changes))
        if entry is not None:
            title = (
                f"{self.table} · version {self.version} · {operation(entry)} · "
                f"{entry.timestamp:%Y-%m-%d %H:%M:%S} UTC"
            )
            self.query_one(".tt-title", Static).update(Text(safe_text(title), style="bold"))
        self.query_one(".tt-detail", Static).update(_detail(changes, entry))


def _frame(changes: CommitChanges) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"partition": partition_name(p.exchange, p.trading_date)}
            | {name: getattr(p, name) for name in _FIELDS}
            for p in changes.partitions
        ],
        schema={"partition": pl.String} | dict.fromkeys(_FIELDS, pl.Int64),
    )


_FIELDS = tuple(c.name for c in COLUMNS[1:])


def _detail(changes: CommitChanges, entry: HistoryEntry | None) -> Text:
    text = Text()
    if not changes.partitions:
        text.append("no file added or removed\n")
    else:
        text.append(
            f"{count(len(changes.partitions))} partition(s): "
            f"+{count(changes.total('files_added'))} / -{count(changes.total('files_removed'))} "
            f"files · +{human_bytes(changes.total('bytes_added'))} / "
            f"-{human_bytes(changes.total('bytes_removed'))} · rows "
            f"+{count(changes.total('rows_added'))} / -{count(changes.total('rows_removed'))}\n"
        )
    if changes.schema_changes:
        text.append(schema_text(changes.schema_changes) + "\n")
    if entry is not None:
        text.append_text(commit_detail(entry, audit_first=True))
    return text
