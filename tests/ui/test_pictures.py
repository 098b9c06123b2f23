"""Pilot tests of the file-size histogram (``z``), the heat map (``g``) and row preview (``p``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import Static

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.formatting import short_bytes, short_count
from pointline_tui.lake.heatmap import heat_map
from pointline_tui.lake.histogram import size_histogram
from pointline_tui.lake.reader import LakeReader
from pointline_tui.screens.heatmap import HeatMapScreen
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.rows import RowsScreen, unscaled
from pointline_tui.storage.schemas import PRICE_SCALE
from pointline_tui.widgets.frame_table import FrameTable
from pointline_tui.widgets.heat_map import NO_PARTITION, SHADES, Cursor, HeatMapGrid, grid_text
from pointline_tui.widgets.lake_tree import LakeNode, LakeTree
from pointline_tui.widgets.size_histogram import BAR_WIDTH
from tests.lake.conftest import write_trades
from tests.pilot import run_command, settle
from tests.ui.test_lake_first_minute import HOT, footer_keys, lake_of, open_trades

SIZE = (80, 24)
BLOCKS = set("█▉▊▋▌▍▎▏")


def body(app: PointlineApp) -> str:
    return str(app.screen.query_one("#detail-body", Static).render())


def figures(shown: str, label: str) -> list[str]:
    """The figures on the histogram line of bucket ``label`` (its bars left out)."""
    line = next(line for line in shown.splitlines() if line.startswith(label))
    return [word for word in line[len(label) :].split() if not set(word) <= BLOCKS]


def bar_cells(shown: str, label: str) -> int:
    line = next(line for line in shown.splitlines() if line.startswith(label))
    return sum(ch in BLOCKS for ch in line)


async def select_partition(pilot: Pilot[None], table: str, exchange: str, day: date) -> None:
    lake_of(pilot.app).select_partition(table, exchange, day)  # type: ignore[arg-type]
    await settle(pilot)
    await settle(pilot)


# -- file sizes -----------------------------------------------------------------------------


async def test_z_shows_the_tables_file_sizes_and_z_again_its_summary(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        await open_trades(pilot)
        assert "version" in body(app)

        await pilot.press("z")
        shown = body(app)
        buckets = size_histogram(LakeReader(demo_lake).active_files("trades"))
        for bucket in buckets:
            assert figures(shown, bucket.label) == [
                short_count(bucket.files),
                short_bytes(bucket.bytes),
            ]
        fullest = max(buckets, key=lambda b: b.files)
        assert bar_cells(shown, fullest.label) == 2 * BAR_WIDTH  # the longest bars: full width
        assert "version" not in shown

        await pilot.press("z")
        assert "version" in body(app)


async def test_file_sizes_follow_the_selection_to_a_partition(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        await open_trades(pilot)
        await pilot.press("z")
        await select_partition(pilot, "trades", *HOT)

        files = LakeReader(demo_lake).partition_files("trades", *HOT)
        first = size_histogram(files)[0]
        assert first.files == files.height == 13
        assert figures(body(app), first.label) == ["13", short_bytes(files["size_bytes"].sum())]
        assert f"{files.height} files" in body(app)


# -- the heat map ---------------------------------------------------------------------------


async def test_g_opens_the_heat_map_on_the_worst_partition(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        await open_trades(pilot)
        await pilot.press("g")
        await settle(pilot)

        screen = app.screen
        assert isinstance(screen, HeatMapScreen)
        grid = screen.query_one(HeatMapGrid)
        expected = heat_map(LakeReader(demo_lake).partition_stats("trades")).worst()
        assert expected is not None
        assert grid.cursor == Cursor(
            grid.heat.exchanges.index(expected.exchange), expected.trading_date
        )  # type: ignore[union-attr]
        cell = str(screen.query_one("#heatmap-cell", Static).render())
        assert f"{expected.small_files} small of {expected.files} files" in cell
        assert "? Help" in footer_keys(app)

        await pilot.press("escape")
        assert isinstance(app.screen, LakeScreen)


async def test_enter_on_the_heat_map_selects_the_partition_in_the_tree(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        await open_trades(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("down", "right", "right")  # from binance-futures 05-02: okx 05-04
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)

        lake = lake_of(app)
        wanted = LakeNode(
            "partition", table="trades", exchange="okx", trading_date=date(2024, 5, 4)
        )
        assert lake.selected == wanted
        cursor = lake.query_one(LakeTree).cursor_node
        assert cursor is not None
        assert cursor.data == wanted
        assert lake.detail is not None
        assert lake.detail.node == wanted


async def test_enter_waits_for_a_table_whose_partitions_are_not_in_yet(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "quotes heat map")
        assert isinstance(app.screen, HeatMapScreen)
        assert not app.lake.query_one(LakeTree).has_partitions("quotes")
        await pilot.press("enter")  # the worst partition of quotes
        await settle(pilot)
        await settle(pilot)

        worst = heat_map(LakeReader(demo_lake).partition_stats("quotes")).worst()
        assert worst is not None
        assert lake_of(app).selected == LakeNode(
            "partition", table="quotes", exchange=worst.exchange, trading_date=worst.trading_date
        )


def trades_lake(tmp_path: Path, appends: dict[tuple[str, date], int]) -> PointlineApp:
    """The app over a lake holding only trades, one file per append."""
    silver = tmp_path / "silver"
    silver.mkdir()
    write_trades(silver, appends)
    return build_app(silver)


async def open_heat_map(pilot: Pilot[None]) -> HeatMapGrid:
    await settle(pilot)
    pilot.app.show_heat_map("trades")  # type: ignore[attr-defined]
    await settle(pilot)
    return pilot.app.screen.query_one(HeatMapGrid)


async def test_the_heat_map_moves_by_month_and_stays_in_its_range(tmp_path: Path) -> None:
    app = trades_lake(tmp_path, {("okx", date(2024, 5, 30)): 2, ("okx", date(2024, 7, 2)): 1})
    async with app.run_test(size=SIZE) as pilot:
        grid = await open_heat_map(pilot)
        assert grid.cursor == Cursor(0, date(2024, 5, 30))

        await pilot.press("right_square_bracket")
        assert grid.cursor == Cursor(0, date(2024, 6, 30))
        assert "June 2024 (month 2 of 3" in str(
            app.screen.query_one("#heatmap-title", Static).render()
        )
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert grid.cursor == Cursor(0, date(2024, 7, 30))  # no month after the last
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        assert grid.cursor == Cursor(0, date(2024, 5, 30))
        await pilot.press("left", "left", "left")
        assert grid.cursor == Cursor(0, date(2024, 5, 27))
        await pilot.press("enter")  # a day without a partition: nothing to select
        assert isinstance(app.screen, HeatMapScreen)


def test_the_grid_draws_each_cells_shade_and_fits_80_columns(demo_lake: Path) -> None:
    heat = heat_map(LakeReader(demo_lake).partition_stats("trades"))
    cursor = Cursor(0, date(2024, 5, 31))  # away from the cells checked

    lines = grid_text(heat, cursor, width=78, rows=10).plain.splitlines()

    assert all(len(line) <= 78 for line in lines)
    for row, exchange in enumerate(heat.exchanges, 1):
        cells = lines[row][len(lines[row]) - 31 * 2 :]
        for day in range(1, 31):
            found = heat.cell(exchange, date(2024, 5, day))
            drawn = cells[(day - 1) * 2 : day * 2]
            assert drawn == (NO_PARTITION + " " if found is None else SHADES[found.level] * 2)


# -- rows -----------------------------------------------------------------------------------


def cell(table: FrameTable, row: int, column: str) -> str:
    return str(table.get_cell_at(Coordinate(row, table.get_column_index(column))))


async def rows_of_hot(pilot: Pilot[None]) -> RowsScreen:
    """``p`` on trades' hot partition: its rows' screen, the first page in."""
    await open_trades(pilot)
    await select_partition(pilot, "trades", *HOT)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RowsScreen)
    return screen


async def test_p_shows_a_partitions_rows_a_page_at_a_time(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        screen = await rows_of_hot(pilot)
        expected = pl.read_delta(str(demo_lake / "trades")).filter(
            pl.col("exchange") == HOT[0], pl.col("trading_date") == HOT[1]
        )
        page = screen.current_page
        assert page is not None
        assert page.total == expected.height
        assert_frame_equal(page.rows, expected.drop("exchange", "trading_date").head(100))
        table = screen.query_one(FrameTable)
        assert table.row_count == 100
        assert cell(table, 0, "price") == str(expected["price"][0])
        assert "rows 1-100 of 1,102" in str(screen.query_one(".position", Static).render())

        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.current_page is not None
        assert screen.current_page.offset == 100
        assert cell(table, 0, "file_seq") == str(expected["file_seq"][100])

        await pilot.press("escape")
        assert isinstance(app.screen, LakeScreen)


async def test_d_divides_prices_and_quantities_by_1e9_exactly_and_back(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        screen = await rows_of_hot(pilot)
        table = screen.query_one(FrameTable)
        raw = [(int(cell(table, r, "price")), int(cell(table, r, "qty"))) for r in range(20)]

        await pilot.press("d")
        for r, (price, qty) in enumerate(raw):
            assert Decimal(cell(table, r, "price")) * PRICE_SCALE == price
            assert Decimal(cell(table, r, "qty")) * PRICE_SCALE == qty
            assert cell(table, r, "symbol_id") in {"1", "2"}  # not a price: as it is
        assert "÷ 1e9" in str(screen.query_one(".filters", Static).render())

        await pilot.press("d")
        assert [
            (int(cell(table, r, "price")), int(cell(table, r, "qty"))) for r in range(20)
        ] == raw


async def test_p_on_an_unpartitioned_table_shows_the_whole_table(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lake_of(app).select_table("dim_symbol")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)

        screen = app.screen
        assert isinstance(screen, RowsScreen)
        assert screen.current_page is not None
        assert_frame_equal(screen.current_page.rows, pl.read_delta(str(demo_lake / "dim_symbol")))
        await pilot.press("d")
        table = screen.query_one(FrameTable)
        tick = pl.read_delta(str(demo_lake / "dim_symbol"))["tick_size"][0]
        assert cell(table, 0, "tick_size") == unscaled(tick)


async def test_p_on_the_partition_list_shows_the_highlighted_partition(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_trades(pilot)
        table.go_to(exchange="okx", trading_date=date(2024, 5, 3))
        await pilot.press("p")
        await settle(pilot)

        screen = app.screen
        assert isinstance(screen, RowsScreen)
        assert (screen.filters.exchange, screen.filters.trading_date) == ("okx", date(2024, 5, 3))


async def test_p_on_the_lake_overview_says_what_to_select(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, LakeScreen)
        assert any("Select a partition" in str(n.message) for n in app._notifications)


@pytest.mark.parametrize(
    "value",
    [0, 1, -1, 1_500_000_000, 62_017_700_000_000, -123_456_789_012, 2**63 - 1, -(2**63)],
)
def test_unscaled_divides_exactly(value: int) -> None:
    assert Decimal(unscaled(value)) == Decimal(value) / Decimal(PRICE_SCALE)
    assert unscaled([value, None]) == f"[{unscaled(value)}, -]"


async def test_the_heat_map_scrolls_to_exchanges_below_the_screen(tmp_path: Path) -> None:
    exchanges = [f"venue-{n:02d}" for n in range(30)]
    app = trades_lake(tmp_path, {(exchange, date(2024, 5, 1)): 1 for exchange in exchanges})
    async with app.run_test(size=SIZE) as pilot:
        grid = await open_heat_map(pilot)
        assert grid.cursor == Cursor(0, date(2024, 5, 1))
        assert "venue-29" not in grid.render().plain

        await pilot.press(*["down"] * 29)
        shown = grid.render().plain
        assert "venue-29" in shown
        assert "venue-00" not in shown
        assert "venue-29 / 2024-05-01" in str(
            app.screen.query_one("#heatmap-cell", Static).render()
        )
