"""Pilot tests of the quarantine screen: counts, filters, paging, jumps, export, copying."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from textual.widgets import Input
from textual.widgets._footer import FooterKey
from textual.worker import Worker, WorkerState

from pointline_tui.app import build_app
from pointline_tui.screens.dialogs import ConfirmModal
from pointline_tui.screens.export import ExportModal
from pointline_tui.screens.manifest import ManifestScreen
from pointline_tui.screens.quarantine import QuarantineScreen
from pointline_tui.widgets.frame_table import FrameTable
from tests.pilot import paste
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


async def test_search_takes_part_of_a_symbol_in_any_case_or_a_file_id(
    demo_lake_template: Path,
) -> None:
    rows = log(demo_lake_template)
    file_id = int(rows.get_column("file_id").min())
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quarantine(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert screen.query_one("#quarantine-search", Input).has_focus
        await pilot.press(*"usdt-s", "enter")  # part of BTC-USDT-SWAP and ETH-USDT-SWAP
        await settle(app, pilot)
        assert screen.filters.search == "usdt-s"
        assert screen.query_one(FrameTable).has_focus
        expected = rows.filter(pl.col("symbol").str.contains("USDT-S", literal=True))
        assert 0 < expected.height < rows.height
        assert set(page_rows(app).get_column("symbol")) == set(expected.get_column("symbol"))
        assert f"of {expected.height}" in text_of(app, "#quarantine-position")
        assert text_of(app, "#quarantine-filters") == "filter: symbol ~ 'usdt-s'"

        await pilot.press("slash")
        await pilot.pause()
        await pilot.press("ctrl+u", *str(file_id), "enter")  # a whole number: also a file id
        await settle(app, pilot)
        expected = rows.filter(
            (pl.col("file_id") == file_id)
            | pl.col("symbol").str.contains(str(file_id), literal=True)
        )
        assert set(page_rows(app).get_column("file_id")) == {file_id}
        assert page_rows(app).height == min(expected.height, 100)
        assert text_of(app, "#quarantine-filters") == (
            f"filter: symbol ~ '{file_id}' or file {file_id}"
        )


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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder in tmp_path (the default export folder is in it) and an empty cwd.

    ``tests/ui/conftest.py`` does the same for every Pilot test; said again here because these
    tests press the key that writes.
    """
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)
    monkeypatch.chdir(cwd)
    return home


def most_frequent_rule(rows: pl.DataFrame) -> str:
    counts = rows.group_by("rule_name").len().sort(["len", "rule_name"], descending=[True, False])
    return str(counts.get_column("rule_name")[0])


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_export(app, pilot) -> ExportModal:
    await pilot.press("e")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, ExportModal)
    assert dialog.query_one("#export-path", Input).has_focus
    return dialog


async def type_path(pilot, path: Path | str) -> None:
    await pilot.press("ctrl+u")
    await paste(pilot, str(path))


async def test_export_asks_for_the_file_and_shows_it_in_full(
    demo_lake_template: Path, home: Path, tmp_path: Path
) -> None:
    rows = log(demo_lake_template)
    rule = most_frequent_rule(rows)
    expected = rows.filter(pl.col("rule_name") == rule)
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quarantine(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        dialog = await open_export(app, pilot)
        default = Path(dialog.query_one("#export-path", Input).value)
        # ~/pointline-exports/quarantine-<table or all>-<UTC time>.csv, shown expanded.
        assert default.parent == home / "pointline-exports"
        assert re.fullmatch(r"quarantine-all-\d{8}T\d{6}Z\.csv", default.name)
        assert text_of(app, "#export-target") == f"writes CSV to {default}"
        await pilot.press(*"ftc")  # typed into the path, never the screen's filter keys
        assert dialog.query_one("#export-path", Input).value == f"{default}ftc"
        assert screen.filters.rule == rule
        await pilot.press("backspace", "backspace", "backspace", "enter")
        await settle(app, pilot)

        exported = pl.read_csv(default)
        assert exported.height == expected.height
        assert set(exported.get_column("rule_name")) == {rule}
        assert {"source_table", "vendor", "data_type", "bronze_path"} <= set(exported.columns)
        assert app.screen is dialog  # the result shows in the dialog, with the path in full
        assert text_of(app, "#export-status") == f"exported {expected.height:,} rows to {default}"
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == str(default)
        assert f"copied: {default}" in notices(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert f"exported {expected.height:,} rows to {default}" in notices(app)
    assert list((tmp_path / "cwd").iterdir()) == []  # nothing in the current folder
    assert [p.name for p in default.parent.iterdir()] == [default.name]  # no partial file


async def test_export_names_the_table_filter_and_writes_parquet(
    demo_lake_template: Path, home: Path
) -> None:
    rows = with_source(log(demo_lake_template))
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quarantine(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        table = screen.filters.source_table
        assert table is not None
        dialog = await open_export(app, pilot)
        path = dialog.query_one("#export-path", Input)
        assert Path(path.value).name.startswith(f"quarantine-{table}-")
        await pilot.press("ctrl+t")  # the toggle switches the suffix, which picks the format
        assert path.value.endswith(".parquet")
        assert text_of(app, "#export-target").startswith("writes Parquet to ")
        await pilot.press("ctrl+t")
        assert path.value.endswith(".csv")
        assert text_of(app, "#export-target").startswith("writes CSV to ")
        await type_path(pilot, "rows.PARQUET")  # a typed suffix picks it too; relative: in
        target = home / "pointline-exports" / "rows.PARQUET"  # the export folder
        assert text_of(app, "#export-target") == f"writes Parquet to {target}"
        await pilot.press("enter")
        await settle(app, pilot)
        exported = pl.read_parquet(target)
        assert exported.height == rows.filter(pl.col("source_table") == table).height
        assert dialog.result is not None
        assert dialog.query_one("#export-path", Input).disabled  # closed once written
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen


async def test_export_never_replaces_a_file_without_asking(
    demo_lake_template: Path, home: Path
) -> None:
    rows = log(demo_lake_template)
    target = home / "rows.csv"
    target.write_text("keep me\n")
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_quarantine(app, pilot)
        dialog = await open_export(app, pilot)
        await type_path(pilot, "~/rows.csv")
        await pilot.press("enter")
        await settle(app, pilot)
        question = app.screen
        assert isinstance(question, ConfirmModal)
        assert str(target) in question.question
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is dialog
        assert target.read_text() == "keep me\n"
        assert text_of(app, "#export-status") == "not replaced: choose another name"
        assert dialog.query_one("#export-path", Input).has_focus

        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is dialog
        assert pl.read_csv(target).height == rows.height
        assert dialog.result is not None
        assert dialog.result.path == target
    assert [p.name for p in home.iterdir()] == ["rows.csv"]


async def test_export_error_shows_in_the_dialog_in_words(
    demo_lake_template: Path, home: Path
) -> None:
    rows = log(demo_lake_template)
    states: list[Worker.StateChanged] = []

    def hook(message: object) -> None:
        if isinstance(message, Worker.StateChanged):
            states.append(message)

    (home / "note.txt").write_text("a file, not a folder\n")
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await open_quarantine(app, pilot)
        dialog = await open_export(app, pilot)
        await type_path(pilot, "/proc/x.csv")  # nothing can be created there
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is dialog  # still open, to fix the path
        status = text_of(app, "#export-status")
        assert status.startswith("cannot write /proc/x.csv: ")
        assert status.split(": ", 1)[1] in {"permission denied", "no such file or directory"}
        assert dialog.query_one("#export-path", Input).has_focus
        failed = [s.worker for s in states if s.state == WorkerState.ERROR]
        assert [w.description for w in failed] == ["export to /proc/x.csv"]
        assert not any("RowFilters" in n or "Storage error" in n for n in notices(app))

        await type_path(pilot, home / "note.txt" / "x.csv")
        await pilot.press("enter")
        await settle(app, pilot)
        assert text_of(app, "#export-status") == (
            f"cannot write {home}/note.txt/x.csv: {home}/note.txt is not a folder"
        )
        await type_path(pilot, home / "rows.txt")  # refused by its name, before any worker
        assert "must end in .csv or .parquet" in text_of(app, "#export-target")
        await pilot.press("enter")
        await settle(app, pilot)
        assert dialog.query_one("#export-target").has_class("-error")
        assert not dialog.query_one("#export-status").display  # said once, under the input
        assert len([s for s in states if s.state == WorkerState.ERROR]) == 2

        await type_path(pilot, home / "new" / "rows.csv")  # a missing folder is made
        await pilot.press("enter")
        await settle(app, pilot)
        assert pl.read_csv(home / "new" / "rows.csv").height == rows.height
    assert sorted(p.name for p in home.iterdir()) == ["new", "note.txt"]


async def test_escape_cancels_the_export(demo_lake_template: Path, home: Path) -> None:
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quarantine(app, pilot)
        await open_export(app, pilot)
        await pilot.press("ctrl+y")  # the path can be copied before it is written
        assert app.clipboard is not None
        assert app.clipboard.startswith(str(home / "pointline-exports" / "quarantine-all-"))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
    assert list(home.iterdir()) == []


async def test_y_copies_the_rows_bronze_path_and_shift_y_its_value(
    demo_lake_template: Path,
) -> None:
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quarantine(app, pilot)
        await pilot.press("down")
        row = screen.query_one(FrameTable).current_row()
        assert row is not None
        assert row["bronze_path"]
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == row["bronze_path"]
        assert f"copied: {row['bronze_path']}" in notices(app)
        await pilot.press("Y")
        await pilot.pause()
        assert app.clipboard == row["field_value"]


def footer_keys(app) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def test_the_footer_fits_80_columns_and_shows_help(demo_lake_template: Path) -> None:
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_quarantine(app, pilot)
        keys = footer_keys(app)
        assert all(key.region.right <= 80 for key in keys)
        shown = {key.key_display or key.key for key in keys}
        assert {"?", "e", "/", "f"} <= shown
        assert "q" not in shown  # this very screen
        assert not {"t", "c", "y"} & shown  # so that it fits 60 columns: the help lists them
