"""Pilot tests of the lake health screen and the log maintenance it opens, on the demo lake."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable
from textual.widgets import Input, Static

from pointline_tui.app import build_app
from pointline_tui.lake.health import lake_health
from pointline_tui.lake.reader import LakeReader
from pointline_tui.screens.dialogs import READ_ONLY, TypedConfirmModal
from pointline_tui.screens.health import HealthScreen
from pointline_tui.screens.help import KEYS
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.log_maintenance import LogMaintenanceScreen
from pointline_tui.widgets.frame_table import FrameTable
from tests.frames import partition_checksums
from tests.lake.conftest import write_trades
from tests.pilot import run_command, settle

SIZE = (80, 24)


@pytest.fixture
def silver_of_one_table(tmp_path: Path) -> Path:
    """A lake that ``check`` finds nothing in: one trades partition of two files."""
    root = tmp_path / "silver"
    root.mkdir()
    write_trades(root, {("okx", date(2024, 5, 1)): 2})
    return root


def text_of(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


def checkpoints(lake: Path, table: str) -> list[str]:
    return sorted(p.name for p in (lake / table / "_delta_log").glob("*.checkpoint.parquet"))


def content(lake: Path, table: str) -> tuple[int, dict]:
    frame = pl.read_delta(str(lake / table))
    return frame.height, partition_checksums(frame)


async def open_health(pilot) -> HealthScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("L")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, HealthScreen)
    return screen


async def open_plan(pilot, table: str, key: str) -> LogMaintenanceScreen:  # type: ignore[no-untyped-def]
    """From the lake, the health screen, ``table`` in its list, then ``key``: the plan."""
    screen = await open_health(pilot)
    tables = screen.query_one("#health-tables", FrameTable)
    tables.focus()
    assert tables.go_to(table=table)
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)
    plan = pilot.app.screen
    assert isinstance(plan, LogMaintenanceScreen)
    return plan


async def test_the_screen_shows_every_table_and_finding(demo_lake: Path) -> None:
    expected = lake_health(LakeReader(demo_lake))
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_health(pilot)
        assert screen.health is not None
        assert [t.table for t in screen.health.tables] == [t.table for t in expected.tables]
        assert [(f.table, f.kind) for f in screen.health.findings] == [
            (f.table, f.kind) for f in expected.findings
        ]
        listed = screen.query_one("#health-tables", FrameTable).frame
        assert listed.get_column("table").to_list() == [t.table for t in expected.tables]
        findings = screen.query_one("#health-findings", FrameTable)
        findings.focus()
        await settle(pilot)
        first = expected.findings[0]
        detail = text_of(screen, "#health-detail")
        assert first.message.removeprefix(f"{first.table}: ")[:40] in " ".join(detail.split())
        if first.command:
            assert first.command in detail
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LakeScreen)


async def test_checkpoint_from_the_screen_plans_confirms_and_reports(demo_lake: Path) -> None:
    before = content(demo_lake, "trades")
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        plan = await open_plan(pilot, "trades", "k")
        screen = app.screen_stack[-2]
        assert plan.plan is not None
        assert plan.plan.dry_run
        assert checkpoints(demo_lake, "trades") == []
        assert "type the table name" in text_of(plan, "#log-summary")

        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TypedConfirmModal)
        assert app.screen.query_one(Input).has_focus
        await pilot.press(*"trades", "enter")
        await settle(pilot)
        assert plan.done is not None
        version = DeltaTable(str(demo_lake / "trades")).version()
        assert checkpoints(demo_lake, "trades") == [f"{version:020d}.checkpoint.parquet"]
        assert f"Checkpoint written at version {version}" in text_of(plan, "#log-summary")
        assert "pointline_operation=CHECKPOINT" in text_of(plan, "#log-summary")
        assert content(demo_lake, "trades") == before

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen  # back on the health screen, read again
        assert isinstance(screen, HealthScreen)
        assert screen.health is not None
        [trades] = [t for t in screen.health.tables if t.table == "trades"]
        assert trades.commits_since_checkpoint == 0


async def test_read_only_plans_but_writes_nothing(demo_lake: Path) -> None:
    app = build_app(demo_lake, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_plan(pilot, "trades", "k")
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, LogMaintenanceScreen)
        assert any(n.message == READ_ONLY for n in app._notifications)
        assert checkpoints(demo_lake, "trades") == []


async def test_clean_log_with_nothing_expired_says_so(demo_lake: Path) -> None:
    files = sorted(p.name for p in (demo_lake / "trades" / "_delta_log").iterdir())
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        plan = await open_plan(pilot, "trades", "x")
        assert "Nothing to do" in text_of(plan, "#log-summary")
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, LogMaintenanceScreen)  # no dialog for nothing
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HealthScreen)
    assert sorted(p.name for p in (demo_lake / "trades" / "_delta_log").iterdir()) == files


async def test_palette_opens_the_screen_and_a_table_checkpoint(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "view: lake health")
        assert isinstance(app.screen, HealthScreen)
        await run_command(pilot, "table: quotes create checkpoint")
        assert isinstance(app.screen, LogMaintenanceScreen)
        assert app.screen.table == "quotes"
        assert app.screen.action == "checkpoint"


def test_help_lists_the_keys() -> None:
    sections = dict(KEYS)
    assert ("L", "lake health: upkeep of every table, findings and what to do") in sections[
        "Everywhere"
    ]
    keys = {key for key, _ in sections["Lake health (L)"]}
    assert {"k / x", "c / v", "enter", "r"} <= keys


async def test_with_no_finding_the_keys_act_on_the_tables_list(silver_of_one_table: Path) -> None:
    app = build_app(silver_of_one_table)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_health(pilot)
        assert screen.health is not None
        assert screen.health.findings == ()
        findings = screen.query_one("#health-findings", FrameTable)
        findings.focus()  # an empty list: the table is the tables list's
        await pilot.pause()
        await pilot.press("k")
        await settle(pilot)
        plan = pilot.app.screen
        assert isinstance(plan, LogMaintenanceScreen)
        assert plan.table == "trades"
