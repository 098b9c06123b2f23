"""Snapshots of the file sizes, the heat map and the row preview, on the frozen demo lake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from textual.pilot import Pilot

from pointline_tui.widgets.heat_map import HeatMapGrid
from tests.lake.conftest import write_trades
from tests.snapshots.frozen import frozen_app
from tests.snapshots.test_screens import SIZES, select, steps

HOT = ("binance-futures", date(2024, 5, 2))


def partition(table: str, exchange: str, day: date) -> Callable[[Pilot], Awaitable[None]]:
    async def run(pilot: Pilot) -> None:
        pilot.app.screen.select_partition(table, exchange, day)  # type: ignore[attr-defined]

    return run


@SIZES
class TestPictures:
    def test_table_file_sizes(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("trades"), "z")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_partition_file_sizes(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("trades"), "z", partition("trades", *HOT))
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_heat_map(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("trades"), "g", grid_focused)
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_heat_map_of_months(self, snap_compare, frozen_lake: Path, size) -> None:
        # More partitions of trades, over three months and a third exchange.
        write_trades(
            frozen_lake,
            {
                ("deribit", date(2024, 5, 20)): 3,
                ("okx", date(2024, 6, 3)): 6,
                ("binance-futures", date(2024, 6, 11)): 9,
                ("deribit", date(2024, 7, 8)): 1,
            },
        )
        # From the worst partition (May 2): June, then on to binance-futures' June 11.
        run = steps(select("trades"), "g", grid_focused, "right_square_bracket", *["right"] * 9)
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_rows(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("trades"), partition("trades", *HOT), "p")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)

    def test_rows_divided(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("trades"), partition("trades", *HOT), "p", "d", "down", "down")
        assert snap_compare(frozen_app(frozen_lake), terminal_size=size, run_before=run)


async def grid_focused(pilot: Pilot) -> None:
    """Wait for the heat map's grid to take the focus its screen gives it once loaded (under
    load that lands a few refreshes after the workers are done); its keys are in the footer."""
    for _ in range(500):
        if isinstance(pilot.app.focused, HeatMapGrid):
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError("the heat map's grid never took the focus")
