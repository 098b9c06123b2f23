"""Pilot tests of the lake screen's first minute at 80x24: panes, the list, going back, footers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.formatting import short_bytes
from pointline_tui.lake import LakeReader
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.lake_detail import Detail, overview_detail
from pointline_tui.screens.lake_messages import OverviewCached
from pointline_tui.widgets.frame_table import FrameTable
from pointline_tui.widgets.lake_tree import LakeTree
from tests.pilot import settle

HOT = ("binance-futures", date(2024, 5, 2))
"""trades' hot partition in the demo lake (13 small files)."""


async def shown(pilot: Pilot[None], table: FrameTable) -> list[str]:
    """The list's lines as the screen shows them, once it has measured its columns (when idle)."""
    await settle(pilot)
    await pilot.pause(0.1)
    region = table.region
    lines = [strip.text for strip in pilot.app.screen._compositor.render_strips()]
    return [line[region.x : region.right] for line in lines[region.y : region.bottom]]


def footer_keys(app: App[None]) -> list[str]:
    """The footer's keys as shown ("esc Back"), each checked to be on screen in full."""
    keys = []
    for key in app.screen.query_one(Footer).query(FooterKey):
        text = f"{key.key_display} {key.description}"
        assert key.region.width > 0, f"{text!r} is not shown"
        assert key.region.right <= app.size.width, f"{text!r} is cut at {app.size.width}"
        keys.append(text)
    return keys


def lake_of(app: PointlineApp) -> LakeScreen:
    screen = app.screen
    assert isinstance(screen, LakeScreen)
    return screen


async def open_trades(pilot: Pilot[None], *, focus_list: bool = True) -> FrameTable:
    """trades selected in the tree (its partition list on show), the list focused."""
    await settle(pilot)
    lake_of(pilot.app).select_table("trades")  # type: ignore[arg-type]
    await settle(pilot)
    table = pilot.app.screen.query_one(FrameTable)
    if focus_list:
        table.focus()
        await pilot.pause()
    return table


def partition_row(table: FrameTable) -> tuple[str | None, date | None]:
    row = table.current_row()
    assert row is not None
    return row["exchange"], row["trading_date"]


async def test_tab_goes_tree_list_filter_and_back_to_the_tree(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot, focus_list=False)
        tree = app.screen.query_one(LakeTree)
        assert tree.has_focus
        await pilot.press("tab")
        assert table.has_focus
        await pilot.press("tab")
        assert tree.has_focus  # no filter shown: back to the tree
        await pilot.press("shift+tab")
        assert table.has_focus
        await pilot.press("slash", *"okx", "enter")
        await settle(pilot)
        field = app.screen.query_one("#detail-filter", Input)
        assert field.display
        assert table.has_focus
        await pilot.press("tab")
        assert field.has_focus
        await pilot.press("tab")
        assert tree.has_focus


async def test_the_list_shows_exchange_date_files_small_files_and_bytes_at_80_columns(
    demo_lake: Path,
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot)
        hot = table.frame.filter(exchange=HOT[0], trading_date=HOT[1]).row(0, named=True)
        lines = await shown(pilot, table)
        assert lines[0].split()[:5] == ["exchange", "date", "files", "small", "bytes"]
        row = next(line for line in lines if HOT[0] in line and "2024-05-02" in line)
        figures = [str(hot["files"]), str(hot["small_files"]), short_bytes(hot["bytes"])]
        assert row.split()[:6] == ["▲", HOT[0], "2024-05-02", *figures]
        assert table.scroll_x == 0

        # Scrolled to its end, the list keeps exchange and date; the other columns move.
        for _ in range(20):
            await pilot.press("right")
        assert table.scroll_x == table.max_scroll_x > 0
        header = (await shown(pilot, table))[0]
        assert header.split()[:2] == ["exchange", "date"]
        assert header.split()[-1] == "max"
        assert "files" not in header.split()


async def test_at_60_columns_files_still_show_beside_the_key_columns(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(60, 20)) as pilot:
        table = await open_trades(pilot)
        header = (await shown(pilot, table))[0]
        assert header.split()[:3] == ["exchange", "date", "files"]


async def test_the_sorted_column_carries_its_order(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot)
        await pilot.press("s")  # exchange, ascending
        assert "exchange △" in (await shown(pilot, table))[0]
        await pilot.press("s", "s")  # files, largest first
        header = (await shown(pilot, table))[0]
        assert "files ▼" in header
        assert "exchange △" not in header
        assert table.sorting == ("files", True)
        await pilot.press("S")
        assert "files △" in (await shown(pilot, table))[0]


async def test_the_tree_narrows_widens_hides_and_grows_with_the_terminal(
    demo_lake: Path,
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot)
        tree = app.screen.query_one(LakeTree)
        start, list_width = tree.outer_size.width, table.outer_size.width
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert tree.outer_size.width == start + 4
        await pilot.press("less_than_sign", "less_than_sign")
        await settle(pilot)
        assert tree.outer_size.width == start - 4
        assert table.outer_size.width == list_width + 4
        await pilot.press("backslash")
        await settle(pilot)
        assert not tree.display
        assert table.has_focus
        assert table.outer_size.width > list_width + start - 8
        await pilot.press("backslash")
        await settle(pilot)
        assert tree.display
        assert tree.outer_size.width == start - 4
    wide = build_app(demo_lake)
    async with wide.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert wide.screen.query_one(LakeTree).outer_size.width > 30


async def test_escape_from_a_partitions_files_returns_to_its_row_in_the_list(
    demo_lake: Path,
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot)
        screen = lake_of(app)
        await pilot.press("s", "s", "s", "down", "down")  # by files, largest first: third row
        chosen = partition_row(table)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.selected is not None
        assert screen.selected.kind == "partition"
        assert "path" in table.frame.columns  # its files
        assert "esc Back" in footer_keys(app)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.selected is not None
        assert (screen.selected.kind, screen.selected.table) == ("table", "trades")
        assert table.sorting == ("files", True)
        assert partition_row(table) == chosen
        assert table.cursor_row == 2
        assert table.has_focus
        assert "esc Back" not in footer_keys(app)


async def test_escape_from_a_partition_chosen_in_the_tree_goes_to_its_exchange(
    demo_lake: Path,
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot, focus_list=False)
        await pilot.press("enter", "down", "enter", "down", "down")  # trades' first exchange
        await settle(pilot)
        screen = lake_of(app)
        assert screen.selected is not None
        assert (screen.selected.exchange, screen.selected.trading_date) == HOT
        await pilot.press("escape")
        await settle(pilot)
        assert screen.selected is not None
        assert (screen.selected.kind, screen.selected.exchange) == ("exchange", HOT[0])
        tree = app.screen.query_one(LakeTree)
        assert tree.cursor_node is not None
        assert tree.cursor_node.data == screen.selected
        assert partition_row(table) == HOT


async def test_the_cursor_rows_show_without_colour(
    demo_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot, focus_list=False)
        await shown(pilot, table)

        def styled(strip_styles: list[tuple[bool, bool]]) -> bool:
            return any(underline or reverse for underline, reverse in strip_styles)

        def row_styles(widget: FrameTable | LakeTree, y: int) -> list[tuple[bool, bool]]:
            strip = widget.render_line(y)
            return [
                (bool(s.style and s.style.underline), bool(s.style and s.style.reverse))
                for s in strip
                if s.text.strip()
            ]

        cursor_y = table.header_height + table.cursor_row
        assert styled(row_styles(table, cursor_y)), "the list's cursor, the tree focused"
        assert not styled(row_styles(table, cursor_y + 1))
        tree = app.screen.query_one(LakeTree)
        table.focus()
        await shown(pilot, table)
        tree_y = tree.cursor_line - tree.scroll_offset.y
        assert styled(row_styles(tree, tree_y)), "the tree's cursor, the list focused"


async def test_every_footer_fits_80_columns_offers_help_and_only_what_applies(
    demo_lake: Path,
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        overview = footer_keys(app)
        assert overview[-1] == "? Help"
        assert not {"c Compact", "v Vacuum", "h History", "esc Back"} & set(overview)
        table = await open_trades(pilot)
        listed = footer_keys(app)
        assert {"s Sort", "c Compact", "v Vacuum", "h History"} <= set(listed)
        assert "esc Back" not in listed
        assert "m Manifest" not in listed, "m and q work, unlisted: the footer fits 60 columns"
        await pilot.press("enter")
        await settle(pilot)
        files = footer_keys(app)
        assert "esc Back" in files
        await pilot.press("escape", "slash")
        await settle(pilot)
        assert footer_keys(app) == ["esc Clear", "? Help"]  # typing: the letters are the filter's
        await pilot.press("question_mark")  # ... and "?" still opens the help
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape", *"okx", "enter")
        await settle(pilot)
        assert table.filter_text == "okx"
        assert "esc Clear" in footer_keys(app)
        await pilot.press("backslash")
        await settle(pilot)
        assert footer_keys(app)[-1] == "? Help"
    readonly = build_app(demo_lake, read_only=True)
    async with readonly.run_test(size=(80, 24)) as pilot:
        await open_trades(pilot)
        assert footer_keys(readonly)[-1] == "? Help"


async def test_home_end_and_the_edges_of_a_page_move_through_the_whole_list(
    demo_lake: Path,
) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_trades(pilot)
        everything = table.frame
        table.page_size = 3  # 8 partitions: three pages
        table.show(everything)
        await pilot.pause()
        rows = [(r["exchange"], r["trading_date"]) for r in everything.iter_rows(named=True)]
        await pilot.press("down", "down", "down")  # past the last row of the first page
        assert (table.page_index, table.cursor_row) == (1, 0)
        assert partition_row(table) == rows[3]
        await pilot.press("up")
        assert (table.page_index, table.cursor_row) == (0, 2)
        await pilot.press("end")
        assert (table.page_index, partition_row(table)) == (2, rows[-1])
        await pilot.press("home")
        assert (table.page_index, partition_row(table)) == (0, rows[0])
        assert table.scroll_x == 0


@pytest.fixture
def cached_overviews(monkeypatch: pytest.MonkeyPatch) -> list[Detail]:
    """The overviews the lake screen got from the cache, in order (each then handled as is)."""
    cached: list[Detail] = []
    show = LakeScreen.on_lake_screen_overview_cached

    def record(screen: LakeScreen, message: OverviewCached) -> None:
        cached.append(message.detail)
        show(screen, message)

    monkeypatch.setattr(LakeScreen, "on_lake_screen_overview_cached", record)
    return cached


async def test_over_a_kept_lake_the_overview_comes_from_the_cache_first(
    demo_lake: Path, tmp_path: Path, cached_overviews: list[Detail]
) -> None:
    cache = tmp_path / "cache"
    async with build_app(demo_lake, cache_folder=cache).run_test(size=(80, 24)) as pilot:
        await settle(pilot)  # this console keeps what it read
    assert cached_overviews == []  # nothing was kept before it
    app = build_app(demo_lake, cache_folder=cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = lake_of(app)
        assert len(cached_overviews) == 1
        detail = screen.detail
        assert detail is not None
        assert (detail.node.kind, detail.frame is not None) == ("lake", True)  # the reader's
        assert cached_overviews[0].text == detail.text  # the same figures, drawn earlier
        # Arriving late, a cached overview never replaces the detail on show.
        wrong = overview_detail(
            detail.node, replace(LakeReader(demo_lake).lake_overview(), files=1)
        )
        screen.post_message(OverviewCached(wrong, frozenset({"trades"})))
        await settle(pilot)
        assert screen.detail is detail
        tree = screen.query_one(LakeTree)
        labels = [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]
        assert "trades" in labels  # no hot mark from the late overview


async def test_without_a_cache_only_the_reader_draws_the_overview(
    demo_lake: Path, cached_overviews: list[Detail]
) -> None:
    for _ in range(2):
        app = build_app(demo_lake)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            detail = lake_of(app).detail
            assert detail is not None
            assert detail.frame is not None
    assert cached_overviews == []
