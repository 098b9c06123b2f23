"""Compaction from the console: a plan first; the run and its report are in compact_progress."""

from __future__ import annotations

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, get_current_worker

from pointline_tui.context import lake_context
from pointline_tui.formatting import count, files, human_bytes, iso_date, partition_name
from pointline_tui.lake.plan import CompactionPlan
from pointline_tui.maintenance import Partition, writer_warnings
from pointline_tui.screens.compact_request import CompactRequest, compact_commands
from pointline_tui.screens.dialogs import READ_ONLY, ConfirmModal
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.forms import NumberField
from pointline_tui.screens.keys import QUIET_VIEW_KEYS
from pointline_tui.storage.limits import TARGET_SIZE_MB
from pointline_tui.text import one_line
from pointline_tui.widgets.frame_table import Column, FrameTable

__all__ = ["CompactPlanScreen", "CompactRequest", "compact_commands"]
"""The request and its command lines live in ``compact_request``; they are named here too."""

PLAN_COLUMNS = [
    Column("exchange", "exchange"),
    Column("trading_date", "date", iso_date),
    Column("files", "files", count, numeric=True),
    Column("small_files", "small", count, numeric=True),
    Column("bytes", "bytes", human_bytes, numeric=True),
    Column("expected_files", "→ files", count, numeric=True),
    Column("note", "note"),
]


class CompactPlanScreen(Screen[CompactRequest | None]):
    """What compacting the chosen partitions would do; nothing is written until confirmed."""

    CSS_PATH = "maintenance.tcss"
    BINDINGS = [
        Binding("y", "confirm", "Compact"),
        Binding("t", "edit_target", "Target size"),
        Binding("escape", "cancel", "Cancel"),
        *QUIET_VIEW_KEYS,
    ]

    class PlanLoaded(Message):
        """The plan and the writer warnings for one target size arrived."""

        def __init__(
            self, plan: CompactionPlan, warnings: dict[Partition, str], *, target_size_mb: int
        ) -> None:
            super().__init__()
            self.plan = plan
            self.warnings = warnings
            self.target_size_mb = target_size_mb
            """The target the plan was made for: a plan for another one is stale."""

    def __init__(
        self, table: str, partitions: list[Partition], *, target_size_mb: int = 128
    ) -> None:
        super().__init__()
        self.table = table
        self.partitions = partitions
        self.target_size_mb = target_size_mb
        self.plan: CompactionPlan | None = None
        self.warnings: dict[Partition, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(
                f"Compact {self.table}: plan for {len(self.partitions)} partition(s)", style="bold"
            ),
            classes="title",
        )
        yield NumberField(
            "Target file size (MB)",
            TARGET_SIZE_MB,
            self.target_size_mb,
            input_id="target",
            id="target-field",
        )
        yield FrameTable(PLAN_COLUMNS, id="plan-table")
        yield Static(id="plan-note", markup=False)
        yield Static(id="plan-totals", markup=False)
        yield Static(id="plan-command", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self._load(self.target_size_mb)

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _load(self, target_size_mb: int) -> None:
        app = lake_context(self)
        app.reader.refresh(self.table)
        plan = app.reader.plan_compaction(
            self.table, self.partitions, target_size_mb=target_size_mb
        )
        stats = app.reader.partition_stats(self.table)
        pending = app.reader.manifest().entries(status="pending", limit=100_000).rows
        warnings = writer_warnings(self.partitions, stats, pending, table=self.table)
        if not get_current_worker().is_cancelled:  # a newer target replaced this plan
            self.post_message(self.PlanLoaded(plan, warnings, target_size_mb=target_size_mb))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)

    def on_compact_plan_screen_plan_loaded(self, message: PlanLoaded) -> None:
        if message.target_size_mb != self.target_size_mb:
            return  # a slow plan for a target no longer on screen: never the one `y` runs
        self.plan, self.warnings = message.plan, message.warnings
        rows = []
        for p in message.plan.partitions:
            warning = self.warnings.get((p.exchange, p.trading_date))  # type: ignore[arg-type]
            note = f"skip: {p.skip_reason}" if p.skipped else "compact"
            if warning:
                note = f"⚠ {warning}; {note}"
            rows.append(
                {
                    "exchange": p.exchange,
                    "trading_date": p.trading_date,
                    "files": p.files,
                    "small_files": p.small_files,
                    "bytes": p.bytes,
                    "expected_files": p.expected_files,
                    "note": note,
                }
            )
        self.query_one(FrameTable).show(pl.DataFrame(rows, schema=_PLAN_SCHEMA))
        plan = message.plan
        totals = (
            f"{plan.to_compact} to compact, {plan.skipped} skipped · "
            f"{count(plan.files)} files ({count(plan.small_files)} small), "
            f"{human_bytes(plan.bytes)} → ~{files(plan.expected_files)} "
            f"at {plan.target_size_mb} MB"
        )
        if self.warnings:
            totals += (
                f"\n⚠ writers may be active in {len(self.warnings)} partition(s): "
                "recent writes or pending manifest files"
            )
        self.query_one("#plan-totals", Static).update(totals)
        commands = compact_commands(self._request())
        shown = "\n".join("$ " + c for c in commands[:2])
        if len(commands) > 2:
            shown += f"\n  … and {len(commands) - 2} more"
        self.query_one("#plan-command", Static).update(shown or "nothing to compact")

    def on_data_table_row_highlighted(self) -> None:
        """Show the highlighted partition's note in full (its column is cut at 80 columns)."""
        row = self.query_one(FrameTable).current_row()
        note = (
            ""
            if row is None
            else f"{partition_name(row['exchange'], row['trading_date'])}: {one_line(row['note'])}"
        )
        self.query_one("#plan-note", Static).update(note)

    def _request(self) -> CompactRequest:
        todo = tuple(
            (p.exchange, p.trading_date)
            for p in (self.plan.partitions if self.plan else ())
            if not p.skipped
        )
        return CompactRequest(self.table, todo, self.target_size_mb)  # type: ignore[arg-type]

    def action_edit_target(self) -> None:
        self.query_one(NumberField).focus_input()

    @on(NumberField.Accepted, "#target-field")
    def _target_accepted(self, event: NumberField.Accepted) -> None:
        self.target_size_mb = event.value
        self.plan = None  # nothing may be confirmed before this target's plan is shown
        self.query_one(FrameTable).focus()
        self._load(event.value)

    def action_confirm(self) -> None:
        app = lake_context(self)
        if app.read_only:
            self.notify(READ_ONLY, severity="warning")
            return
        plan = self.plan
        if plan is None or plan.target_size_mb != self.target_size_mb:
            self.notify(
                f"The plan for {self.target_size_mb} MB is still loading", severity="warning"
            )
            return
        request = self._request()
        if not request.partitions:
            self.notify("Nothing to compact: every partition is skipped", severity="warning")
            return
        if not self.warnings:
            self.dismiss(request)
            return

        def confirmed(yes: bool | None) -> None:  # noqa: FBT001 - a callback
            if yes and self.plan is plan:  # the plan asked about is still the one on screen
                self.dismiss(request)

        question = (
            f"Writers may be active in {len(self.warnings)} partition(s) of {self.table} "
            "(recent writes or pending manifest files). Compact anyway?"
        )
        self.app.push_screen(ConfirmModal(question), confirmed)

    def action_cancel(self) -> None:
        self.dismiss(None)


_PLAN_SCHEMA = {
    "exchange": pl.String,
    "trading_date": pl.Date,
    "files": pl.Int64,
    "small_files": pl.Int64,
    "bytes": pl.Int64,
    "expected_files": pl.Int64,
    "note": pl.String,
}
