"""Pilot tests of time travel: changes, diffs, as-of browsing, restore and dim_symbol history."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from deltalake import DeltaTable
from textual.pilot import Pilot

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.lake.dim_history import dim_symbol_history
from pointline_tui.lake.versions import commit_changes, version_diff
from pointline_tui.screens.as_of import AsOfScreen
from pointline_tui.screens.commit_changes import CommitChangesScreen
from pointline_tui.screens.dialogs import READ_ONLY, TypedConfirmModal
from pointline_tui.screens.dim_history import DimHistoryScreen
from pointline_tui.screens.history import HistoryScreen
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.restore import RestoreScreen
from pointline_tui.screens.version_diff import VersionDiffScreen
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.log import list_log
from pointline_tui.widgets.frame_table import FrameTable
from tests.pilot import on_table, run_command, settle
from tests.ui.test_lake_screen import text_of


def optimize_version(root: Path, table: str) -> int:
    history = DeltaTable(str(root / table)).history()
    return next(int(c["version"]) for c in history if c["operation"] == "OPTIMIZE")


async def history_at(
    app: PointlineApp, pilot: Pilot[None], table: str, version: int
) -> HistoryScreen:
    await on_table(pilot, table, "h")
    screen = app.screen
    assert isinstance(screen, HistoryScreen)
    assert screen.query_one(FrameTable).go_to(version=version)
    await settle(pilot)
    return screen


async def restore_plan(app: PointlineApp, pilot: Pilot[None], version: int) -> RestoreScreen:
    """The restore plan of quotes to ``version``, opened from its history with ``b``."""
    await settle(pilot)
    await history_at(app, pilot, "quotes", version)
    await pilot.press("b")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, RestoreScreen)
    assert screen.plan is not None
    return screen


def content(table: Path, version: int | None = None) -> tuple[int, int]:
    frame = pl.read_delta(str(table), version=version)
    return frame.height, int(frame.select(sorted(frame.columns)).hash_rows(seed=5).sum())


async def test_enter_shows_what_an_optimize_commit_changed(demo_lake: Path) -> None:
    version = optimize_version(demo_lake, "quotes")
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await history_at(app, pilot, "quotes", version)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CommitChangesScreen)
        expected = commit_changes(demo_lake / "quotes", version)
        assert screen.changes == expected
        [row] = screen.query_one(FrameTable).frame.iter_rows(named=True)
        [part] = expected.partitions
        assert (row["files_removed"], row["files_added"]) == (part.files_removed, 1)
        assert row["rows_added"] == row["rows_removed"]
        title = str(screen.query_one(".tt-title").render())
        assert f"version {version} · OPTIMIZE" in title
        detail = str(screen.query_one(".tt-detail").render())
        assert "numFilesRemoved" in detail
        assert "user=demo" in detail  # the audit metadata
        await pilot.press("escape")
        assert isinstance(app.screen, HistoryScreen)


async def test_two_marked_versions_are_compared(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        history = await history_at(app, pilot, "trades", 3)
        await pilot.press("space")
        history.query_one(FrameTable).go_to(version=12)
        await pilot.press("space")
        await settle(pilot)
        assert history.marked == [3, 12]
        assert "marked: 3 and 12" in text_of(app, "#history-detail")
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, VersionDiffScreen)
        assert screen.diff == version_diff(demo_lake / "trades", 3, 12)
        shown = screen.query_one(FrameTable).frame
        assert shown.height == len(screen.diff.partitions) > 0
        assert "unchanged" in str(screen.query_one(".tt-detail").render())
        await pilot.press("escape")
        assert isinstance(app.screen, HistoryScreen)


async def test_d_without_marks_compares_with_the_previous_version(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await history_at(app, pilot, "trades", 0)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)  # nothing before version 0
        app.screen.query_one(FrameTable).go_to(version=5)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, VersionDiffScreen)
        assert (app.screen.from_version, app.screen.to_version) == (4, 5)


async def test_as_of_browses_partitions_files_and_rows_of_a_version(demo_lake: Path) -> None:
    table = demo_lake / "trades"
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await history_at(app, pilot, "trades", 4)
        await pilot.press("a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AsOfScreen)
        assert "as of version 4" in str(screen.query_one(".tt-title").render())
        listed = screen.query_one(FrameTable).frame
        expected = pl.read_delta(str(table), version=4).group_by("exchange", "trading_date").len()
        shown = listed.select("exchange", "trading_date", "rows")
        assert sorted(shown.iter_rows()) == sorted(expected.iter_rows())
        first = listed.row(0, named=True)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.view == "files"
        assert screen.query_one(FrameTable).total_rows == first["files"]
        await pilot.press("p")
        await settle(pilot)
        assert screen.view == "rows"
        rows = screen.query_one(FrameTable).frame
        assert rows.height == min(100, first["rows"])
        assert set(rows["exchange"]) == {first["exchange"]}
        await pilot.press("escape")
        assert screen.view == "partitions"
        await pilot.press("escape")
        assert isinstance(app.screen, HistoryScreen)


async def test_restore_from_the_history_screen_end_to_end(demo_lake: Path) -> None:
    table = demo_lake / "quotes"
    target = optimize_version(demo_lake, "quotes") - 1
    expected = content(table, target)
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await restore_plan(app, pilot, target)
        assert screen.plan is not None
        assert screen.plan.restorable
        assert "every file of the target is on disk" in str(screen.query_one(".tt-detail").render())
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TypedConfirmModal)
        await pilot.press(*"quotes", "enter")
        await settle(pilot)
        assert screen.done is not None
        assert content(table) == expected
        assert "Restored" in str(screen.query_one(".tt-detail").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        newest = app.screen.query_one(FrameTable).frame.row(0, named=True)
        assert newest["operation"] == "RESTORE"
        assert newest["version"] == screen.done.version
        assert newest["who"] != "-"  # the audit metadata


async def test_a_writer_between_the_plan_and_the_restore_is_reported(demo_lake: Path) -> None:
    table = demo_lake / "quotes"
    target = optimize_version(demo_lake, "quotes") - 1
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await restore_plan(app, pilot, target)
        DeltaEventStore(demo_lake).append("quotes", pl.read_delta(str(table)).head(3))
        appended = list_log(table / "_delta_log").commits
        await pilot.press("y")
        await settle(pilot)
        await pilot.press(*"quotes", "enter")
        await settle(pilot)
        assert screen.done is None
        assert "as planned" in str(screen.query_one(".tt-detail").render())
        assert any("as planned" in n.message for n in app._notifications)
    assert list_log(table / "_delta_log").commits == appended


async def test_restore_is_refused_read_only_and_for_a_vacuumed_target(demo_lake: Path) -> None:
    table = demo_lake / "quotes"
    target = optimize_version(demo_lake, "quotes") - 1
    app = build_app(demo_lake, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await restore_plan(app, pilot, target)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, RestoreScreen)  # no confirmation opened
        assert READ_ONLY in [n.message for n in app._notifications]

    DeltaEventStore(demo_lake).vacuum_table("quotes", retention_hours=0, enforce_retention=False)
    listing = list_log(table / "_delta_log").commits
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await restore_plan(app, pilot, target)
        assert screen.plan is not None
        assert screen.plan.missing
        assert f"first: {screen.plan.missing[0]}" in str(screen.query_one(".tt-detail").render())
        await pilot.press("f")
        files = screen.query_one(FrameTable).frame
        assert files.height == len(screen.plan.returning)
        assert files.filter(~pl.col("on_disk")).height == len(screen.plan.missing)
        await pilot.press("f")
        assert "rows_delta" in screen.query_one(FrameTable).frame.columns
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, RestoreScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
    assert list_log(table / "_delta_log").commits == listing


async def test_the_newest_version_is_no_restore_target(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await on_table(pilot, "trades", "h", "b")
        assert isinstance(app.screen, HistoryScreen)


async def test_dim_symbol_history_from_its_history_and_the_palette(demo_lake: Path) -> None:
    expected = dim_symbol_history(demo_lake / "dim_symbol")
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await on_table(pilot, "trades", "h", "c")
        assert isinstance(app.screen, HistoryScreen)  # c is for dim_symbol only
        await pilot.press("escape")
        await on_table(pilot, "dim_symbol", "h", "c")
        screen = app.screen
        assert isinstance(screen, DimHistoryScreen)
        assert screen.versions == expected
        frame = screen.query_one(FrameTable).frame
        assert frame.height == sum(len(v.changes) for v in expected)
        changed = frame.filter(change="changed").row(0, named=True)
        assert "tick_size" in changed["what"]
        assert "symbol_id 2 → 5" in changed["what"]
        await pilot.press("escape")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, LakeScreen)
        await run_command(pilot, "dim_symbol symbol changes")
        assert isinstance(app.screen, DimHistoryScreen)
