"""One place that turns a failed worker into a message the operator can read."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.worker import Worker, WorkerState

from pointline_tui.storage.models import StorageError
from pointline_tui.text import safe_text


def report_worker_error(screen: Screen[Any], event: Worker.StateChanged) -> None:
    """Notify the failure of a worker and take down the screen's loading placeholders.

    The app keeps running. Messages are shown literally (never as markup: delta-rs errors
    carry square brackets), without their ANSI escapes.
    """
    if event.state != WorkerState.ERROR:
        return
    error = event.worker.error
    title = "Storage error" if isinstance(error, StorageError | OSError) else "Unexpected error"
    screen.app.notify(
        safe_text(f"{event.worker.description or event.worker.name}: {error}"),
        title=title,
        severity="error",
        markup=False,
        timeout=8,
    )
    for widget in screen.query("*"):
        if widget.loading:
            widget.loading = False  # its result will not come
