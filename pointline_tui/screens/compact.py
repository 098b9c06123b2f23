"""Compaction from the console: a plan first, then per-partition progress, then the report."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from pointline_tui.formatting import count, files, human_bytes, iso_date, whole_number
from pointline_tui.lake.plan import CompactionPlan
from pointline_tui.maintenance import (
    CompactionRun,
    Partition,
    PartitionRun,
    compact_each,
    writer_warnings,
)
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.widgets.frame_table import Column, FrameTable

if TYPE_CHECKING:
    from pointline_tui.app import PointlineApp

PLAN_COLUMNS = [
    Column("exchange", "exchange"),
    Column("trading_date", "date", iso_date),
    Column("files", "files", count, numeric=True),
    Column("small_files", "small", count, numeric=True),
    Column("bytes", "bytes", human_bytes, numeric=True),
    Column("expected_files", "→ files", count, numeric=True),
    Column("note", "note"),
]
RUN_COLUMNS = [
    Column("exchange", "exchange"),
    Column("trading_date", "date", iso_date),
    Column("state", "state"),
    Column("elapsed", "time"),
    Column("files", "files"),
    Column("bytes", "bytes"),
    Column("error", "error"),
]


@dataclass(frozen=True, slots=True)
class CompactRequest:
    """What the operator confirmed: these partitions of this table, at this target size."""

    table: str
    partitions: tuple[Partition, ...]
    target_size_mb: int


def compact_commands(request: CompactRequest) -> list[str]:
    """The equivalent ``pointline-tui compact`` command lines, one per partition."""
    return [
        f"pointline-tui compact {request.table} --exchange {ex} --date {day.isoformat()} "
        f"--target-size-mb {request.target_size_mb}"
        for ex, day in request.partitions
    ]


class CompactPlanScreen(Screen[CompactRequest | None]):
    """What compacting the chosen partitions would do; nothing is written until confirmed."""

    CSS_PATH = "maintenance.tcss"
    BINDINGS = [
        Binding("y", "confirm", "Compact"),
        Binding("t", "edit_target", "Target size"),
        Binding("escape", "cancel", "Cancel"),
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
        self._warned = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(
                f"Compact {self.table}: plan for {len(self.partitions)} partition(s)", style="bold"
            ),
            classes="title",
        )
        with Horizontal(classes="field"):
            yield Label("Target file size (MB) ")
            yield Input(str(self.target_size_mb), type="integer", id="target")
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
        app: PointlineApp = self.app  # type: ignore[assignment]
        app.reader.refresh(self.table)
        plan = app.reader.plan_compaction(
            self.table, self.partitions, target_size_mb=target_size_mb
        )
        stats = app.reader.partition_stats(self.table)
        pending = app.reader.manifest().entries(status="pending", limit=100_000).rows
        warnings = writer_warnings(self.partitions, stats, pending, table=self.table)
        if not get_current_worker().is_cancelled:  # a newer target replaced this plan
            self.post_message(self.PlanLoaded(plan, warnings, target_size_mb=target_size_mb))

    def on_worker_state_changed(self, event: Any) -> None:
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
        note = "" if row is None else f"{row['exchange']}/{row['trading_date']}: {row['note']}"
        self.query_one("#plan-note", Static).update(note)

    def _request(self) -> CompactRequest:
        todo = tuple(
            (p.exchange, p.trading_date)
            for p in (self.plan.partitions if self.plan else ())
            if not p.skipped
        )
        return CompactRequest(self.table, todo, self.target_size_mb)  # type: ignore[arg-type]

    def action_edit_target(self) -> None:
        self.query_one("#target", Input).focus()

    @on(Input.Submitted, "#target")
    def _target_submitted(self, event: Input.Submitted) -> None:
        value = whole_number(event.value, minimum=1)
        if value is None:
            self.notify(
                f"Target size must be a whole number of MB ≥ 1, not {event.value!r}",
                severity="error",
                markup=False,
            )
            return
        self.target_size_mb = value
        self.plan = None  # nothing may be confirmed before this target's plan is shown
        self.query_one(FrameTable).focus()
        self._load(value)

    def action_confirm(self) -> None:
        if self.plan is None or self.plan.target_size_mb != self.target_size_mb:
            self.notify(
                f"The plan for {self.target_size_mb} MB is still loading", severity="warning"
            )
            return
        request = self._request()
        if not request.partitions:
            self.notify("Nothing to compact: every partition is skipped", severity="warning")
            return
        if self.warnings and not self._warned:
            self._warned = True
            self.notify(
                f"{len(self.warnings)} partition(s) may have active writers; press y again to "
                "compact anyway",
                severity="warning",
                markup=False,
            )
            return
        self.dismiss(request)

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


class CompactProgressScreen(Screen[bool]):
    """Runs a confirmed compaction, one commit per partition, and then shows the report."""

    CSS_PATH = "maintenance.tcss"
    BINDINGS = [Binding("escape", "cancel_or_close", "Cancel rest / Close")]

    clock: Callable[[], float] = staticmethod(time.monotonic)
    """Times the running partitions; pictures of the screen pass a still one."""

    class PartitionUpdated(Message):
        """One partition changed state."""

        def __init__(self, run: PartitionRun) -> None:
            super().__init__()
            self.run = run

    class RunFinished(Message):
        """Every partition finished, failed or was cancelled."""

        def __init__(self, run: CompactionRun) -> None:
            super().__init__()
            self.run = run

    def __init__(self, request: CompactRequest, *, max_workers: int | None = None) -> None:
        """Run ``request`` with up to ``max_workers`` partitions at once (default: one per core)."""
        super().__init__()
        self.request = request
        self.max_workers = max_workers
        self.runs: dict[Partition, PartitionRun] = {
            p: PartitionRun(exchange=p[0], trading_date=p[1]) for p in request.partitions
        }
        self.result: CompactionRun | None = None
        self._cancel = threading.Event()
        self._started: dict[Partition, float] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(
                f"Compacting {self.request.table}: {len(self.request.partitions)} partition(s) "
                f"at {self.request.target_size_mb} MB",
                style="bold",
            ),
            classes="title",
        )
        yield ProgressBar(total=len(self.request.partitions), show_eta=False, id="progress")
        yield FrameTable(RUN_COLUMNS, id="run-table")
        yield Static(id="run-summary", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._show()
        self._ticker = self.set_interval(1, self._show)  # running partitions' elapsed time
        self._run()

    @work(thread=True, exclusive=True, group="compaction", exit_on_error=False)
    def _run(self) -> None:
        app: PointlineApp = self.app  # type: ignore[assignment]
        worker = get_current_worker()  # cancelled when the screen goes: start nothing more
        run = compact_each(
            # The app's store is a DeltaEventStore: it takes the lock-wait extensions.
            app.optimizer,
            self.request.table,
            self.request.partitions,
            target_size_mb=self.request.target_size_mb,
            max_workers=self.max_workers,
            on_update=self._post_update,
            cancelled=lambda: self._cancel.is_set() or worker.is_cancelled,
        )
        self.post_message(self.RunFinished(run))

    def _post_update(self, run: PartitionRun) -> None:
        self.post_message(self.PartitionUpdated(run))  # from the compaction threads

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
        if event.state == WorkerState.ERROR and self.result is None:
            # The run itself broke: what had not finished did not happen; Escape still closes.
            error = str(event.worker.error)
            unfinished = ("waiting", "running")
            self.result = CompactionRun(
                table_name=self.request.table,
                target_size_mb=self.request.target_size_mb,
                partitions=tuple(
                    replace(r, state="failed", error=error) if r.state in unfinished else r
                    for r in self.runs.values()
                ),
            )
            self.runs = {(p.exchange, p.trading_date): p for p in self.result.partitions}
            self._ticker.stop()
            self._show()

    def on_compact_progress_screen_partition_updated(self, message: PartitionUpdated) -> None:
        run = message.run
        key = (run.exchange, run.trading_date)
        if run.state == "running":
            self._started[key] = self.clock()
        self.runs[key] = run
        self._show()

    def on_compact_progress_screen_run_finished(self, message: RunFinished) -> None:
        self.result = message.run
        self.runs = {(p.exchange, p.trading_date): p for p in message.run.partitions}
        self._ticker.stop()
        self._show()

    def _show(self) -> None:
        runs = list(self.runs.values())
        finished = sum(1 for r in runs if r.state in ("done", "failed", "cancelled"))
        self.query_one(ProgressBar).update(progress=finished)
        now = self.clock()
        rows = [
            _run_row(r, now - self._started[(r.exchange, r.trading_date)])
            if r.state == "running" and (r.exchange, r.trading_date) in self._started
            else _run_row(r)
            for r in runs
        ]
        frame = pl.DataFrame(rows, schema=_RUN_SCHEMA)
        self.query_one(FrameTable).show(frame, keep_page=True)
        done = [r for r in runs if r.state == "done"]
        shown = [_shown_state(r) for r in runs]
        states = " · ".join(
            f"{s} {shown.count(s)}"
            for s in ("waiting", LOCK_WAIT, "running", "done", "failed", "cancelled")
            if s in shown
        )
        summary = states
        # Who the waits are for, once per holder (the rows say which partitions wait).
        holders = list(dict.fromkeys(r.waiting_for for r in runs if _shown_state(r) == LOCK_WAIT))
        summary += "".join(f"\n{LOCK_WAIT} ({text})" for text in holders[:2])
        if len(holders) > 2:
            summary += f"\n  … and {len(holders) - 2} other holders"
        if done:
            summary += (
                f"\nfiles {count(sum(r.files_before or 0 for r in done))} → "
                f"{count(sum(r.files_after or 0 for r in done))} · bytes "
                f"{human_bytes(sum(r.bytes_before or 0 for r in done))} → "
                f"{human_bytes(sum(r.bytes_after or 0 for r in done))}"
            )
        if self.result is not None:
            summary += "\nFinished. Escape closes and refreshes the lake."
        elif self._cancel.is_set():
            summary += "\nCancelling: partitions not started yet will be skipped."
        self.query_one("#run-summary", Static).update(summary)

    def action_cancel_or_close(self) -> None:
        if self.result is not None:
            self.dismiss(True)
            return
        self._cancel.set()
        self._show()


_RUN_SCHEMA = {
    "exchange": pl.String,
    "trading_date": pl.Date,
    "state": pl.String,
    "elapsed": pl.String,
    "files": pl.String,
    "bytes": pl.String,
    "error": pl.String,
}


LOCK_WAIT = "waiting for lock"
"""The state shown for a running partition that waits for another compaction's lock."""


def _shown_state(run: PartitionRun) -> str:
    return LOCK_WAIT if run.state == "running" and run.waiting_for is not None else run.state


def _run_row(run: PartitionRun, running_for: float | None = None) -> dict[str, Any]:
    done = run.state == "done"
    return {
        "exchange": run.exchange,
        "trading_date": run.trading_date,
        "state": _shown_state(run),
        "elapsed": _elapsed(run.elapsed_s if running_for is None else running_for),
        "files": f"{count(run.files_before)} → {count(run.files_after)}" if done else None,
        "bytes": f"{human_bytes(run.bytes_before)} → {human_bytes(run.bytes_after)}"
        if done
        else None,
        "error": run.error if _shown_state(run) != LOCK_WAIT else run.waiting_for,
    }


def _elapsed(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return "<1s" if seconds < 1 else f"{seconds:.0f}s"
