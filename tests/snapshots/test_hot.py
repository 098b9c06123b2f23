"""Snapshots of the hot partitions of the whole lake (``H``), on the frozen demo lake."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pointline_tui.screens.hot import HotScreen
from tests.snapshots.frozen import frozen_app
from tests.snapshots.test_screens import SIZES, steps

SHOWN_NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
"""The time the pictures' ages are counted to (the frozen lake's files are of 2024-05-06)."""


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(HotScreen, "clock", staticmethod(lambda: SHOWN_NOW))


@SIZES
class TestHotPartitions:
    def test_hot_partitions(self, snap_compare, frozen_lake: Path, size) -> None:
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=steps("H"))

    def test_hot_partitions_marked(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps("H", "down", "space")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)
