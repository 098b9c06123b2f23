"""Pilot tests of the hot partitions of the whole lake (``H``): order, marks, plans, reloads."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.lake.hot import hot_partitions
from pointline_tui.lake.reader import LakeReader
from pointline_tui.screens.compact import CompactPlanScreen
from pointline_tui.screens.compact_progress import CompactProgressScreen
from pointline_tui.screens.dialogs import READ_ONLY, ConfirmModal
from pointline_tui.screens.hot import HotScreen
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.widgets.frame_table import FrameTable
from tests.frames import trades
from tests.pilot import run_command, settle
from tests.ui.test_lake_first_minute import footer_keys

WORST = ("okx", date(2024, 5, 9))
"""A trades partition added by ``add_hot_partition``: more small files than any in the demo."""
KEY = ["table", "exchange", "trading_date"]


def add_hot_partition(silver: Path, partition: tuple[str, date] = WORST, files: int = 20) -> None:
    """``files`` single-file appends of trades into ``partition``."""
    store = DeltaEventStore(silver)
    for n in range(files):
        store.append("trades", trades(*partition, 5, start=n * 5))


def expected_hot(silver: Path) -> pl.DataFrame:
    """``hot_partitions`` of every event table's statistics, as a fresh reader reads them."""
    reader = LakeReader(silver)
    tables = [e.name for e in reader.catalog() if e.group == "events" and e.state == "delta"]
    return hot_partitions({t: reader.partition_stats(t) for t in tables})


def listed(app: PointlineApp) -> list[tuple[object, ...]]:
    screen = app.screen
    assert isinstance(screen, HotScreen)
    return screen.query_one(FrameTable).frame.select(KEY).rows()


def current(app: PointlineApp) -> Screen[Any]:
    """The screen on top (read again after each key: an ``isinstance`` narrows no later read)."""
    return app.screen


def table_rows(silver: Path, table: str) -> pl.Series:
    """Every row of ``table``, hashed and sorted: equal exactly when the rows are."""
    return pl.read_delta(str(silver / table)).hash_rows(seed=1).sort()


async def open_hot(pilot: Pilot[None]) -> HotScreen:
    await settle(pilot)
    await pilot.press("H")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, HotScreen)
    return screen


async def test_h_lists_every_hot_partition_worst_first(demo_lake: Path) -> None:
    add_hot_partition(demo_lake)
    expected = expected_hot(demo_lake)
    assert expected.get_column("table").n_unique() >= 2  # the lake's, not one table's
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_hot(pilot)
        assert listed(app) == expected.select(KEY).rows()
        assert listed(app)[0] == ("trades", *WORST)  # the most small files
        progress = str(screen.query_one("#hot-progress", Static).render())
        assert "3 event table(s) read" in progress
        shown = footer_keys(app)
        assert {"c Compact", "? Help"} <= set(shown)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HotScreen)


async def test_the_palette_opens_it(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_command(pilot, "hot partitions")
        assert isinstance(app.screen, HotScreen)
        assert listed(app) == expected_hot(demo_lake).select(KEY).rows()


async def test_marks_plan_exactly_the_marked_partitions_table_by_table(demo_lake: Path) -> None:
    add_hot_partition(demo_lake)
    hot = expected_hot(demo_lake).select(KEY).rows()
    # One mark in each of two tables; trades' worst partition stays unmarked.
    trades_mark = next(r for r in hot if r[0] == "trades" and r[1:] != WORST)
    other_mark = next(r for r in hot if r[0] != "trades")
    before = {t: table_rows(demo_lake, t) for t in ("trades", other_mark[0])}
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_hot(pilot)
        table = screen.query_one(FrameTable)
        for mark in (trades_mark, other_mark):
            assert table.go_to(table=mark[0], exchange=mark[1], trading_date=mark[2])
            await pilot.press("space")
        assert screen.marks == {trades_mark, other_mark}
        await pilot.press("c")
        await settle(pilot)
        plan = app.screen
        assert isinstance(plan, CompactPlanScreen)
        assert (plan.table, plan.partitions) == ("trades", [trades_mark[1:]])
        await pilot.press("y")  # the demo was just written: the writers question, then yes
        await settle(pilot)
        assert isinstance(current(app), ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        progress = app.screen
        assert isinstance(progress, CompactProgressScreen)
        assert progress.result is not None
        assert [run.state for run in progress.result.partitions] == ["done"]
        await pilot.press("escape")
        await settle(pilot)
        second = current(app)  # the next table's plan, of its marked partition only
        assert isinstance(second, CompactPlanScreen)
        assert (second.table, second.partitions) == (other_mark[0], [other_mark[1:]])
        await pilot.press("escape")  # skipped
        await settle(pilot)
        assert current(app) is screen
        rows = listed(app)
        assert trades_mark not in rows  # compacted: no longer hot
        assert ("trades", *WORST) in rows
        assert other_mark in rows  # its plan was skipped
        assert rows == expected_hot(demo_lake).select(KEY).rows()
        assert not screen.marks
    for name, hashes in before.items():
        assert table_rows(demo_lake, name).equals(hashes), name


async def test_c_without_marks_plans_every_listed_partition(demo_lake: Path) -> None:
    add_hot_partition(demo_lake)
    hot = expected_hot(demo_lake)
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_hot(pilot)
        await pilot.press("c")
        await settle(pilot)
        planned = []
        while isinstance(app.screen, CompactPlanScreen):
            planned.append((app.screen.table, app.screen.partitions))
            await pilot.press("escape")
            await settle(pilot)
        assert isinstance(app.screen, HotScreen)
    tables = list(dict.fromkeys(hot.get_column("table")))
    assert planned == [
        (t, [(ex, day) for _, ex, day in hot.filter(table=t).select(KEY).rows()]) for t in tables
    ]


async def test_read_only_shows_the_plan_and_writes_nothing(demo_lake: Path) -> None:
    before = table_rows(demo_lake, "trades")
    versions = len(list((demo_lake / "trades" / "_delta_log").glob("*.json")))
    app = build_app(demo_lake, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_hot(pilot)
        assert screen.query_one(FrameTable).go_to(table="trades")
        await pilot.press("space", "c")
        await settle(pilot)
        plan = app.screen
        assert isinstance(plan, CompactPlanScreen)
        assert plan.plan is not None  # the plan shows: it writes nothing
        await pilot.press("y")
        await settle(pilot)
        assert current(app) is plan  # ... and goes no further
        assert READ_ONLY in [str(n.message) for n in app._notifications]
        await pilot.press("escape")
        await settle(pilot)
        assert current(app) is screen
    assert len(list((demo_lake / "trades" / "_delta_log").glob("*.json"))) == versions
    assert table_rows(demo_lake, "trades").equals(before)


async def test_refresh_reads_only_the_new_commits_and_shows_a_new_hot_partition(
    demo_lake: Path,
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_hot(pilot)
        assert ("trades", *WORST) not in listed(app)
        add_hot_partition(demo_lake)  # another writer, while the screen shows
        await pilot.press("r")
        await settle(pilot)
        assert listed(app)[0] == ("trades", *WORST)
        assert listed(app) == expected_hot(demo_lake).select(KEY).rows()
        assert app.reader.last_load("trades") == "incremental"


async def test_no_hot_partition_says_so(tmp_path: Path) -> None:
    silver = tmp_path / "silver"
    silver.mkdir()
    add_hot_partition(silver, files=3)  # small files, but too few to be hot
    app = build_app(silver)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_hot(pilot)
        notice = screen.query_one("#hot-empty", Static)
        assert notice.display
        assert not screen.query_one(FrameTable).display
        text = str(notice.render())
        assert "No hot partition" in text
        assert "1 event table(s)" in text
        assert "c Compact" not in footer_keys(app)
        await pilot.press("c")  # nothing to plan
        await settle(pilot)
        assert app.screen is screen


async def test_a_lake_without_event_tables_says_so(tmp_path: Path) -> None:
    silver = tmp_path / "silver"
    silver.mkdir()
    app = build_app(silver)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_hot(pilot)
        text = str(screen.query_one("#hot-empty", Static).render())
        assert "The lake has no event table" in text


async def test_an_unreadable_table_is_named_and_hides_no_other(demo_lake: Path) -> None:
    expected = expected_hot(demo_lake).filter(pl.col("table") != "quotes")
    newest = sorted((demo_lake / "quotes" / "_delta_log").glob("*.json"))[-1]
    newest.write_text('{"add": {"path": ')  # cut short: the log no longer reads
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_hot(pilot)
        progress = str(screen.query_one("#hot-progress", Static).render())
        assert "✗ quotes:" in progress
        assert listed(app) == expected.select(KEY).rows()
        assert app.is_running


async def test_a_lake_gone_from_under_it_says_so_and_the_app_runs_on(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shutil.rmtree(demo_lake)
        screen = await open_hot(pilot)
        progress = str(screen.query_one("#hot-progress", Static).render())
        assert "the lake could not be read" in progress
        assert not screen.scanning
        assert any(n.severity == "error" for n in app._notifications)
        assert app.is_running


async def test_a_second_console_reads_the_tables_from_the_statistics_cache(
    demo_lake: Path, tmp_path: Path
) -> None:
    seen = []
    for _ in range(2):
        app = build_app(demo_lake, cache_folder=tmp_path / "cache")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_hot(pilot)
            seen.append(str(screen.query_one("#hot-progress", Static).render()))
            assert listed(app) == expected_hot(demo_lake).select(KEY).rows()
    assert "3 event table(s) read, 3 from the statistics cache" in seen[1]
