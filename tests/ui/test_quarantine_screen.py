"""Pilot tests of the quarantine screen: counts, filters, server-side paging, jumps, export."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from textual.widgets import Input

from pointline_tui.app import build_app
from pointline_tui.screens.manifest import ManifestScreen
from pointline_tui.screens.quarantine import QuarantineScreen
from pointline_tui.widgets.frame_table import FrameTable
from tests.ui.test_manifest_screen import log, settle, shown_ids, text_of

KEY = ["file_id", "file_seq", "rule_name", "symbol", "ts_event_us", "message"]
"""Columns that tell the demo's log rows apart (with their multiplicity)."""


def with_source(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(
        source_table=pl.col("message").str.strip_prefix("quarantined:"),
    )


async def open_quarantine(app, pilot) -> QuarantineScreen:
    await settle(app, pilot)
    await pilot.press("q")
    await settle(app, pilot)
    assert isinstance(app.screen, QuarantineScreen)
    return app.screen


def page_rows(app) -> pl.DataFrame:
    return app.screen.query_one(FrameTable).frame


async def test_counts_by_rule_and_by_source_table(demo_lake_template: Path) -> None:
    rows = with_source(log(demo_lake_template))
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_quarantine(app, pilot)
        rules = " ".join(text_of(app, "#rule-counts").split())  # undo wrapping at 80 columns
        for (rule,), group in rows.group_by("rule_name"):
            assert f"{rule} {group.height:,}" in rules
        tables = " ".join(text_of(app, "#table-counts").split())
        for (table,), group in rows.group_by("source_table"):
            assert f"{table} {group.height:,}" in tables
        assert text_of(app, "#quarantine-filters") == "filter: none"


async def test_pages_cover_the_whole_log_one_hundred_rows_at_a_time(
    demo_lake_template: Path,
) -> None:
    rows = log(demo_lake_template)
    total = rows.height
    assert total > 200  # three pages
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_quarantine(app, pilot)
        seen = []
        for first in range(0, total, 100):
            last = min(first + 100, total)
            assert text_of(app, "#quarantine-position").startswith(
                f"rows {first + 1}-{last} of {total}"
            )
            assert page_rows(app).height == last - first
            seen.append(page_rows(app).select(KEY))
            await pilot.press("right_square_bracket")
            await settle(app, pilot)
        assert text_of(app, "#quarantine-position").startswith(f"rows {first + 1}-")  # stays
        together = pl.concat(seen).sort(KEY, nulls_last=True)
        assert together.equals(rows.select(KEY).sort(KEY, nulls_last=True))
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert text_of(app, "#quarantine-position").startswith(f"rows {first - 99}-{first}")


async def test_rule_and_table_filters_cycle_and_clear(demo_lake_template: Path) -> None:
    rows = with_source(log(demo_lake_template))
    by_rule = rows.group_by("rule_name").len().sort(["len", "rule_name"], descending=[True, False])
    by_table = rows.group_by("source_table").len()
    by_table = by_table.sort(["len", "source_table"], descending=[True, False])
    rule, second_rule = by_rule.get_column("rule_name").to_list()[:2]
    table = by_table.get_column("source_table").to_list()[0]
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quarantine(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert screen.filters.rule == rule
        expected = rows.filter(pl.col("rule_name") == rule)
        assert set(page_rows(app).get_column("rule_name")) == {rule}
        assert f"of {expected.height}" in text_of(app, "#quarantine-position")
        await pilot.press("t")
        await settle(app, pilot)
        expected = expected.filter(pl.col("source_table") == table)
        assert (screen.filters.rule, screen.filters.source_table) == (rule, table)
        assert text_of(app, "#quarantine-filters") == f"filter: rule {rule} · table {table}"
        assert set(page_rows(app).get_column("source_table")) == {table}
        assert page_rows(app).height == min(expected.height, 100)
        await pilot.press("f")
        await settle(app, pilot)
        assert screen.filters.rule == second_rule
        await pilot.press("c")
        await settle(app, pilot)
        assert text_of(app, "#quarantine-filters") == "filter: none"
        assert f"of {rows.height}" in text_of(app, "#quarantine-position")


async def test_search_takes_a_file_id_or_a_symbol(demo_lake_template: Path) -> None:
    rows = log(demo_lake_template)
    file_id = int(rows.get_column("file_id").min())
    symbol = rows.get_column("symbol").drop_nulls().sort().to_list()[0]
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quarantine(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert screen.query_one("#quarantine-search", Input).has_focus
        await pilot.press(*str(file_id), "enter")
        await settle(app, pilot)
        assert (screen.filters.file_id, screen.filters.symbol) == (file_id, None)
        assert screen.query_one(FrameTable).has_focus
        expected = rows.filter(pl.col("file_id") == file_id)
        assert set(page_rows(app).get_column("file_id")) == {file_id}
        assert page_rows(app).height == min(expected.height, 100)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press("ctrl+u", *symbol, "enter")
        await settle(app, pilot)
        assert (screen.filters.file_id, screen.filters.symbol) == (None, symbol)
        expected = rows.filter(pl.col("symbol") == symbol)
        assert set(page_rows(app).get_column("symbol")) == {symbol}
        assert f"of {expected.height}" in text_of(app, "#quarantine-position")


async def test_enter_opens_the_rows_manifest_entry(demo_lake_template: Path) -> None:
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quarantine(app, pilot)
        await pilot.press("down")
        row = screen.query_one(FrameTable).current_row()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ManifestScreen)
        assert shown_ids(app) == [row["file_id"]]
        assert f"bronze {row['bronze_path']}" in text_of(app, "#manifest-detail")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_opens_with_filters(demo_lake_template: Path) -> None:
    rows = with_source(log(demo_lake_template))
    first = rows.row(0, named=True)
    expected = rows.filter(
        file_id=first["file_id"], rule_name=first["rule_name"], source_table=first["source_table"]
    )
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(
            QuarantineScreen(
                file_id=first["file_id"],
                rule=first["rule_name"],
                source_table=first["source_table"],
            )
        )
        await settle(app, pilot)
        assert page_rows(app).height == expected.height
        assert text_of(app, "#quarantine-position").startswith(
            f"rows 1-{expected.height} of {expected.height}"
        )


async def test_export_writes_the_filtered_rows_to_a_new_csv(
    demo_lake_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rows = log(demo_lake_template)
    rule = rows.group_by("rule_name").len().sort(["len", "rule_name"], descending=[True, False])
    rule = rule.get_column("rule_name")[0]
    expected = rows.filter(pl.col("rule_name") == rule)
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_quarantine(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        first = tmp_path / "quarantine-export-1.csv"
        exported = pl.read_csv(first)
        assert exported.height == expected.height
        assert set(exported.get_column("rule_name")) == {rule}
        assert {"source_table", "vendor", "data_type", "bronze_path"} <= set(exported.columns)
        messages = [n.message for n in app._notifications]
        assert f"exported {expected.height:,} rows to {first}" in messages

        await pilot.press("c", "e")  # a second export never overwrites the first
        await settle(app, pilot)
        assert pl.read_csv(first).height == expected.height
        assert pl.read_csv(tmp_path / "quarantine-export-2.csv").height == rows.height
