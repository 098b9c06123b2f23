"""Snapshots of the time-travel screens at 80x24 and 140x40, on the frozen demo lake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from pointline_tui.screens.history import HistoryScreen
from pointline_tui.widgets.frame_table import FrameTable
from tests.snapshots.frozen import frozen_app
from tests.snapshots.test_screens import SIZES, select, steps


def at(
    version: int | None = None, *, after_optimize: int = 0
) -> Callable[[Pilot], Awaitable[None]]:
    """Put the history's cursor on ``version``, else ``after_optimize`` after the compaction."""

    async def run(pilot: Pilot) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, HistoryScreen)
        target = version
        if target is None:
            [optimize] = [v for v, e in screen.entries.items() if e.operation == "OPTIMIZE"]
            target = optimize + after_optimize
        assert screen.query_one(FrameTable).go_to(version=target)

    return run


@SIZES
class TestTimeTravel:
    def test_history_with_marks(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("quotes"), "h", at(5), "space", at(), "space")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_commit_changes(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("quotes"), "h", at(), "enter")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_version_diff(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("quotes"), "h", at(5), "space", at(after_optimize=2), "space", "d")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_as_of(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("quotes"), "h", at(5), "a")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_restore_plan(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("quotes"), "h", at(after_optimize=-1), "b")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_dim_symbol_history(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("dim_symbol"), "h", "c")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)
