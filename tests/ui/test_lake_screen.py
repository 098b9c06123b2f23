"""Pilot tests of the main screen: tree, detail pane, history, refresh, help and palette."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from deltalake import DeltaTable
from textual.widgets import Static

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.screens.help import HelpScreen
from pointline_tui.screens.history import HistoryScreen
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.widgets.frame_table import FrameTable
from pointline_tui.widgets.lake_tree import LakeTree
from tests.frames import trades
from tests.pilot import on_table, run_command
from tests.pilot import settle as settle_pilot


async def settle(app: PointlineApp, pilot) -> None:
    await settle_pilot(pilot)


def text_of(app: PointlineApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def tree_lines(app: PointlineApp) -> list[str]:
    tree = app.screen.query_one(LakeTree)
    return [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]


def add_actions(root: Path, table: str) -> pl.DataFrame:
    return pl.DataFrame(DeltaTable(str(root / table)).get_add_actions(flatten=True))


async def open_table(app: PointlineApp, pilot, table: str) -> LakeScreen:
    screen = app.screen
    assert isinstance(screen, LakeScreen)
    screen.select_table(table)
    await settle(app, pilot)
    await pilot.press("enter")  # expand: exchanges load in a worker
    await settle(app, pilot)
    return screen


async def test_first_screen_shows_the_lake_overview(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        lines = tree_lines(app)
        assert lines[0] == "Events"  # the root is hidden: a group shows the overview
        assert {"trades", "quotes", "orderbook_updates", "dim_symbol", "ingest_manifest"} <= {
            line.split()[0] for line in lines
        }
        files = sum(add_actions(demo_lake, t.name).height for t in demo_lake.iterdir())
        body = text_of(app, "#detail-body")
        assert f"{files:,} /" in body
        manifest = pl.read_delta(str(demo_lake / "ingest_manifest"))
        failed = manifest.filter(status="failed").height
        assert f"failed {failed}" in body


async def test_table_detail_and_partitions_follow_the_selection(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = await open_table(app, pilot, "trades")
        actions = add_actions(demo_lake, "trades")
        assert f"version        {DeltaTable(str(demo_lake / 'trades')).version()}" in text_of(
            app, "#detail-body"
        )
        table = screen.query_one(FrameTable)
        per_partition = actions.group_by("partition.exchange", "partition.trading_date").len()
        assert table.total_rows == per_partition.height
        shown = {
            (r["exchange"], r["trading_date"]): r["files"]
            for r in table.frame.iter_rows(named=True)
        }
        assert shown == {(ex, day): n for ex, day, n in per_partition.iter_rows()}

        # The hot exchange is marked in the tree, its dates appear when expanded.
        hot_exchange = next(line for line in tree_lines(app) if "▲" in line)
        assert hot_exchange.startswith("▲1 binance-futures")  # the mark first: never cut off
        await pilot.press("down", "enter")
        await settle(app, pilot)
        dates = [line for line in tree_lines(app) if line.startswith("2024-05-0")]
        assert len(dates) == 4
        assert any("▲" in line for line in dates)

        # A partition shows its files.
        await pilot.press("down", "down")
        await settle(app, pilot)
        node = screen.selected
        assert node is not None
        assert node.kind == "partition"
        expected = actions.filter(
            pl.col("partition.exchange") == node.exchange,
            pl.col("partition.trading_date") == node.trading_date,
        )
        assert table.total_rows == expected.height
        assert sorted(table.frame["path"].to_list()) == sorted(expected["path"].to_list())


async def test_partition_list_sorts_and_enter_opens_a_partition(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = await open_table(app, pilot, "trades")
        table = screen.query_one(FrameTable)
        table.focus()
        await pilot.press("s", "s", "s")  # exchange -> trading_date -> files (descending)
        await settle(app, pilot)
        assert table.sort_column == "files"
        first = table.current_row()
        assert first is not None
        assert first["files"] == table.frame["files"].max()
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.selected is not None
        assert (screen.selected.kind, screen.selected.exchange) == ("partition", first["exchange"])
        assert table.total_rows == first["files"]


async def test_broken_folders_show_their_reason_and_hide_nothing(demo_lake: Path) -> None:
    stray = demo_lake / "stray_parquet"
    stray.mkdir()
    pl.DataFrame({"x": [1]}).write_parquet(stray / "part-0.parquet")
    (demo_lake / "empty_one").mkdir()
    damaged = demo_lake / "liquidations" / "_delta_log"
    damaged.mkdir(parents=True)
    (damaged / "00000000000000000000.json").write_text('{"commitInfo": [not json\n')

    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        lines = tree_lines(app)
        assert any(line.startswith("stray_parquet") and "✗ not Delta" in line for line in lines)
        assert any(line.startswith("liquidations") and "✗ damaged" in line for line in lines)
        assert any(line.startswith("empty_one") and "(empty)" in line for line in lines)
        assert any(line.startswith("trades") for line in lines)

        app.screen.select_table("liquidations")
        await settle(app, pilot)
        body = text_of(app, "#detail-body")
        assert body.startswith("Damaged Delta log:")
        entry = next(e for e in app.reader.catalog() if e.name == "liquidations")
        assert entry.reason is not None
        assert entry.reason in body  # shown literally, brackets and all


async def test_history_shows_commits_and_audit_metadata(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await on_table(pilot, "quotes", "h")
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(FrameTable)
        history = DeltaTable(str(demo_lake / "quotes")).history()
        assert table.total_rows == len(history)
        optimize = table.frame.filter(operation="OPTIMIZE")
        assert optimize.height == 1
        assert optimize["who"][0] == "demo@demo-host"
        await pilot.press("escape")
        assert isinstance(app.screen, LakeScreen)


async def test_refresh_picks_up_new_commits(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = await open_table(app, pilot, "trades")
        before = DeltaTable(str(demo_lake / "trades")).version()
        assert f"version        {before}\n" in text_of(app, "#detail-body")
        from datetime import date

        DeltaEventStore(demo_lake).append("trades", trades("kraken", date(2024, 5, 1), 5))
        await pilot.press("r")
        await settle(app, pilot)
        await settle(app, pilot)
        assert f"version        {before + 1}\n" in text_of(app, "#detail-body")
        assert any(line.startswith("kraken") for line in tree_lines(app))
        assert screen.query_one(FrameTable).total_rows == 9


async def test_help_and_command_palette(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, LakeScreen)

        await run_command(pilot, "trades history")
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.table == "trades"


async def test_no_color_keeps_every_mark_readable(demo_lake: Path, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(demo_lake)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_table(app, pilot, "trades")
        # Hot partitions are marked by a sign, not only by colour.
        assert any("▲" in line for line in tree_lines(app))


async def test_slash_filters_the_list_and_escape_clears_it(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = await open_table(app, pilot, "trades")
        table = screen.query_one(FrameTable)
        table.focus()
        everything = table.total_rows
        await pilot.press("slash", *"OKX", "enter")
        await settle(app, pilot)
        okx = add_actions(demo_lake, "trades").filter(pl.col("partition.exchange") == "okx")
        assert table.total_rows == okx["partition.trading_date"].n_unique() < everything
        assert set(table.frame["exchange"]) == {"okx"}
        assert "filter 'OKX'" in text_of(app, "#detail-status")
        assert table.has_focus
        await pilot.press("escape")
        await settle(app, pilot)
        assert table.total_rows == everything
        assert "filter" not in text_of(app, "#detail-status")


async def test_history_of_a_table_whose_log_vanished_reports_and_keeps_running(
    demo_lake: Path,
) -> None:
    import shutil

    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await on_table(pilot, "quotes", "h")
        assert isinstance(app.screen, HistoryScreen)
        shutil.rmtree(demo_lake / "quotes" / "_delta_log")
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert not app.screen.query_one(FrameTable).loading
        assert any(n.severity == "error" and "quotes" in n.message for n in app._notifications)


async def test_folder_names_are_never_read_as_markup(demo_lake: Path) -> None:
    odd = "odd[@click=app.quit]x"
    (demo_lake / odd).mkdir()
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert any(line.startswith(odd) for line in tree_lines(app))
        await run_command(pilot, "odd")
        assert app.is_running
        assert isinstance(app.screen, LakeScreen)
        assert app.screen.selected is not None
        assert app.screen.selected.table == odd


async def test_escapes_in_names_are_shown_not_obeyed(demo_lake: Path) -> None:
    hostile = "esc\x1b[7mREV\x1b[2Jdir"
    (demo_lake / hostile).mkdir()
    (demo_lake / hostile / "part-0.parquet").write_bytes(b"PAR1")
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        shown = "esc\\x1b[7mREV\\x1b[2Jdir"
        assert any(line.startswith(shown) for line in tree_lines(app))
        app.screen.select_table(hostile)
        await settle(app, pilot)
        title = text_of(app, "#detail-title")
        assert title == shown
        assert "\x1b" not in title


async def test_ctrl_q_quits_from_the_help_too(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running
