"""Pilot tests of the manifest screen: counts, filters, paging, detail, jumps, copying."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from textual.coordinate import Coordinate
from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.screens.manifest import ManifestScreen
from pointline_tui.screens.quarantine import QuarantineScreen
from pointline_tui.storage.delta.manifest_store import DeltaManifestStore
from pointline_tui.storage.schemas import MANIFEST_STATUSES
from pointline_tui.widgets.frame_table import FrameTable
from tests.pilot import settle as settle_pilot


async def settle(app: PointlineApp, pilot) -> None:
    await settle_pilot(pilot)


def text_of(app: PointlineApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def manifest(root: Path) -> pl.DataFrame:
    return pl.read_delta(str(root / "ingest_manifest"))


def log(root: Path) -> pl.DataFrame:
    return pl.read_delta(str(root / "validation_log"))


def shown_ids(app: PointlineApp) -> list[int]:
    return app.screen.query_one(FrameTable).frame.get_column("file_id").to_list()


async def open_manifest(app: PointlineApp, pilot) -> ManifestScreen:
    await settle(app, pilot)
    await pilot.press("m")
    await settle(app, pilot)
    assert isinstance(app.screen, ManifestScreen)
    return app.screen


async def test_status_counts_and_sources_match_the_manifest(demo_lake_template: Path) -> None:
    rows = manifest(demo_lake_template)
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manifest(app, pilot)
        for status in MANIFEST_STATUSES:
            expected = rows.filter(pl.col("status") == status).height
            assert text_of(app, f"#status-{status}") == f"{status} {expected:,}"
        assert text_of(app, "#status-other") == f"{rows.height:,} files"
        sources = text_of(app, "#manifest-sources")
        for (vendor, data_type), group in rows.group_by("vendor", "data_type"):
            assert f"{vendor}/{data_type} {group.height:,}" in sources
        assert app.screen.query_one(FrameTable).total_rows == min(rows.height, 100)
        assert text_of(app, "#manifest-position") == f"rows 1-{rows.height} of {rows.height}"
        assert shown_ids(app) == sorted(rows.get_column("file_id").to_list(), reverse=True)


async def test_f_cycles_to_failed_entries_with_their_reasons(demo_lake_template: Path) -> None:
    failed = manifest(demo_lake_template).filter(pl.col("status") == "failed")
    failed = failed.sort("file_id", descending=True)
    assert failed.height > 0
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_manifest(app, pilot)
        await pilot.press("f", "f", "f")  # all -> pending -> success -> failed
        await settle(app, pilot)
        assert screen.entry_query.status == "failed"
        assert text_of(app, "#manifest-filters") == "filter: status failed"
        assert screen.query_one("#status-failed").has_class("-active")
        frame = screen.query_one(FrameTable).frame
        assert frame.get_column("file_id").to_list() == failed.get_column("file_id").to_list()
        assert frame.get_column("status_reason").to_list() == (
            failed.get_column("status_reason").to_list()
        )
        for index, reason in enumerate(failed.get_column("status_reason")):
            assert f"reason {reason}" in text_of(app, "#manifest-detail")
            if index + 1 < failed.height:
                await pilot.press("down")
                await pilot.pause()
        await pilot.press("f")  # -> quarantined
        await settle(app, pilot)
        quarantined = manifest(demo_lake_template).filter(pl.col("status") == "quarantined")
        assert sorted(shown_ids(app)) == sorted(quarantined.get_column("file_id").to_list())
        await pilot.press("f")  # -> all again
        await settle(app, pilot)
        assert screen.entry_query.status is None
        assert len(shown_ids(app)) == manifest(demo_lake_template).height


async def test_paging_moves_the_window(
    demo_lake_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ManifestScreen, "PAGE_SIZE", 20)
    ids = sorted(manifest(demo_lake_template).get_column("file_id").to_list(), reverse=True)
    total = len(ids)
    assert total > 40
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manifest(app, pilot)
        assert shown_ids(app) == ids[:20]
        assert text_of(app, "#manifest-position").startswith(f"rows 1-20 of {total}")
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert shown_ids(app) == ids[20:40]
        assert text_of(app, "#manifest-position").startswith(f"rows 21-40 of {total}")
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(app, pilot)
        assert shown_ids(app) == ids[40:]  # the last page; another ] stays there
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert shown_ids(app) == ids[20:40]


async def test_slash_filters_by_bronze_path(demo_lake_template: Path) -> None:
    rows = manifest(demo_lake_template)
    expected = rows.filter(pl.col("bronze_path").str.contains("okx/quotes", literal=True))
    assert 0 < expected.height < rows.height
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_manifest(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        bar = screen.query_one("#manifest-search-bar")
        search = screen.query_one("#manifest-search", Input)
        assert bar.display
        assert search.has_focus
        await pilot.press(*"OKX/quotes", "enter")  # case-insensitive
        await settle(app, pilot)
        assert not bar.display
        assert screen.query_one(FrameTable).has_focus
        assert sorted(shown_ids(app)) == sorted(expected.get_column("file_id").to_list())
        assert text_of(app, "#manifest-filters") == "filter: status all · path ~ 'OKX/quotes'"
        await pilot.press("slash", "x", "escape")  # escape closes the input, keeps the filter
        await pilot.pause()
        assert not bar.display
        assert app.screen is screen
        assert screen.entry_query.search == "OKX/quotes"
        await pilot.press("c")
        await settle(app, pilot)
        assert len(shown_ids(app)) == rows.height
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ManifestScreen)


async def test_enter_jumps_to_the_entry_quarantined_rows_and_back(demo_lake_template: Path) -> None:
    quarantined = manifest(demo_lake_template).filter(pl.col("status") == "quarantined")
    file_id = int(quarantined.get_column("file_id").max())
    expected = log(demo_lake_template).filter(pl.col("file_id") == file_id)
    assert expected.height > 0
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manifest(app, pilot)
        await pilot.press("f", "f", "f", "f")  # -> quarantined, newest first
        await settle(app, pilot)
        assert app.screen.query_one(FrameTable).current_row()["file_id"] == file_id
        await pilot.press("enter")
        await settle(app, pilot)
        quarantine = app.screen
        assert isinstance(quarantine, QuarantineScreen)
        assert quarantine.filters.file_id == file_id
        table = quarantine.query_one(FrameTable)
        assert set(table.frame.get_column("file_id")) == {file_id}
        assert table.total_rows == min(expected.height, 100)
        assert f"of {expected.height}" in text_of(app, "#quarantine-position")
        assert text_of(app, "#quarantine-filters") == f"filter: file {file_id}"

        await pilot.press("enter")  # a row -> its manifest entry
        await settle(app, pilot)
        entry = app.screen
        assert isinstance(entry, ManifestScreen)
        assert entry.entry_query.file_id == file_id
        assert shown_ids(app) == [file_id]
        assert text_of(app, "#manifest-detail").startswith(f"file {file_id}  quarantined")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is quarantine


async def test_enter_on_an_entry_without_quarantined_rows_stays(demo_lake_template: Path) -> None:
    failed = manifest(demo_lake_template).filter(pl.col("status") == "failed")
    file_id = int(failed.get_column("file_id").max())
    assert log(demo_lake_template).filter(pl.col("file_id") == file_id).is_empty()
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_manifest(app, pilot)
        await pilot.press("f", "f", "f", "enter")
        await settle(app, pilot)
        assert app.screen is screen
        messages = [n.message for n in app._notifications]
        assert f"no quarantined rows for file {file_id}" in messages


async def test_opens_filtered_by_status_or_on_one_file(demo_lake_template: Path) -> None:
    rows = manifest(demo_lake_template)
    pending = rows.filter(pl.col("status") == "pending").get_column("file_id").to_list()
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(ManifestScreen(status="pending"))
        await settle(app, pilot)
        assert sorted(shown_ids(app)) == sorted(pending)
        app.push_screen(ManifestScreen(file_id=1))
        await settle(app, pilot)
        assert shown_ids(app) == [1]
        assert text_of(app, "#manifest-filters") == "filter: file 1"
        await pilot.press("f")  # a status filter replaces the file filter
        await settle(app, pilot)
        assert sorted(shown_ids(app)) == sorted(pending)


async def test_reason_with_markup_and_escapes_shows_literally(demo_lake: Path) -> None:
    failed = manifest(demo_lake).filter(pl.col("status") == "failed")
    file_id = int(failed.get_column("file_id").max())
    reason = "delta-rs: [bold]not markup[/bold] \x1b[31mGeneric error\x1b[0m [/] at [0]"
    DeltaManifestStore(demo_lake).update_status(file_id, "failed", status_reason=reason)
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manifest(app, pilot)
        await pilot.press("f", "f", "f")
        await settle(app, pilot)
        assert app.screen.query_one(FrameTable).current_row()["file_id"] == file_id
        detail = text_of(app, "#manifest-detail")
        # Lake text: markup stays literal, escapes are shown (the four characters \x1b).
        assert (
            "reason delta-rs: [bold]not markup[/bold] \\x1b[31mGeneric error\\x1b[0m [/] at [0]"
            in detail
        )
        assert "\x1b" not in detail


async def test_r_rereads_the_manifest(demo_lake: Path) -> None:
    pending = manifest(demo_lake).filter(pl.col("status") == "pending")
    file_id = int(pending.get_column("file_id").max())
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manifest(app, pilot)
        assert text_of(app, "#status-pending") == f"pending {pending.height}"
        DeltaManifestStore(demo_lake).update_status(
            file_id, "failed", status_reason="bronze file vanished"
        )
        await pilot.press("r")
        await settle(app, pilot)
        assert text_of(app, "#status-pending") == f"pending {pending.height - 1}"
        row = app.screen.query_one(FrameTable).current_row()
        assert (row["file_id"], row["status"]) == (file_id, "failed")
        assert "reason bronze file vanished" in text_of(app, "#manifest-detail")


def notices(app: PointlineApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_failed_entries_show_a_reason_column_cut_to_fit_80_columns(
    demo_lake_template: Path,
) -> None:
    failed = manifest(demo_lake_template).filter(pl.col("status") == "failed")
    failed = failed.sort("file_id", descending=True)
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_manifest(app, pilot)
        await pilot.press("f", "f", "f")  # -> failed
        await settle(app, pilot)
        table = screen.query_one(FrameTable)
        # id, status, bronze path and reason lie inside the 80 columns, scrolled to the left.
        edges, right = {}, 0
        for column in table.columns.values():
            right += column.get_render_width(table)
            edges[str(column.key.value)] = right
        assert table.scroll_x == 0
        visible = table.scrollable_content_region.width
        assert max(edges[key] for key in ("file_id", "status", "bronze_path")) <= visible
        assert edges["status_reason"] <= visible
        names = [str(key.value) for key in table.columns]
        for row, reason in enumerate(failed.get_column("status_reason")):
            cell = str(table.get_cell_at(Coordinate(row, names.index("status_reason"))))
            assert 0 < len(cell) <= len(reason)
            assert cell == reason or (cell.endswith("…") and reason.startswith(cell[:-1]))
            path = failed.get_column("bronze_path")[row]
            shown = str(table.get_cell_at(Coordinate(row, names.index("bronze_path"))))
            assert shown == path or (shown.startswith("…") and path.endswith(shown[1:]))
        # The detail shows the highlighted entry's reason in full.
        assert f"reason {failed.get_column('status_reason')[0]}" in text_of(app, "#manifest-detail")


async def test_y_copies_the_bronze_path_and_shift_y_the_reason(demo_lake_template: Path) -> None:
    rows = manifest(demo_lake_template)
    failed = rows.filter(pl.col("status") == "failed").sort("file_id", descending=True)
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manifest(app, pilot)
        await pilot.press("f", "f", "f")  # -> failed
        await settle(app, pilot)
        entry = failed.row(0, named=True)
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == entry["bronze_path"]
        assert f"copied: {entry['bronze_path']}" in notices(app)
        await pilot.press("Y")
        await pilot.pause()
        assert app.clipboard == entry["status_reason"]
        assert f"copied: {entry['status_reason']}" in notices(app)
        await pilot.press("f", "f")  # -> quarantined -> all: the newest entry is pending
        await settle(app, pilot)
        assert app.screen.query_one(FrameTable).current_row()["status_reason"] is None
        await pilot.press("Y")
        await pilot.pause()
        assert app.clipboard == entry["status_reason"]  # unchanged
        assert "no reason to copy" in notices(app)


async def test_the_footer_fits_80_columns_and_shows_help(demo_lake_template: Path) -> None:
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manifest(app, pilot)
        keys = list(app.screen.query(FooterKey))
        assert all(key.region.right <= 80 for key in keys)
        shown = {key.key_display or key.key for key in keys}
        assert {"?", "y", "/", "f"} <= shown
        assert "m" not in shown  # this very screen
        assert not {"c", "q"} & shown  # so that it fits 60 columns: the help lists them
