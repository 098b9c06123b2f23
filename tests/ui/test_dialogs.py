"""Pilot tests of the two confirmations: the yes/no question and the typed table name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable
from textual.containers import Vertical
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.screens.compact import CompactPlanScreen
from pointline_tui.screens.compact_progress import CompactProgressScreen
from pointline_tui.screens.dialogs import ConfirmModal, TypedConfirmModal
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.orphans import OrphansScreen
from pointline_tui.screens.vacuum import VacuumScreen
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.widgets.frame_table import FrameTable
from tests.pilot import on_table, settle
from tests.ui.test_maintenance_screens import add_orphan, file_counts, parquet_files

HOT = ("binance-futures", date(2024, 5, 2))


def error_text(dialog: TypedConfirmModal) -> str:
    return str(dialog.query_one("#typed-error", Static).render())


async def test_the_typed_confirmation_takes_the_table_name_as_typed(demo_lake: Path) -> None:
    # Compact the hot partition first: its 13 small files become vacuum candidates.
    DeltaEventStore(demo_lake).compact_partitions("trades", exchange=HOT[0], trading_date=HOT[1])
    rows = pl.read_delta(str(demo_lake / "trades")).height
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await on_table(pilot, "trades", "v", "t", "0", "enter")
        vacuum = app.screen
        assert isinstance(vacuum, VacuumScreen)
        assert vacuum.dry_run is not None
        candidates = {demo_lake / "trades" / p for p in vacuum.dry_run.report.removed_files}
        assert len(candidates) == 13
        assert candidates <= parquet_files(demo_lake, "trades")
        assert "y asks for the table name" in str(vacuum.query_one("#vacuum-summary").render())

        await pilot.press("y")
        dialog = app.screen
        assert isinstance(dialog, TypedConfirmModal)
        assert app.focused is dialog.query_one(Input), "the input has the focus at once"
        assert "Type trades and press Enter" in str(dialog.query_one("Label").render())

        await pilot.press(*"trade", "enter")  # wrong: the dialog stays, says so, deletes nothing
        await settle(pilot)
        assert app.screen is dialog
        assert error_text(dialog) == "'trade' is not 'trades': nothing was done"
        assert dialog.query_one(Input).value == ""
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is vacuum
        assert vacuum.done is None
        assert candidates <= parquet_files(demo_lake, "trades")

        # Every letter of the name is a key of some screen below (t: retention, s: sort, ...).
        await pilot.press("y", *"trades", "enter")
        await settle(pilot)
        assert app.screen is vacuum
        assert vacuum.retention_hours == 0  # `t` went into the name, not to the retention
        assert vacuum.done is not None
        assert vacuum.done.files_removed == 13
    assert not candidates & parquet_files(demo_lake, "trades")
    assert pl.read_delta(str(demo_lake / "trades")).height == rows


async def test_the_plan_asks_once_more_when_writers_may_be_active(demo_lake: Path) -> None:
    before = file_counts(demo_lake, "trades")
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.compact_hot("trades")  # from the lake screen, which runs what the plan returns
        await settle(pilot)
        plan = app.screen
        assert isinstance(plan, CompactPlanScreen)
        assert plan.partitions == [HOT]
        assert plan.warnings, "the freshly built demo lake counts as recently written"
        for no in ("n", "escape"):
            await pilot.press("y")
            dialog = app.screen
            assert isinstance(dialog, ConfirmModal)
            assert app.focused is dialog.query_one("#yes", Button)
            question = str(dialog.query_one("#confirm-question").render())
            assert "Writers may be active in 1 partition(s) of trades" in question
            await pilot.press(no)
            await settle(pilot)
            assert app.screen is plan
            assert file_counts(demo_lake, "trades") == before
        await pilot.press("y", "enter")  # Enter on the focused Yes
        await settle(pilot)
        progress = app.screen
        assert isinstance(progress, CompactProgressScreen)
        assert progress.result is not None
        assert [p.state for p in progress.result.partitions] == ["done"]
    assert file_counts(demo_lake, "trades") == before | {HOT: 1}


Opener = Callable[[PointlineApp, Pilot[None]], Awaitable[Screen[object]]]


async def open_confirm(app: PointlineApp, pilot: Pilot[None]) -> Screen[object]:
    app.push_screen(CompactPlanScreen("trades", [HOT]))
    await settle(pilot)
    await pilot.press("y")
    return app.screen_stack[-2]


async def open_typed_vacuum(app: PointlineApp, pilot: Pilot[None]) -> Screen[object]:
    app.push_screen(VacuumScreen("quotes"))
    await settle(pilot)
    await pilot.press("t", "0", "enter")
    await settle(pilot)
    await pilot.press("y")
    return app.screen_stack[-2]


async def open_typed_orphans(app: PointlineApp, pilot: Pilot[None]) -> Screen[object]:
    app.push_screen(OrphansScreen("trades"))
    await settle(pilot)
    await pilot.press("y")
    return app.screen_stack[-2]


@pytest.mark.parametrize(
    ("opener", "kind"),
    [
        pytest.param(open_confirm, ConfirmModal, id="compact-writers-active"),
        pytest.param(open_typed_vacuum, TypedConfirmModal, id="vacuum-below-minimum"),
        pytest.param(open_typed_orphans, TypedConfirmModal, id="remove-orphans"),
    ],
)
async def test_a_dialog_survives_resizing_and_escape_closes_it(
    demo_lake: Path, opener: Opener, kind: type[ModalScreen[bool]]
) -> None:
    orphan = add_orphan(demo_lake)
    before = {t: parquet_files(demo_lake, t) for t in ("trades", "quotes")}
    versions = {t: DeltaTable(str(demo_lake / t)).version() for t in ("trades", "quotes")}
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        under = await opener(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, kind)
        for cols, rows in ((60, 20), (100, 30), (80, 24)):
            await pilot.resize_terminal(cols, rows)
            await settle(pilot)
            assert app.screen is dialog
            assert app.size == (cols, rows)
            box = dialog.query_one(Vertical).region
            assert Region(0, 0, cols, rows).contains_region(box), f"cut at {cols}x{rows}"
            assert app.focused is not None
            assert app.focused.screen is dialog, "the focus stays in the dialog"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is under
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LakeScreen)
    assert orphan.exists()
    assert {t: parquet_files(demo_lake, t) for t in before} == before
    assert {t: DeltaTable(str(demo_lake / t)).version() for t in versions} == versions


async def test_keys_of_the_screens_below_do_not_reach_through_a_dialog(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        plan = CompactPlanScreen("trades", [HOT])
        app.push_screen(plan)
        await settle(pilot)
        await pilot.press("y")
        dialog = app.screen
        assert isinstance(dialog, ConfirmModal)
        await pilot.press("t", "m", "q", "s")  # the plan's, the app's and the table's keys
        await settle(pilot)
        assert app.screen is dialog
        assert plan.target_size_mb == 128
        assert plan.query_one(FrameTable).sort_column is None
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is plan
