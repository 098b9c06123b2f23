"""Pilot tests of the lake screen's marks, unpartitioned tables, read-only and its views."""

from __future__ import annotations

from pathlib import Path

from deltalake import DeltaTable
from textual.coordinate import Coordinate

from pointline_tui.app import build_app
from pointline_tui.screens.compact import CompactPlanScreen
from pointline_tui.screens.compact_progress import CompactProgressScreen
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.manifest import ManifestScreen
from pointline_tui.screens.quarantine import QuarantineScreen
from pointline_tui.screens.vacuum import VacuumScreen
from pointline_tui.widgets.frame_table import FrameTable
from pointline_tui.widgets.lake_tree import LakeTree
from tests.pilot import settle
from tests.ui.test_lake_first_minute import HOT, footer_keys, lake_of, open_trades


async def test_a_marked_hot_partition_shows_both_signs(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot)
        assert table.go_to(exchange=HOT[0], trading_date=HOT[1])
        await pilot.press("space")
        await settle(pilot)
        assert lake_of(app).marks == {("trades", *HOT)}
        assert table.get_cell_at(Coordinate(table.cursor_row, 0)).plain == "●▲"
        await pilot.press("down", "space")
        assert table.get_cell_at(Coordinate(table.cursor_row, 0)).plain == "●"


async def test_an_unpartitioned_table_is_one_partition_hot_and_markable(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(LakeTree)
        labels = [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]
        files = len(DeltaTable(str(demo_lake / "ingest_manifest")).file_uris())
        assert "ingest_manifest ▲" in labels  # one small file per entry: hot, as the CLI says
        screen = lake_of(app)
        screen.select_table("ingest_manifest")
        await settle(pilot)
        table = app.screen.query_one(FrameTable)
        table.focus()
        await pilot.pause()
        assert table.total_rows == 1
        assert table.get_cell_at(Coordinate(0, 0)).plain == "▲"
        assert "c Compact" in footer_keys(app)
        await pilot.press("space")
        assert screen.marks == {("ingest_manifest", None, None)}
        assert table.get_cell_at(Coordinate(0, 0)).plain == "●▲"
        await pilot.press("u", "enter")  # its one partition's files, and back
        await settle(pilot)
        assert screen.selected is not None
        assert (screen.selected.kind, screen.selected.table) == ("partition", "ingest_manifest")
        assert table.total_rows == files
        await pilot.press("escape")
        await settle(pilot)
        assert table.total_rows == 1


async def test_c_on_an_unpartitioned_table_plans_and_compacts_it_as_the_cli_does(
    demo_lake: Path,
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lake_of(app).select_table("ingest_manifest")
        await settle(pilot)
        app.screen.query_one(FrameTable).focus()
        await pilot.press("c")
        await settle(pilot)
        plan = app.screen
        assert isinstance(plan, CompactPlanScreen)
        assert plan.partitions == [(None, None)]
        assert plan.plan is not None
        assert plan.plan.to_compact == 1
        await pilot.press("y", "y")  # the writers question (the manifest was just written), yes
        await settle(pilot)
        assert isinstance(app.screen, CompactProgressScreen)
        assert app.screen.result is not None
        assert [run.state for run in app.screen.result.partitions] == ["done"]


async def test_read_only_shows_the_plan_and_the_dry_run_and_keeps_marks(demo_lake: Path) -> None:
    app = build_app(demo_lake, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot)
        assert {"c Compact", "v Vacuum"} <= set(footer_keys(app))
        await pilot.press("asterisk")
        assert lake_of(app).marks == {("trades", *HOT)}
        assert table.get_cell_at(Coordinate(1, 0)).plain == "●▲"
        await pilot.press("c")
        await settle(pilot)
        plan = app.screen
        assert isinstance(plan, CompactPlanScreen)
        assert plan.partitions == [HOT]
        assert plan.plan is not None  # the plan shows: it writes nothing
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, CompactPlanScreen)  # ... and goes no further
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        dry_run = app.screen
        assert isinstance(dry_run, VacuumScreen)
        assert dry_run.partitions == [HOT]


async def test_the_detail_shows_a_loading_sign_while_it_reloads_after_a_compaction(
    demo_lake: Path,
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot)
        await pilot.press("asterisk", "c")
        await settle(pilot)
        await pilot.press("y", "y")  # the recent-writes question, then yes
        await settle(pilot)
        assert isinstance(app.screen, CompactProgressScreen)
        detail = app.lake.query_one("#detail")
        lock = app.reader._slot("trades").lock
        assert lock.acquire(timeout=10)  # the reload waits: the old figures are on show
        try:
            await pilot.press("escape")
            await pilot.pause(0.2)
            assert isinstance(app.screen, LakeScreen)
            assert detail.loading
        finally:
            lock.release()
        await settle(pilot)
        assert not detail.loading
        assert table.frame.filter(exchange=HOT[0], trading_date=HOT[1])["files"][0] == 1


async def test_m_q_m_q_switches_views_instead_of_stacking_them(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, view in (("m", ManifestScreen), ("q", QuarantineScreen)) * 2:
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, view)
            assert len(app.screen_stack) == 3
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LakeScreen)
