"""Pilot tests of the reconciliation screen: R and the palette open it, filters, jumps."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
from textual.pilot import Pilot
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.lake.reconcile import ReconcileFinding, reconcile
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.manifest import ManifestScreen
from pointline_tui.screens.quarantine import QuarantineScreen
from pointline_tui.screens.reconcile import ReconcileScreen
from pointline_tui.screens.rows import RowsScreen
from pointline_tui.widgets.frame_table import FrameTable
from tests.pilot import run_command, settle
from tests.reconcile_lakes import clean_lake


def text_of(app: PointlineApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def findings_table(app: PointlineApp) -> FrameTable:
    return app.screen.query_one("#reconcile-findings", FrameTable)


async def open_reconcile(pilot: Pilot[None]) -> ReconcileScreen:
    await settle(pilot)
    await pilot.press("R")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReconcileScreen)
    return screen


async def open_at(pilot: Pilot[None], finding: ReconcileFinding) -> ReconcileScreen:
    """Open the screen with the list's cursor on ``finding``."""
    screen = await open_reconcile(pilot)
    for _ in range(len(screen.shown)):
        if screen.selected == finding:
            return screen
        await pilot.press("down")
        await pilot.pause()
    raise AssertionError(f"{finding} is not on the list")


async def test_r_lists_every_finding(demo_lake_template: Path) -> None:
    expected = reconcile(demo_lake_template).findings
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reconcile(pilot)
        assert screen.shown == expected
        assert findings_table(app).total_rows == len(expected)
        title = text_of(app, "#reconcile-title")
        assert title.startswith(f"Reconciliation  {len(expected)} findings")
        first = expected[0]
        assert text_of(app, "#reconcile-detail").startswith(f"{first.kind}: {first.message}")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LakeScreen)


async def test_the_palette_opens_it(demo_lake_template: Path) -> None:
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_command(pilot, "Reconcile")
        assert isinstance(app.screen, ReconcileScreen)


async def test_filters_cycle_through_what_was_found(demo_lake_template: Path) -> None:
    findings = reconcile(demo_lake_template).findings
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reconcile(pilot)
        await pilot.press("k")  # the first kind found
        await pilot.pause()
        kind = screen.filter.kind
        assert screen.shown == tuple(f for f in findings if f.kind == kind)
        assert findings_table(app).total_rows == len(screen.shown) < len(findings)
        await pilot.press("t")
        await pilot.pause()
        table = screen.filter.table
        assert screen.shown == tuple(f for f in findings if f.kind == kind and f.table == table)
        assert text_of(app, "#reconcile-filters").startswith("filter: kind ")
        assert f"table {table}" in text_of(app, "#reconcile-filters")
        await pilot.press("c", "f", "f")  # any status, then the second one found
        await pilot.pause()
        statuses = sorted({f.status or "-" for f in findings})
        assert screen.filter.status == statuses[1]
        assert {f.status or "-" for f in screen.shown} == {statuses[1]}
        await pilot.press("c")
        await pilot.pause()
        assert screen.shown == findings


async def test_m_lands_on_the_manifest_entry(demo_lake_template: Path) -> None:
    finding = next(f for f in reconcile(demo_lake_template).findings if f.status == "failed")
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_at(pilot, finding)
        await pilot.press("m")
        await settle(pilot)
        manifest = app.screen
        assert isinstance(manifest, ManifestScreen)
        assert manifest.entry_query.file_id == finding.file_id
        shown = manifest.query_one(FrameTable).frame.get_column("file_id").to_list()
        assert shown == [finding.file_id]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_q_lands_on_the_quarantined_rows(demo_lake_template: Path) -> None:
    finding = next(
        f for f in reconcile(demo_lake_template).findings if f.kind == "rows_quarantined_mismatch"
    )
    logged = pl.read_delta(str(demo_lake_template / "validation_log")).filter(
        file_id=finding.file_id
    )
    assert logged.height == finding.actual
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_at(pilot, finding)
        await pilot.press("q")
        await settle(pilot)
        quarantine = app.screen
        assert isinstance(quarantine, QuarantineScreen)
        assert quarantine.filters.file_id == finding.file_id
        table = quarantine.query_one(FrameTable)
        assert table.total_rows == logged.height
        assert set(table.frame.get_column("file_id")) == {finding.file_id}
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_unknown_file_has_no_entry_to_jump_to(demo_lake_template: Path) -> None:
    finding = next(f for f in reconcile(demo_lake_template).findings if f.status is None)
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_at(pilot, finding)
        await pilot.press("m")
        await pilot.pause()
        assert app.screen is screen
        assert f"file {finding.file_id} has no manifest entry" in [
            n.message for n in app._notifications
        ]


async def test_partitions_of_the_finding_and_their_rows(demo_lake_template: Path) -> None:
    result = reconcile(demo_lake_template)
    finding = next(f for f in result.findings if f.kind == "unknown_file_id")
    held = result.partitions_of(finding)
    app = build_app(demo_lake_template)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_at(pilot, finding)
        partitions = screen.query_one("#reconcile-partitions", FrameTable)
        assert partitions.frame.equals(held)
        assert f"{held.height} partition(s) of {finding.table}" in text_of(app, "#reconcile-detail")
        await pilot.press("enter")  # into the partitions; enter again: the rows
        await pilot.pause()
        assert partitions.has_focus
        await pilot.press("enter")
        await settle(pilot)
        rows = app.screen
        assert isinstance(rows, RowsScreen)
        exchange, day, _ = held.row(0)
        assert (rows.filters.table, rows.filters.exchange, rows.filters.trading_date) == (
            finding.table,
            exchange,
            day,
        )


async def test_a_clean_lake_says_nothing_found(tmp_path: Path) -> None:
    lake = clean_lake(tmp_path / "silver")
    app = build_app(lake.root)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reconcile(pilot)
        assert screen.shown == ()
        assert text_of(app, "#reconcile-detail") == "nothing found"
        await pilot.press("m")  # nothing selected: a hint, no jump
        await pilot.pause()
        assert app.screen is screen


async def test_an_unreadable_table_is_reported_and_the_app_keeps_running(
    demo_lake: Path,
) -> None:
    shutil.rmtree(demo_lake / "trades" / "exchange=okx")
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reconcile(pilot)
        assert screen.result is None
        assert not findings_table(app).loading
        assert any("trades" in str(n.message) for n in app._notifications)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LakeScreen)


async def test_footer_fits_60_columns_with_the_help_key(demo_lake_template: Path) -> None:
    app = build_app(demo_lake_template)
    async with app.run_test(size=(60, 20)) as pilot:
        await open_reconcile(pilot)
        shown = []
        for key in app.screen.query_one(Footer).query(FooterKey):
            assert key.region.width > 0, key.description
            assert key.region.right <= 60, key.description
            shown.append(f"{key.key_display} {key.description}")
        assert shown == [
            "s Sort",
            "esc Back",
            "k Kind",
            "t Table",
            "m Entry",
            "q Quarantine",
            "? Help",
        ]
