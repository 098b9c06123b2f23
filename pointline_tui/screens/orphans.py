"""Removing orphans from the console: a dry run first, then a typed confirmation, a report."""

from __future__ import annotations

from typing import Any, Protocol

import polars as pl
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from pointline_tui.context import LakeContext, lake_context
from pointline_tui.formatting import files, human_bytes, partition_label, short_file_name
from pointline_tui.screens.dialogs import READ_ONLY, TypedConfirmModal
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.storage.models import OrphanReport
from pointline_tui.text import safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable

MIN_AGE_HOURS = 24
ORPHAN_COLUMNS = [
    Column("partition", "partition"),
    Column("file", "file"),
    Column("size", "size", human_bytes, numeric=True),
]


class OrphanRemoval(Protocol):
    """What the screen needs of the event store (``DeltaEventStore.remove_orphans``)."""

    def remove_orphans(
        self, table_name: str, *, min_age_hours: float = ..., dry_run: bool = ...
    ) -> OrphanReport:
        """See ``DeltaEventStore.remove_orphans``."""
        ...


class OrphansScreen(Screen[bool]):
    """The files of a table that no version names: listed, then deleted once confirmed."""

    CSS_PATH = "maintenance.tcss"
    BINDINGS = [
        Binding("y", "confirm", "Delete"),
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "close", "Close"),  # once it has deleted: check_action picks one
    ]

    class Listed(Message):
        """A dry run or a removal finished."""

        def __init__(self, report: OrphanReport) -> None:
            super().__init__()
            self.report = report

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table
        self.dry_run: OrphanReport | None = None
        self.done: OrphanReport | None = None
        self._deleting = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(f"Remove orphans of {self.table} (older than {MIN_AGE_HOURS} h)", style="bold"),
            classes="title",
        )
        yield FrameTable(ORPHAN_COLUMNS, id="orphan-table")
        yield Static("listing files no version names …", id="orphan-summary", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self._run(dry_run=True)

    @property
    def lake_app(self) -> LakeContext:
        return lake_context(self)

    @work(thread=True, exclusive=True, group="orphans", exit_on_error=False)
    def _run(self, *, dry_run: bool) -> None:
        self.lake_app.reader.refresh(self.table)
        report = self.lake_app.orphans.remove_orphans(
            self.table, min_age_hours=MIN_AGE_HOURS, dry_run=dry_run
        )
        self.post_message(self.Listed(report))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
        if event.state == WorkerState.ERROR:
            error = safe_text(event.worker.error)
            self.query_one("#orphan-summary", Static).update(f"Refused: {error}")
        if event.worker.is_finished and self._deleting:
            self._deleting = False
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Once deleting has started only Escape applies, and it closes.
        if action in ("confirm", "cancel"):
            return self.done is None and not self._deleting
        if action == "close":
            return self.done is not None or self._deleting
        return True

    def on_orphans_screen_listed(self, message: Listed) -> None:
        report = message.report
        if report.dry_run:
            self.dry_run = report
        else:
            self.done = report
            self.refresh_bindings()
        self.query_one(FrameTable).show(_frame(report))
        verb = "would free" if report.dry_run else "freed"
        summary = f"{files(report.files_removed)}: {verb} {human_bytes(report.bytes_freed)}"
        if report.too_young:
            summary += f" · {files(report.too_young)} younger than {MIN_AGE_HOURS} h left alone"
        if report.dry_run and report.files_removed:
            summary += "\ny deletes them (type the table name to confirm)"
        elif not report.dry_run:
            summary += "\nDone. Escape closes and refreshes the lake."
        self.query_one("#orphan-summary", Static).update(summary)

    def action_confirm(self) -> None:
        if self.lake_app.read_only:
            self.notify(READ_ONLY, severity="warning")
            return
        dry = self.dry_run
        if dry is None or self.done is not None or self._deleting:
            return
        if not dry.files_removed:
            self.notify("Nothing to delete", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:  # noqa: FBT001 - a callback
            if yes and self.done is None and not self._deleting:
                self._deleting = True
                self.refresh_bindings()
                self._run(dry_run=False)

        question = (
            f"Delete {files(dry.files_removed)} ({human_bytes(dry.bytes_freed)}) under "
            f"{self.table} that no version of its log names?"
        )
        self.app.push_screen(TypedConfirmModal(question, self.table), confirmed)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_close(self) -> None:
        self.dismiss(self.done is not None)


def _frame(report: OrphanReport) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for path, size in zip(report.removed_files, report.file_bytes, strict=True):
        folder, _, name = path.rpartition("/")
        rows.append(
            {"partition": partition_label(folder), "file": short_file_name(name), "size": size}
        )
    return pl.DataFrame(rows, schema={"partition": pl.String, "file": pl.String, "size": pl.Int64})
