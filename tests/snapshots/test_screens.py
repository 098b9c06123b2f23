"""Snapshots of every screen at 80x24 and 140x40, on the frozen demo lake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.pilot import settle
from tests.snapshots.frozen import compaction_mid_run, frozen_app, start_compaction

SIZES = pytest.mark.parametrize("size", [(80, 24), (140, 40)], ids=["80x24", "140x40"])


def steps(*actions: str | Callable[[Pilot], Awaitable[None]]) -> Callable[[Pilot], Awaitable[None]]:
    """A ``run_before`` that waits for workers between key presses and calls."""

    async def run(pilot: Pilot) -> None:
        app = pilot.app
        app.cursor_blink = False  # type: ignore[attr-defined]
        await settle(pilot)
        for action in actions:
            if isinstance(action, str):
                await pilot.press(action)
            else:
                await action(pilot)
            await settle(pilot)
        for widget in app.screen.query("Input"):
            widget.cursor_blink = False  # type: ignore[attr-defined]
        app.clear_notifications()  # toasts time out: never stable
        await settle(pilot)

    return run


def select(table: str) -> Callable[[Pilot], Awaitable[None]]:
    async def run(pilot: Pilot) -> None:
        pilot.app.screen.select_table(table)  # type: ignore[attr-defined]

    return run


async def focus_detail(pilot: Pilot) -> None:
    pilot.app.screen.query_one("#detail-table").focus()


app_for = frozen_app


@SIZES
class TestLakeScreen:
    def test_overview(self, snap_compare, frozen_lake: Path, size) -> None:
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=steps())

    def test_table_with_partitions(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("trades"), "enter", "down", "enter")
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=run)

    def test_partition_files(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("trades"), "enter", "down", "enter", "down", "down")
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=run)

    def test_marked_hot_partitions_read_only(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("trades"), "enter", focus_detail, "asterisk")
        assert snap_compare(
            app_for(frozen_lake, read_only=True), terminal_size=size, run_before=run
        )

    def test_broken_folder(self, snap_compare, frozen_lake: Path, size) -> None:
        stray = frozen_lake / "stray_export"
        stray.mkdir()
        (stray / "part-0.parquet").write_bytes(b"PAR1")
        run = steps(select("stray_export"))
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=run)


@SIZES
class TestOtherScreens:
    def test_history(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("quotes"), "h")
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=run)

    def test_help(self, snap_compare, frozen_lake: Path, size) -> None:
        assert snap_compare(
            app_for(frozen_lake), terminal_size=size, run_before=steps("question_mark")
        )

    def test_manifest(self, snap_compare, frozen_lake: Path, size) -> None:
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=steps("m"))

    def test_manifest_failed(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps("m", "f", "f", "f")
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=run)

    def test_quarantine(self, snap_compare, frozen_lake: Path, size) -> None:
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=steps("q"))


@SIZES
class TestMaintenanceScreens:
    def test_compact_plan(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("orderbook_updates"), "enter", focus_detail, "c")
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=run)

    def test_compact_report(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("trades"), "enter", focus_detail, "asterisk", "c", "y")
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=run)

    def test_compact_progress(self, snap_compare, frozen_lake: Path, size) -> None:
        """Two partitions waiting for the locks another writer holds, one not started."""
        with compaction_mid_run(frozen_lake):
            app = app_for(frozen_lake)
            assert snap_compare(app, terminal_size=size, run_before=start_compaction)

    def test_vacuum_dry_run(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("quotes"), "v")
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=run)

    def test_vacuum_below_minimum(self, snap_compare, frozen_lake: Path, size) -> None:
        run = steps(select("quotes"), "v", "t", "backspace", "backspace", "backspace", "1", "enter")
        assert snap_compare(app_for(frozen_lake), terminal_size=size, run_before=run)
