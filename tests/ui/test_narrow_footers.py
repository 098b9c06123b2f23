"""The footers of the list, plan and dry-run screens show ``? Help`` whole, down to 60x20."""

from __future__ import annotations

from pathlib import Path

import pytest

from pointline_tui.app import build_app
from pointline_tui.screens.compact import CompactPlanScreen
from pointline_tui.screens.hot import HotScreen
from pointline_tui.screens.manifest import ManifestScreen
from pointline_tui.screens.quarantine import QuarantineScreen
from pointline_tui.screens.vacuum import VacuumScreen
from tests.pilot import on_table
from tests.ui.test_lake_first_minute import footer_keys

SCREENS = [
    pytest.param(("m",), ManifestScreen, "f Status", id="manifest"),
    pytest.param(("q",), QuarantineScreen, "e Export", id="quarantine"),
    pytest.param(("c",), CompactPlanScreen, "y Compact", id="compaction-plan"),
    pytest.param(("v",), VacuumScreen, "y Vacuum", id="vacuum-dry-run"),
    pytest.param(("H",), HotScreen, "c Compact", id="hot-partitions"),
]


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
@pytest.mark.parametrize(("keys", "kind", "main_key"), SCREENS)
async def test_the_footer_shows_its_main_key_and_help_whole(
    demo_lake: Path, size: tuple[int, int], keys: tuple[str, ...], kind: type, main_key: str
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=size) as pilot:
        await on_table(pilot, "trades", *keys)
        assert isinstance(app.screen, kind)
        shown = footer_keys(app)  # each key checked to be on screen in full
        assert shown[-1] == "? Help"
        assert main_key in shown
