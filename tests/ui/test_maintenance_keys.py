"""Pilot tests of what the maintenance screens offer: footers that fit, read-only that says why."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from deltalake import DeltaTable
from textual.app import App
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from pointline_tui.app import build_app
from pointline_tui.screens.compact import CompactPlanScreen
from pointline_tui.screens.compact_progress import CompactProgressScreen
from pointline_tui.screens.dialogs import READ_ONLY
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.orphans import OrphansScreen
from pointline_tui.screens.vacuum import VacuumScreen
from tests.pilot import settle
from tests.ui.test_maintenance_screens import add_orphan, file_counts, parquet_files

HOT = ("binance-futures", date(2024, 5, 2))
APP_KEYS = ["m Manifest", "q Quarantine", "? Help"]
"""The app's keys, at the end of every footer."""
HELP_KEY = ["? Help"]
"""All the app's keys the plan and the dry run show, so that they fit 60 columns."""


def footer_keys(app: App[None]) -> list[str]:
    """The footer's keys as shown (``"esc Close"``), each checked to fit the screen's width."""
    keys = []
    for key in app.screen.query_one(Footer).query(FooterKey):
        shown = f"{key.key_display} {key.description}"
        assert key.region.width > 0, f"{shown!r} is not shown"
        assert key.region.right <= app.size.width, f"{shown!r} is cut at {app.size.width}"
        keys.append(shown)
    return keys


def notices(app: App[None]) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_after_a_run_the_footers_offer_only_what_applies(demo_lake: Path) -> None:
    orphan = add_orphan(demo_lake)
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.compact_hot("trades")
        await settle(pilot)
        assert isinstance(app.screen, CompactPlanScreen)
        plan_keys = ["s Sort", "y Compact", "t Target size", "esc Cancel", *HELP_KEY]
        assert footer_keys(app) == plan_keys
        await pilot.press("y", "y")  # the writers question, then yes
        await settle(pilot)
        progress = app.screen
        assert isinstance(progress, CompactProgressScreen)
        assert progress.result is not None
        assert footer_keys(app) == ["s Sort", "esc Close", *APP_KEYS]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LakeScreen)

        vacuum = VacuumScreen("quotes")
        app.push_screen(vacuum)
        await settle(pilot)
        dry_run_keys = ["s Sort", "y Vacuum", "t Retention", "esc Cancel", *HELP_KEY]
        assert footer_keys(app) == dry_run_keys
        await pilot.press("t", "0", "enter")
        await settle(pilot)
        await pilot.press("y", *"quotes", "enter")
        await settle(pilot)
        assert vacuum.done is not None
        assert footer_keys(app) == ["s Sort", "esc Close", *HELP_KEY]
        await pilot.press("y", "t")  # no longer offered, and they do nothing
        await settle(pilot)
        assert app.screen is vacuum
        assert isinstance(app.focused, type(vacuum.query_one("FrameTable")))
        await pilot.press("escape")
        await settle(pilot)

        orphans = OrphansScreen("trades")
        app.push_screen(orphans)
        await settle(pilot)
        assert footer_keys(app) == ["s Sort", "y Delete", "esc Cancel", *APP_KEYS]
        await pilot.press("y", *"trades", "enter")
        await settle(pilot)
        assert orphans.done is not None
        assert not orphan.exists()
        assert footer_keys(app) == ["s Sort", "esc Close", *APP_KEYS]


async def test_footers_fit_80_columns_with_help_while_a_field_is_edited(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for screen in (CompactPlanScreen("trades", [HOT]), VacuumScreen("quotes")):
            app.push_screen(screen)
            await settle(pilot)
            assert "? Help" in footer_keys(app)
            await pilot.press("t")  # in the field: the printable keys are its own
            await pilot.pause()
            assert footer_keys(app) == ["esc Keep value"]
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen
            assert "? Help" in footer_keys(app)
            await pilot.press("escape")
            await settle(pilot)


async def test_read_only_shows_plans_and_dry_runs_and_y_says_why(demo_lake: Path) -> None:
    orphan = add_orphan(demo_lake)
    counts = file_counts(demo_lake, "trades")
    files = {t: parquet_files(demo_lake, t) for t in ("trades", "quotes")}
    versions = {t: DeltaTable(str(demo_lake / t)).version() for t in ("trades", "quotes")}
    app = build_app(demo_lake, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        plan = CompactPlanScreen("trades", [HOT])
        app.push_screen(plan)
        await settle(pilot)
        assert plan.plan is not None
        assert plan.plan.to_compact == 1
        assert "y Compact" in footer_keys(app)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is plan, "no question, nothing started"
        assert notices(app)[-1] == READ_ONLY
        await pilot.press("escape")
        await settle(pilot)

        vacuum = VacuumScreen("quotes")
        app.push_screen(vacuum)
        await settle(pilot)
        await pilot.press("t", "0", "enter")
        await settle(pilot)
        assert vacuum.dry_run is not None
        assert vacuum.dry_run.report.files_removed == 6
        app.clear_notifications()
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is vacuum
        assert vacuum.done is None
        assert notices(app) == [READ_ONLY]
        await pilot.press("escape")
        await settle(pilot)

        orphans = OrphansScreen("trades")
        app.push_screen(orphans)
        await settle(pilot)
        assert orphans.dry_run is not None
        assert orphans.dry_run.files_removed == 1
        app.clear_notifications()
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is orphans
        assert orphans.done is None
        assert notices(app) == [READ_ONLY]
    assert READ_ONLY == "read-only: nothing is written (open the lake without --read-only)"
    assert orphan.exists()
    assert not (demo_lake / "trades" / "_pointline_locks").exists()
    assert file_counts(demo_lake, "trades") == counts
    assert {t: parquet_files(demo_lake, t) for t in files} == files
    assert {t: DeltaTable(str(demo_lake / t)).version() for t in versions} == versions
