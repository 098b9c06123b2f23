"""A checkpoint or a log clean-up from the console: the plan, a typed confirmation, the report."""

from __future__ import annotations

from typing import Literal

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
from pointline_tui.formatting import count, files, human_bytes, utc_time
from pointline_tui.screens.dialogs import READ_ONLY, TypedConfirmModal
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.storage.log_models import CheckpointReport, LogCleanupReport
from pointline_tui.text import safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable

LogAction = Literal["checkpoint", "clean-log"]
Report = CheckpointReport | LogCleanupReport
FILE_COLUMNS = [
    Column("file", "log file"),
    Column("size", "size", human_bytes, numeric=True),
]
_TITLES = {"checkpoint": "Create a checkpoint of", "clean-log": "Clean up the expired log of"}


class LogMaintenanceScreen(Screen[bool]):
    """The plan of a checkpoint or log clean-up; ``y`` does it (typing the table name)."""

    CSS_PATH = "maintenance.tcss"
    BINDINGS = [
        Binding("y", "confirm", "Go ahead"),
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "close", "Close"),  # once it has run: check_action picks one
    ]

    class Reported(Message):
        """The plan (a dry run) or the outcome arrived."""

        def __init__(self, report: Report) -> None:
            super().__init__()
            self.report = report

    def __init__(self, table: str, action: LogAction) -> None:
        super().__init__()
        self.table = table
        self.action = action
        self.plan: Report | None = None
        self.done: Report | None = None
        self._working = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(f"{_TITLES[self.action]} {safe_text(self.table)}", style="bold"), classes="title"
        )
        yield Static("planning …", id="log-plan", markup=False)
        files = FrameTable(FILE_COLUMNS, id="log-files")
        files.display = files.can_focus = self.action == "clean-log"  # a checkpoint lists none
        yield files
        yield Static(id="log-summary", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.action == "clean-log":
            self.query_one(FrameTable).focus()
        self._run(dry_run=True)

    @work(thread=True, exclusive=True, group="log-maintenance", exit_on_error=False)
    def _run(self, *, dry_run: bool) -> None:
        context = lake_context(self)
        context.reader.refresh(self.table)
        store = context.log_maintenance
        run = store.checkpoint if self.action == "checkpoint" else store.clean_log
        report = run(self.table, dry_run=dry_run)
        if not dry_run:
            context.reader.refresh(self.table)
        self.post_message(self.Reported(report))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
        if event.state == WorkerState.ERROR:
            error = safe_text(event.worker.error)
            self.query_one("#log-summary", Static).update(f"Refused: {error}")
        if event.worker.is_finished and self._working:
            self._working = False
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("confirm", "cancel"):
            return self.done is None and not self._working
        if action == "close":
            return self.done is not None or self._working
        return True

    def on_log_maintenance_screen_reported(self, message: Reported) -> None:
        report = message.report
        if report.dry_run:
            self.plan = report
        else:
            self.done = report
        self.refresh_bindings()
        self.query_one("#log-plan", Static).update(_plan_text(report))
        if isinstance(report, LogCleanupReport):
            self.query_one(FrameTable).show(_files(report))
        self.query_one("#log-summary", Static).update(_summary_text(report))

    def action_confirm(self) -> None:
        if lake_context(self).read_only:
            self.notify(READ_ONLY, severity="warning")
            return
        plan = self.plan
        if plan is None or self.done is not None or self._working:
            return
        if not _has_work(plan):
            self.notify("Nothing to do", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:  # noqa: FBT001 - a callback
            if yes and self.done is None and not self._working:
                self._working = True
                self.refresh_bindings()
                self._run(dry_run=False)

        self.app.push_screen(TypedConfirmModal(_question(self.table, plan), self.table), confirmed)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_close(self) -> None:
        self.dismiss(self.done is not None and _has_work(self.done))


def _has_work(report: Report) -> bool:
    if isinstance(report, CheckpointReport):
        return report.needed
    return report.files_removed > 0


def _question(table: str, plan: Report) -> str:
    if isinstance(plan, CheckpointReport):
        return (
            f"Record a CHECKPOINT commit on {table} (version {plan.version}) and write a "
            "checkpoint of it? Data files are not touched."
        )
    return (
        f"Delete {files(plan.files_removed)} ({human_bytes(plan.bytes_freed)}) from "
        f"{table}/_delta_log? Versions before {plan.oldest_version_after} can no longer be "
        "restored or read."
    )


def _plan_text(report: Report) -> str:
    if isinstance(report, CheckpointReport):
        last = "none" if report.last_checkpoint is None else str(report.last_checkpoint)
        lines = [
            f"version {report.version} · last checkpoint: {last} · readers replay "
            f"{count(report.commits_since_checkpoint)} commit(s)",
            f"the checkpoint holds the {count(report.live_files)} live files' add actions",
        ]
    else:
        kept = (
            "no checkpoint is old enough: nothing can go"
            if report.keep_from is None
            else f"retained versions are read from checkpoint {report.keep_from}"
        )
        lines = [
            f"log retention {report.log_retention_hours:g} h: files older than "
            f"{utc_time(report.cutoff)} UTC are expired; {kept}",
            f"oldest version restorable: {_version(report.oldest_version_before)} → "
            f"{_version(report.oldest_version_after)}",
        ]
    return "\n".join(lines)


def _summary_text(report: Report) -> str:
    if report.dry_run:
        if not _has_work(report):
            return (
                "Nothing to do: the version has a checkpoint already."
                if isinstance(report, CheckpointReport)
                else "Nothing to do: no log file is past the retention and unneeded."
            )
        what = (
            "records a CHECKPOINT commit and checkpoints it"
            if isinstance(report, CheckpointReport)
            else f"deletes {files(report.files_removed)} ({human_bytes(report.bytes_freed)})"
        )
        return f"y {what} (type the table name to confirm)"
    if isinstance(report, CheckpointReport):
        done = (
            f"Checkpoint written at version {report.checkpoint_version}"
            if report.needed
            else "Nothing was needed"
        )
    else:
        done = f"Removed {files(report.files_removed)}, {human_bytes(report.bytes_freed)}"
        if report.audit_version is not None:
            done += f"; recorded as version {report.audit_version}"
    audit = safe_text(" · ".join(f"{k}={v}" for k, v in report.audit))
    return f"{done}.\naudit: {audit}\nEscape closes."


def _version(version: int | None) -> str:
    return "-" if version is None else str(version)


def _files(report: LogCleanupReport) -> pl.DataFrame:
    return pl.DataFrame(
        {"file": list(report.removed_files), "size": list(report.file_bytes)},
        schema={"file": pl.String, "size": pl.Int64},
    )
