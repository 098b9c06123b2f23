"""Pilot tests of the error log: toasts carry one short line, ``E`` shows every cause in full."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList, Static

from pointline_tui.app import build_app
from pointline_tui.screens.error_details import ErrorDetailsScreen
from pointline_tui.screens.history import HistoryScreen
from tests.pilot import on_table, settle


def _break_newest_commit(table: Path) -> Path:
    commit = max((table / "_delta_log").glob("*.json"))
    commit.write_text('{"add": {"path": "x.parquet", "size": ' + "9" * 5 + "\n")  # cut short
    return commit


async def test_a_failure_is_shown_short_and_kept_in_full(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        commit = _break_newest_commit(demo_lake / "trades")
        await on_table(pilot, "trades", "h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        failed = [n for n in app._notifications if n.severity == "error"]
        assert any(n.title == "Storage error: history" for n in failed), [n.title for n in failed]
        for toast in failed:  # the detail pane failed on the same commit
            short = str(toast.message)
            assert short.endswith("\n(E: details)")
            assert "\x1b" not in short
            assert "backtrace" not in short.lower()
            assert "LakeNode(" not in short + toast.title, "no Python reprs"
            assert len(short.splitlines()[0]) <= 300

        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, ErrorDetailsScreen)
        records = app.context.errors.records()
        assert [r.summary + "\n(E: details)" for r in records] == [
            str(n.message) for n in reversed(failed)
        ]
        record = records[0]
        assert record.doing == "history"
        assert len(record.details) >= len(record.summary)
        assert record.details.count("\n") >= 1, "the causes follow the error itself"
        detail = app.screen.query_one("#errors-detail", Static)
        assert record.details.splitlines()[0] in str(detail.render())
        assert commit.name in record.details or "trades" in record.details

        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == record.details
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)


async def test_with_nothing_failed_the_screen_says_so(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, ErrorDetailsScreen)
        assert app.screen.query_one(OptionList).option_count == 0
        assert "Nothing has failed" in str(app.screen.query_one("#errors-detail", Static).render())
        await pilot.press("y")  # nothing to copy: nothing happens
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ErrorDetailsScreen)
