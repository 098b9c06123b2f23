"""Snapshots of the export dialog over the quarantine screen, on the frozen demo lake."""

from __future__ import annotations

from pathlib import Path

from tests.snapshots.frozen import frozen_app
from tests.snapshots.test_screens import SIZES, steps

SHOWN_EXPORT = "/home/operator/pointline-exports/quarantine-all-20240506T000000Z.csv"
"""The default path as pictures show it (the real one holds the time of the export)."""


def typed(text: str) -> list[str]:
    """The keys that replace the dialog's path with ``text``."""
    return ["ctrl+u", *text]


@SIZES
class TestExportDialog:
    def test_export_dialog(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps("q", "e", *typed(SHOWN_EXPORT))
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_export_dialog_refuses_a_name(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps("q", "f", "e", *typed("~/quarantine.txt"), "enter")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)
