"""One place that turns a failed worker into a message the operator can read."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.worker import Worker, WorkerState

from pointline_tui.context import lake_context
from pointline_tui.storage.models import StorageError
from pointline_tui.text import safe_text


def report_worker_error(screen: Screen[Any], event: Worker.StateChanged) -> None:
    """Notify the failure of a worker and take down the screen's loading placeholders.

    The app keeps running. The toast carries the error's first useful line, shown literally
    (never as markup: delta-rs errors carry square brackets); the whole error is kept in the
    run's error log, which ``E`` opens.
    """
    if event.state != WorkerState.ERROR or event.worker.error is None:
        return
    error = event.worker.error
    # A worker's description is the repr of its call; its group says what it was doing.
    doing = event.worker.group.replace("-", " ")
    record = lake_context(screen).errors.record(doing, error)
    kind = "Storage error" if isinstance(error, StorageError | OSError) else "Unexpected error"
    screen.app.notify(
        f"{record.summary}\n(E: details)",
        title=f"{kind}: {safe_text(doing)}",
        severity="error",
        markup=False,
        timeout=8,
    )
    for widget in screen.query("*"):
        if widget.loading:
            widget.loading = False  # its result will not come
