"""Pilot tests of the frame table: what it draws is whole as soon as rows arrive."""

from __future__ import annotations

import polars as pl
from textual.app import App, ComposeResult

from pointline_tui.widgets.frame_table import Column, FrameTable

COLUMNS = [Column("exchange", "exchange", key=True), Column("files", "files", numeric=True)]


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FrameTable(COLUMNS)


async def test_rows_drawn_before_the_table_is_idle_are_not_cut_to_the_header() -> None:
    app = _TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(FrameTable)
        table.show(pl.DataFrame({"exchange": ["okx"], "files": [1]}))
        await pilot.pause()
        assert "okx" in table.render_line(1).text

        # A longer value arrives, and the table is drawn before it is idle again.
        table.show(pl.DataFrame({"exchange": ["binance-futures", "okx"], "files": [13, 2]}))
        table.refresh()
        first = table.render_line(1).text
        assert "binance-futures" in first, first
        await pilot.pause()
        assert "binance-futures" in table.render_line(1).text
