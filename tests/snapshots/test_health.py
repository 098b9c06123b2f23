"""Snapshots of the lake health screen and the log maintenance it opens, on the frozen demo lake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from tests.snapshots.frozen import frozen_app
from tests.snapshots.test_screens import SIZES, steps


def on_table(table: str) -> Callable[[Pilot], Awaitable[None]]:
    """Put the health screen's table cursor on ``table``."""

    async def run(pilot: Pilot) -> None:
        tables = pilot.app.screen.query_one("#health-tables")
        tables.focus()
        assert tables.go_to(table=table)  # type: ignore[attr-defined]

    return run


@SIZES
class TestHealthScreens:
    def test_lake_health(self, snap_compare, frozen_lake: Path, size) -> None:
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=steps("L"))

    def test_checkpoint_plan(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps("L", on_table("trades"), "k")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_checkpoint_confirmation(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps("L", on_table("trades"), "k", "y")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)
