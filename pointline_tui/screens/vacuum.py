"""Vacuum from the console: a dry run listing what would go, then a confirmed deletion."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState, get_current_worker

from pointline_tui.context import LakeContext, lake_context
from pointline_tui.formatting import count, files, human_bytes, partition_label, short_file_name
from pointline_tui.maintenance import Partition, oldest_restorable_version
from pointline_tui.screens.dialogs import READ_ONLY, TypedConfirmModal
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.forms import NumberField
from pointline_tui.screens.keys import QUIET_VIEW_KEYS
from pointline_tui.storage.limits import RETENTION_HOURS
from pointline_tui.storage.models import VacuumReport
from pointline_tui.widgets.frame_table import Column, FrameTable

FILE_COLUMNS = [
    Column("partition", "partition"),
    Column("file", "file"),
    Column("size", "size", human_bytes, numeric=True),
]


@dataclass(frozen=True, slots=True)
class DryRun:
    """A dry run's candidates and what the table would look like afterwards."""

    retention_hours: int
    partitions: tuple[Partition, ...] | None
    """The scope it was made for (``None``: the whole table)."""
    report: VacuumReport
    sizes: pl.DataFrame
    minimum_hours: int
    current_version: int
    oldest_restorable: int | None


class VacuumScreen(Screen[bool]):
    """Dry run first; `y` deletes (typing the table name when below the minimum retention)."""

    CSS_PATH = "maintenance.tcss"
    BINDINGS = [
        Binding("y", "confirm", "Vacuum"),
        Binding("t", "edit_retention", "Retention"),
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "close", "Close"),  # once it has vacuumed: check_action picks one
        *QUIET_VIEW_KEYS,
    ]

    class DryRunLoaded(Message):
        """The dry run's candidates arrived."""

        def __init__(self, dry_run: DryRun) -> None:
            super().__init__()
            self.dry_run = dry_run

    class VacuumDone(Message):
        """The vacuum finished."""

        def __init__(self, report: VacuumReport) -> None:
            super().__init__()
            self.report = report

    def __init__(
        self, table: str, partitions: list[Partition] | None = None, *, retention_hours: int = 168
    ) -> None:
        super().__init__()
        self.table = table
        self.partitions = partitions
        self.retention_hours = retention_hours
        self.dry_run: DryRun | None = None
        self.done: VacuumReport | None = None
        self._vacuuming = False

    @property
    def scope(self) -> str:
        if self.partitions is None:
            return "whole table"
        return f"only inside {len(self.partitions)} marked partition(s)"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Vacuum {self.table}: {self.scope}", style="bold"), classes="title")
        yield NumberField(
            "Retention (hours)",
            RETENTION_HOURS,
            self.retention_hours,
            input_id="retention",
            id="retention-field",
        )
        yield FrameTable(FILE_COLUMNS, id="vacuum-files")
        yield Static(id="vacuum-summary", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self._load(self.retention_hours)

    def _scope(self) -> tuple[Partition, ...] | None:
        return None if self.partitions is None else tuple(self.partitions)

    @work(thread=True, exclusive=True, group="vacuum", exit_on_error=False)
    def _load(self, retention_hours: int) -> None:
        app = lake_context(self)
        partitions = self._scope()
        app.reader.refresh(self.table)
        report = app.vacuum.vacuum_table(
            self.table,
            retention_hours=retention_hours,
            dry_run=True,
            enforce_retention=False,  # a dry run only lists; the real run enforces
            partitions=partitions,
        )
        summary = app.reader.summary(self.table)
        history = app.reader.history(self.table)
        if get_current_worker().is_cancelled:  # a newer retention replaced this dry run
            return
        self.post_message(
            self.DryRunLoaded(
                DryRun(
                    retention_hours=retention_hours,
                    partitions=partitions,
                    report=report,
                    sizes=_files_frame(self.table, app, report),
                    minimum_hours=summary.min_retention_hours,
                    current_version=summary.version,
                    oldest_restorable=oldest_restorable_version(history, retention_hours),
                )
            )
        )

    @work(thread=True, exclusive=True, group="vacuum", exit_on_error=False)
    def _vacuum(self, dry: DryRun, enforce: bool) -> None:  # noqa: FBT001 - a worker's argument
        app = lake_context(self)
        report = app.vacuum.vacuum_table(
            self.table,
            retention_hours=dry.retention_hours,  # exactly what the dry run on screen showed
            enforce_retention=enforce,
            partitions=dry.partitions,
        )
        self.post_message(self.VacuumDone(report))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
        if event.worker.name == "_vacuum" and event.worker.is_finished:
            self._vacuuming = False
            self.query_one(NumberField).disabled = self.done is not None
            self.refresh_bindings()
            if event.state == WorkerState.ERROR:  # some files may be gone: list what is left
                self.dry_run = None
                self._load(self.retention_hours)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Once deleting has started only Escape applies, and it closes.
        if action in ("confirm", "edit_retention", "cancel"):
            return self.done is None and not self._vacuuming
        if action == "close":
            return self.done is not None or self._vacuuming
        return True

    def _current(self, dry: DryRun) -> bool:
        """Whether ``dry`` is the dry run of the retention and partitions on screen."""
        return (dry.retention_hours, dry.partitions) == (self.retention_hours, self._scope())

    def on_vacuum_screen_dry_run_loaded(self, message: DryRunLoaded) -> None:
        if not self._current(message.dry_run) or self.done is not None or self._vacuuming:
            return  # stale: a retention no longer on screen is never the one `y` deletes
        self.dry_run = dry = message.dry_run
        self.query_one(FrameTable).show(dry.sizes)
        below = self.retention_hours < dry.minimum_hours
        oldest = "-" if dry.oldest_restorable is None else f"v{dry.oldest_restorable}"
        lines = [
            f"Dry run ({self.scope}): {count(dry.report.files_removed)} files, "
            f"{human_bytes(dry.report.bytes_freed)} would be deleted.",
            f"Oldest version restorable afterwards: {oldest} (current v{dry.current_version}); "
            f"table minimum retention {dry.minimum_hours} h.",
        ]
        if below:
            lines.append(
                f"⚠ {self.retention_hours} h is below the minimum: older versions stop being "
                "restorable. y asks for the table name to go ahead."
            )
        self.query_one("#vacuum-summary", Static).update("\n".join(lines))

    def on_vacuum_screen_vacuum_done(self, message: VacuumDone) -> None:
        self.done = report = message.report
        self._vacuuming = False
        self.query_one(NumberField).disabled = True
        self.refresh_bindings()
        self.query_one("#vacuum-summary", Static).update(
            f"Vacuumed ({self.scope}): removed {count(report.files_removed)} files, freed "
            f"{human_bytes(report.bytes_freed)}. Escape closes."
        )
        self.query_one(FrameTable).show(_files_frame(self.table, None, report))

    def action_edit_retention(self) -> None:
        if self.done is None and not self._vacuuming:
            self.query_one(NumberField).focus_input()

    @on(NumberField.Accepted, "#retention-field")
    def _retention_accepted(self, event: NumberField.Accepted) -> None:
        if self.done is not None or self._vacuuming:
            self.notify("The vacuum has started: its retention can no longer change")
            return
        self.retention_hours = event.value
        self.dry_run = None  # nothing may be confirmed before this retention's dry run is shown
        self.query_one(FrameTable).focus()
        self._load(event.value)

    def _shown_dry_run(self) -> DryRun | None:
        """The dry run on screen, if it is the current one and nothing has been deleted yet."""
        if self.done is not None or self._vacuuming:
            return None
        dry = self.dry_run
        if dry is None or not self._current(dry):
            self.notify(
                f"The dry run for {self.retention_hours} h is still loading", severity="warning"
            )
            return None
        return dry

    def action_confirm(self) -> None:
        app = lake_context(self)
        if app.read_only:
            self.notify(READ_ONLY, severity="warning")
            return
        dry = self._shown_dry_run()
        if dry is None:
            return
        if not dry.report.files_removed:
            self.notify("Nothing to vacuum at this retention", severity="warning")
            return
        if self.retention_hours >= dry.minimum_hours:
            self._start_vacuum(dry, enforce=True)
            return

        def confirmed(yes: bool | None) -> None:  # noqa: FBT001 - a callback
            if yes and self._shown_dry_run() is dry:  # still the dry run the question named
                self._start_vacuum(dry, enforce=False)

        question = (
            f"Delete {files(dry.report.files_removed)} ({human_bytes(dry.report.bytes_freed)}) "
            f"of {self.table} at {self.retention_hours} h, below its minimum retention of "
            f"{dry.minimum_hours} h? Versions older than that stop being restorable."
        )
        self.app.push_screen(TypedConfirmModal(question, self.table), confirmed)

    def _start_vacuum(self, dry: DryRun, *, enforce: bool) -> None:
        self._vacuuming = True
        self.query_one(NumberField).disabled = True  # the retention deleting now is fixed
        self.refresh_bindings()
        self.query_one("#vacuum-summary", Static).update(
            f"Vacuuming ({self.scope}): deleting {files(dry.report.files_removed)} …"
        )
        self._vacuum(dry, enforce)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_close(self) -> None:
        self.dismiss(self.done is not None)


def _files_frame(table: str, app: LakeContext | None, report: VacuumReport) -> pl.DataFrame:
    """Candidates grouped by partition folder, with their sizes from the dry run's listing."""
    root = None if app is None else app.reader.silver_root / table
    rows = []
    for path in report.removed_files:
        folder, _, name = path.rpartition("/")
        size = None
        if root is not None:
            try:
                size = (root / path).stat().st_size
            except OSError:
                size = None
        rows.append(
            {"partition": partition_label(folder), "file": short_file_name(name), "size": size}
        )
    schema = {"partition": pl.String, "file": pl.String, "size": pl.Int64}
    return pl.DataFrame(rows, schema=schema).sort("partition", "file")
