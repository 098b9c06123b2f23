"""Restoring a table to a version from the console: a plan, a typed confirmation, a report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import polars as pl
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from pointline_tui.context import lake_context
from pointline_tui.formatting import (
    files,
    human_bytes,
    partition_name,
    short_bytes,
    short_count,
    short_file_name,
    utc_time,
)
from pointline_tui.lake.catalog import table_dir
from pointline_tui.lake.versions import VersionDiff, version_diff
from pointline_tui.screens.dialogs import READ_ONLY, TypedConfirmModal
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.keys import QUIET_VIEW_KEYS
from pointline_tui.screens.version_text import DIFF_COLUMNS, diff_frame, schema_text
from pointline_tui.storage.delta.restore import RestorePlan, RestoreReport
from pointline_tui.text import safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable


class TableRestorer(Protocol):
    """What the screen needs of the restore store (``DeltaTableRestorer``)."""

    def plan_restore(self, table_name: str, target_version: int) -> RestorePlan:
        """See ``DeltaTableRestorer.plan_restore``."""
        ...

    def restore_table(
        self,
        table_name: str,
        target_version: int,
        *,
        expected_version: int | None = ...,
        lock_timeout_s: float = ...,
        cancelled: Callable[[], bool] | None = ...,
    ) -> RestoreReport:
        """See ``DeltaTableRestorer.restore_table``."""
        ...


class RestoreScreen(Screen[bool]):
    """The plan of restoring ``table`` to ``version``; ``y`` restores once confirmed."""

    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("y", "confirm", "Restore"),
        Binding("f", "toggle_files", "Files"),
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "close", "Close"),  # once it has restored: check_action picks one
        *QUIET_VIEW_KEYS,
    ]

    class Planned(Message):
        """The plan and its diff from the current version arrived."""

        def __init__(self, plan: RestorePlan, diff: VersionDiff) -> None:
            super().__init__()
            self.plan = plan
            self.diff = diff

    class Restored(Message):
        """The restore committed."""

        def __init__(self, report: RestoreReport) -> None:
            super().__init__()
            self.report = report

    def __init__(self, table: str, version: int) -> None:
        super().__init__()
        self.table = table
        self.version = version
        self.plan: RestorePlan | None = None
        self.diff: VersionDiff | None = None
        self.done: RestoreReport | None = None
        self._restoring = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(f"Restore {self.table} to version {self.version}", style="bold"),
            classes="tt-title",
        )
        yield FrameTable(DIFF_COLUMNS, id="restore-table")
        yield Static("planning the restore …", classes="tt-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self.query_one(".tt-detail").loading = True  # the table keeps the focus
        self._plan()

    @work(thread=True, exclusive=True, group="restore", exit_on_error=False)
    def _plan(self) -> None:
        context = lake_context(self)
        plan = context.restorer.plan_restore(self.table, self.version)
        path = table_dir(context.reader.silver_root, self.table)
        self.post_message(
            self.Planned(plan, version_diff(path, plan.current_version, self.version))
        )

    @work(thread=True, exclusive=True, group="restore", exit_on_error=False)
    def _restore(self, expected_version: int) -> None:
        context = lake_context(self)
        report = context.restorer.restore_table(
            self.table, self.version, expected_version=expected_version
        )
        context.reader.refresh(self.table)
        self.post_message(self.Restored(report))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
        if event.state == WorkerState.ERROR:
            self._summary(f"Refused: {safe_text(event.worker.error)}")
        if event.worker.is_finished and self._restoring:
            self._restoring = False
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("confirm", "cancel"):
            return self.done is None and not self._restoring
        if action == "close":
            return self.done is not None or self._restoring
        return True

    def on_restore_screen_planned(self, message: Planned) -> None:
        plan, diff = message.plan, message.diff
        self.query_one(".tt-detail").loading = False
        self.plan, self.diff = plan, diff
        table = self.query_one(FrameTable)
        table.show(diff_frame(diff.partitions))
        when = "" if plan.target_timestamp is None else f" ({utc_time(plan.target_timestamp)})"
        lines = [
            f"from version {plan.current_version} to version {plan.target_version}{when}: "
            f"{files(len(plan.returning))} come back "
            f"({human_bytes(sum(f.size_bytes for f in plan.returning))}), "
            f"{files(plan.files_removed)} leave ({human_bytes(plan.bytes_removed)})"
        ]
        if diff.schema_changes:
            lines.append(schema_text(diff.schema_changes))
        if plan.missing:
            lines.append(
                f"Refused: {files(len(plan.missing))} of version {plan.target_version} are gone "
                f"(vacuumed?), first: {safe_text(plan.missing[0])}"
            )
        else:
            lines.append("every file of the target is on disk · f: the files · y restores")
        self._summary("\n".join(lines))

    def on_restore_screen_restored(self, message: Restored) -> None:
        report = message.report
        self.done = report
        self.refresh_bindings()
        self._summary(
            f"Restored: version {report.version} holds version {report.target_version}'s "
            f"files ({files(report.files_restored)} back, {files(report.files_removed)} "
            "removed).\nDone. Escape closes and refreshes the lake."
        )

    def action_confirm(self) -> None:
        if lake_context(self).read_only:
            self.notify(READ_ONLY, severity="warning")
            return
        plan = self.plan
        if plan is None or self.done is not None or self._restoring:
            return
        if plan.missing:
            self.notify(
                f"Version {plan.target_version} cannot be restored: its files are gone",
                severity="error",
                markup=False,
            )
            return

        def confirmed(yes: bool | None) -> None:  # noqa: FBT001 - a callback
            if yes and self.done is None and not self._restoring:
                self._restoring = True
                self.refresh_bindings()
                self._summary(f"restoring {self.table} to version {self.version} …")
                self._restore(plan.current_version)

        question = (
            f"Restore {self.table} from version {plan.current_version} to version "
            f"{plan.target_version}? ({files(len(plan.returning))} come back, "
            f"{files(plan.files_removed)} leave; a new version, older ones stay)"
        )
        self.app.push_screen(TypedConfirmModal(question, self.table), confirmed)

    def action_toggle_files(self) -> None:
        """Switch between the partitions' diff and the files that would come back."""
        if self.plan is None or self.diff is None:
            return
        table = self.query_one(FrameTable)
        if table.frame_columns == DIFF_COLUMNS:
            table.set_columns(FILE_COLUMNS)
            table.show(_returning_frame(self.plan))
        else:
            table.set_columns(DIFF_COLUMNS)
            table.show(diff_frame(self.diff.partitions))

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_close(self) -> None:
        self.dismiss(self.done is not None)

    def _summary(self, text: str) -> None:
        self.query_one(".tt-detail", Static).update(text)


FILE_COLUMNS = [
    Column("partition", "partition", key=True),
    Column("file", "file"),
    Column("size_bytes", "size", short_bytes, numeric=True),
    Column("rows", "rows", short_count, numeric=True),
    Column("on_disk", "on disk", lambda present: "yes" if present else "MISSING"),
]
"""The files that would come back, and whether each is still there."""


def _returning_frame(plan: RestorePlan) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "partition": partition_name(f.exchange, f.trading_date),
                "file": short_file_name(f.path),
                "size_bytes": f.size_bytes,
                "rows": f.rows,
                "on_disk": f.on_disk,
            }
            for f in plan.returning
        ],
        schema={
            "partition": pl.String,
            "file": pl.String,
            "size_bytes": pl.Int64,
            "rows": pl.Int64,
            "on_disk": pl.Boolean,
        },
    )


__all__ = ["RestoreScreen", "TableRestorer"]
