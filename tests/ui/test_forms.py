"""Pilot tests of the maintenance forms' number fields: a range checked before anything starts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from deltalake import DeltaTable
from textual.message import Message
from textual.widgets import Input

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.screens.compact import CompactPlanScreen
from pointline_tui.screens.forms import NumberField
from pointline_tui.screens.vacuum import VacuumScreen
from pointline_tui.storage.limits import RETENTION_HOURS, TARGET_SIZE_MB
from pointline_tui.widgets.frame_table import FrameTable
from tests.pilot import settle
from tests.ui.test_maintenance_screens import file_counts

HOT = ("binance-futures", date(2024, 5, 2))
REFUSED_TARGETS = ["1e3", "12.5", "-1", "0", "17592186044416", "99999999999999999999"]
REFUSED_RETENTIONS = ["1e3", "12.5", "-1", "5124095576030431", "99999999999999999999"]


class Recorder:
    """A ``message_hook`` keeping the messages of one kind, to count what was started."""

    def __init__(self, kind: type[Message]) -> None:
        self.kind = kind
        self.seen: list[Message] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, self.kind):
            self.seen.append(message)


def lock_dir(root: Path, table: str) -> Path:
    return root / table / "_pointline_locks"


async def enter_value(pilot, text: str) -> None:
    """From the screen's table: ``t`` (the field, its text selected), ``text``, Enter."""
    await pilot.press("t", *[("space" if c == " " else c) for c in text], "enter")
    await settle(pilot)


def refused(field: NumberField, text: str) -> None:
    """The message under the field names the field, the value and the range."""
    assert field.error.startswith(f"{field.limit.name} must be a whole number from ")
    assert field.limit.range_text in field.error
    assert f"got {text.strip()!r}" in field.error
    message = field.query_one(".field-error")
    assert message.display
    assert message.region.height >= 1  # shown in the form, not only as a toast


async def test_a_target_size_outside_its_range_or_form_is_refused_in_the_form(
    demo_lake: Path,
) -> None:
    before = file_counts(demo_lake, "trades")
    version = DeltaTable(str(demo_lake / "trades")).version()
    plans = Recorder(CompactPlanScreen.PlanLoaded)
    app: PointlineApp = build_app(demo_lake)
    async with app.run_test(size=(80, 24), message_hook=plans) as pilot:
        await settle(pilot)
        plan = CompactPlanScreen("trades", [HOT])
        app.push_screen(plan)
        await settle(pilot)
        assert len(plans.seen) == 1
        for text in REFUSED_TARGETS:
            await enter_value(pilot, text)
            assert plan.query_one("#target", Input).value == text  # taken as typed, in full
            assert plan.target_size_mb == 128
            assert plan.plan is not None
            assert plan.plan.target_size_mb == 128
            assert len(plans.seen) == 1, f"{text!r} started a plan"
            assert app.focused is plan.query_one("#target", Input)  # to correct it
            field = plan.query_one(NumberField)
            assert field.limit is TARGET_SIZE_MB
            refused(field, text)
            await pilot.press("escape")  # leaves the field, the value in use back
            await settle(pilot)
            assert isinstance(app.screen, CompactPlanScreen)
            assert (field.error, plan.query_one("#target", Input).value) == ("", "128")
            assert isinstance(app.focused, FrameTable)

        field = plan.query_one(NumberField)
        # The message goes as soon as the text is a number the field takes.
        await enter_value(pilot, "1e3")
        assert field.error
        await pilot.press("backspace")
        await pilot.pause()
        assert field.error  # "1e" is not a number yet
        await pilot.press("backspace")
        await pilot.pause()
        assert field.error == ""  # "1" is
        assert len(plans.seen) == 1  # only Enter starts a plan
        await pilot.press("escape")
        await settle(pilot)

        await enter_value(pilot, " 64 ")  # blanks around a number are fine
        assert (field.error, plan.target_size_mb) == ("", 64)
        assert plan.plan is not None
        assert plan.plan.target_size_mb == 64
        assert len(plans.seen) == 2
        await pilot.press("escape")
        await settle(pilot)
    assert not lock_dir(demo_lake, "trades").exists()
    assert file_counts(demo_lake, "trades") == before
    assert DeltaTable(str(demo_lake / "trades")).version() == version


async def test_a_retention_outside_its_range_or_form_is_refused_in_the_form(
    demo_lake: Path,
) -> None:
    dry_runs = Recorder(VacuumScreen.DryRunLoaded)
    files = sorted(p for p in (demo_lake / "quotes").rglob("*.parquet"))
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24), message_hook=dry_runs) as pilot:
        await settle(pilot)
        vacuum = VacuumScreen("quotes")
        app.push_screen(vacuum)
        await settle(pilot)
        for text in REFUSED_RETENTIONS:
            await enter_value(pilot, text)
            assert vacuum.retention_hours == 168
            assert vacuum.dry_run is not None
            assert vacuum.dry_run.retention_hours == 168
            assert len(dry_runs.seen) == 1, f"{text!r} started a dry run"
            assert not app._notifications, "the refusal is in the form, not a toast"
            field = vacuum.query_one(NumberField)
            assert field.limit is RETENTION_HOURS
            refused(field, text)
            await pilot.press("escape")
            await settle(pilot)

        field = vacuum.query_one(NumberField)
        await enter_value(pilot, " 0 ")  # 0 h is inside the range (below the minimum)
        assert (field.error, vacuum.retention_hours) == ("", 0)
        assert vacuum.dry_run is not None
        assert vacuum.dry_run.report.files_removed == 6
        assert len(dry_runs.seen) == 2
    assert sorted(p for p in (demo_lake / "quotes").rglob("*.parquet")) == files


@pytest.mark.parametrize("text", ["5124095576030431", "1e3"])
async def test_a_refused_value_is_never_passed_on_by_y(demo_lake: Path, text: str) -> None:
    """``y`` after a refused retention vacuums nothing: the dry run on screen stays 168 h's."""
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vacuum = VacuumScreen("quotes")
        app.push_screen(vacuum)
        await settle(pilot)
        await enter_value(pilot, text)
        await pilot.press("escape", "y")
        await settle(pilot)
        assert vacuum.done is None
        assert isinstance(app.screen, VacuumScreen)
        assert "Nothing to vacuum at this retention" in [str(n.message) for n in app._notifications]
