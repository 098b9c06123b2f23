"""Waiting for a Pilot-driven app to finish its work, shared by the UI and snapshot tests."""

from __future__ import annotations

from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.worker import WorkerCancelled, WorkerFailed


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs, over as many rounds as results start new work.

    ``wait_for_complete`` raises when a worker it waits on was cancelled (a newer selection
    replaced it) or failed (the screen reported it): both are outcomes here, not errors.
    """
    app = pilot.app
    for _ in range(20):
        await pilot.pause()
        try:
            await app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):
            continue
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            await _measured(pilot)
            return
    raise AssertionError("the app kept starting work")


async def _measured(pilot: Pilot) -> None:
    """Wait until the screen has handled what finished workers posted, and every data table
    has measured its new rows (it does so when idle).

    Until then a column is as wide as its header, and a picture taken meanwhile differs.
    """
    for _ in range(100):
        nodes = list(pilot.app.screen.walk_children(with_self=True))
        pending = any(not node._message_queue.empty() for node in nodes)
        tables = [node for node in nodes if isinstance(node, DataTable)]
        if not pending and not any(
            t._require_update_dimensions or t._updated_cells for t in tables
        ):
            return
        await pilot.pause(0.01)


async def run_command(pilot: Pilot, text: str) -> None:
    """Open the command palette, type ``text`` and run the best hit."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*text)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def on_table(pilot: Pilot, table: str, *keys: str) -> None:
    """Select ``table`` in the lake tree, then press ``keys``, waiting for the work each starts."""
    await settle(pilot)  # the tree lists the tables first: there is nothing to select before
    pilot.app.screen.select_table(table)  # type: ignore[attr-defined]
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def paste(pilot: Pilot, text: str) -> None:
    """Paste ``text`` into the focused widget, as a terminal delivers a pasted path.

    One event where typing presses a key per character (and waits after each).
    """
    focused = pilot.app.focused
    assert focused is not None, "nothing has the focus to paste into"
    focused.post_message(events.Paste(text))
    await pilot.pause()
