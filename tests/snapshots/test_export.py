"""Snapshots of the export dialog over the quarantine screen, on the frozen demo lake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from tests.pilot import paste
from tests.snapshots.frozen import frozen_app
from tests.snapshots.test_screens import SIZES, steps

SHOWN_EXPORT = "/home/operator/pointline-exports/quarantine-all-20240506T000000Z.csv"
"""The default path as pictures show it (the real one holds the time of the export)."""


def typed(text: str) -> list[str | Callable[[Pilot], Awaitable[None]]]:
    """The steps that replace the dialog's path with ``text``: clear it, paste."""

    async def put(pilot: Pilot) -> None:
        await paste(pilot, text)

    return ["ctrl+u", put]


@SIZES
class TestExportDialog:
    def test_export_dialog(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps("q", "e", *typed(SHOWN_EXPORT))
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_export_dialog_refuses_a_name(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps("q", "f", "e", *typed("~/quarantine.txt"), "enter")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)
