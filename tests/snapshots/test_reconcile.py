"""Snapshots of the reconciliation screen, on the frozen demo lake."""

from __future__ import annotations

from pathlib import Path

from tests.snapshots.frozen import frozen_app
from tests.snapshots.test_screens import SIZES, steps


@SIZES
class TestReconcileScreen:
    def test_reconcile(self, snap_compare, frozen_lake: Path, size) -> None:
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=steps("R"))

    def test_reconcile_filtered(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps("R", "k", "down", "tab")  # rows written: the second finding's partitions
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)
