"""A confirmed compaction running, one commit per partition, and then its report."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import polars as pl
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from pointline_tui.context import lake_context
from pointline_tui.formatting import count, human_bytes, iso_date, partition_name
from pointline_tui.maintenance import CompactionRun, Partition, PartitionRun, compact_each
from pointline_tui.screens.compact_request import CompactRequest
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.text import safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable

__all__ = ["CompactProgressScreen", "CompactRequest"]
"""The request is ``compact_request``'s; it is named here too, beside the screen that runs it."""

RUN_COLUMNS = [
    Column("exchange", "exchange"),
    Column("trading_date", "date", iso_date),
    Column("state", "state"),
    Column("elapsed", "time"),
    Column("files", "files"),
    Column("bytes", "bytes"),
    Column("error", "error"),
]


class CompactProgressScreen(Screen[bool]):
    """Runs a confirmed compaction, one commit per partition, and then shows the report."""

    CSS_PATH = "maintenance.tcss"
    BINDINGS = [
        Binding("escape", "cancel_rest", "Cancel rest"),
        Binding("escape", "close", "Close"),  # once the run is over: check_action picks one
    ]

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
        yield Static(id="run-note", markup=False)
        yield Static(id="run-summary", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self._show()
        self._ticker = self.set_interval(1, self._show)  # running partitions' elapsed time
        self._run()

    @work(thread=True, exclusive=True, group="compaction", exit_on_error=False)
    def _run(self) -> None:
        app = lake_context(self)
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
            self._finished()

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
        self._finished()

    def _finished(self) -> None:
        self._ticker.stop()
        self._show()
        self.refresh_bindings()  # Escape now closes

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
        self._show_note()

    def on_data_table_row_highlighted(self) -> None:
        self._show_note()

    def _show_note(self) -> None:
        """The highlighted partition's error (or whom it waits for) in full, wrapped."""
        row = self.query_one(FrameTable).current_row()
        note = ""
        if row is not None and row["error"]:
            name = partition_name(row["exchange"], row["trading_date"])
            lines = [safe_text(line) for line in str(row["error"]).splitlines()]
            note = f"{name} {row['state']}: " + "\n".join(lines)
        self.query_one("#run-note", Static).update(note)
        self.query_one("#run-note", Static).display = bool(note)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # One Escape, named for what it does now: cancel the rest while running, then close.
        if action == "cancel_rest":
            return self.result is None and not self._cancel.is_set()
        if action == "close":
            return self.result is not None
        return True

    def action_cancel_rest(self) -> None:
        self._cancel.set()
        self._show()
        self.refresh_bindings()

    def action_close(self) -> None:
        self.dismiss(True)


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
