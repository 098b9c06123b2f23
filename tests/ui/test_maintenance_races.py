"""Pilot tests of results that arrive late and of compactions waiting for another's lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from textual.pilot import Pilot

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.screens.compact import CompactPlanScreen
from pointline_tui.screens.compact_progress import CompactProgressScreen, CompactRequest
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.vacuum import VacuumScreen
from pointline_tui.widgets.frame_table import FrameTable
from tests.holders import LOCKED, held_by_process
from tests.pilot import on_table
from tests.ui.test_lake_screen import open_table, settle, text_of
from tests.ui.test_maintenance_keys import APP_KEYS, footer_keys
from tests.ui.test_maintenance_screens import file_counts

HOT = ("binance-futures", date(2024, 5, 2))
assert LOCKED == HOT


@contextmanager
def table_busy(app: PointlineApp, table: str) -> Iterator[None]:
    """Make the reader's next call on ``table`` wait until the block ends: a slow result.

    The reader serialises the calls on one table with a lock; holding it from the test keeps a
    worker's plan or dry run from arriving until the test has acted.
    """
    lock = app.reader._slot(table).lock
    assert lock.acquire(timeout=10)
    try:
        yield
    finally:
        lock.release()


def notices(app: PointlineApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def until(pilot: Pilot[None], done: Callable[[], bool], *, within_s: float) -> float:
    """Pause until ``done()`` is true, at most ``within_s``; return the seconds it took."""
    start = time.monotonic()
    for _ in range(int(within_s / 0.02) + 1):
        if done():
            break
        await pilot.pause(0.02)
    return time.monotonic() - start


async def test_a_plan_for_an_old_target_is_dropped_and_y_runs_the_new_one(
    demo_lake: Path,
) -> None:
    before = file_counts(demo_lake, "trades")
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = await open_table(app, pilot, "trades")
        screen.query_one(FrameTable).focus()
        await pilot.press("asterisk", "c")
        await settle(app, pilot)
        plan = app.screen
        assert isinstance(plan, CompactPlanScreen)
        assert plan.plan is not None
        assert plan.plan.target_size_mb == 128
        old = CompactPlanScreen.PlanLoaded(plan.plan, plan.warnings, target_size_mb=128)

        with table_busy(app, "trades"):  # the 1 MB plan is slow to come
            await pilot.press("t", "backspace", "backspace", "backspace", "1", "enter")
            await pilot.pause()
            assert plan.target_size_mb == 1
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, CompactPlanScreen), "y ran no plan"
            assert "The plan for 1 MB is still loading" in notices(app)
            plan.post_message(old)  # the 128 MB plan arriving late
            await pilot.pause()
            assert plan.plan is None, "the stale plan was dropped"
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, CompactPlanScreen)
        await settle(app, pilot)
        assert plan.plan is not None
        assert plan.plan.target_size_mb == 1
        assert "at 1 MB" in text_of(app, "#plan-totals")

        plan.post_message(old)  # late again, after the current plan: still dropped
        await pilot.pause()
        assert plan.plan.target_size_mb == 1
        assert "at 1 MB" in text_of(app, "#plan-totals")
        await pilot.press("y", "y")  # the fresh demo lake counts as recently written
        await settle(app, pilot)
        progress = app.screen
        assert isinstance(progress, CompactProgressScreen)
        assert progress.request == CompactRequest("trades", (HOT,), 1)
        assert progress.result is not None
        [run] = progress.result.partitions
        assert run.state == "done"
    assert file_counts(demo_lake, "trades")[HOT] < before[HOT]


async def test_a_dry_run_for_an_old_retention_is_dropped(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await on_table(pilot, "quotes", "v")
        vacuum = app.screen
        assert isinstance(vacuum, VacuumScreen)
        assert vacuum.dry_run is not None
        week = VacuumScreen.DryRunLoaded(vacuum.dry_run)
        assert (week.dry_run.retention_hours, week.dry_run.report.files_removed) == (168, 0)

        with table_busy(app, "quotes"):  # the 0 h dry run is slow to come
            await pilot.press("t", "backspace", "backspace", "backspace", "0", "enter")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert "The dry run for 0 h is still loading" in notices(app)
            vacuum.post_message(week)  # the 168 h dry run arriving late
            await pilot.pause()
            assert vacuum.dry_run is None
        await settle(app, pilot)
        assert vacuum.dry_run is not None
        zero = vacuum.dry_run
        assert (zero.retention_hours, zero.report.files_removed) == (0, 6)

        # Below the minimum the table's name is typed to confirm: not before the dry run is in.
        assert "y asks for the table name" in text_of(app, "#vacuum-summary")
        with table_busy(app, "quotes"):  # the 1 h dry run is slow to come
            await pilot.press("t", "backspace", "1", "enter")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert app.screen is vacuum, "no name asked for a dry run not on screen"
            assert vacuum.done is None
            assert "The dry run for 1 h is still loading" in notices(app)
        await settle(app, pilot)
        assert app.screen is vacuum
        assert vacuum.done is None
        assert vacuum.dry_run is not None
        assert vacuum.dry_run.retention_hours == 1

        # Back to 168 h: the 0 h dry run (6 files to delete) arriving now must not count.
        await pilot.press("t", "backspace", "1", "6", "8", "enter")
        await settle(app, pilot)
        vacuum.post_message(VacuumScreen.DryRunLoaded(zero))
        await pilot.pause()
        assert vacuum.dry_run is not None
        assert vacuum.dry_run.retention_hours == 168
        assert "0 files" in text_of(app, "#vacuum-summary")
        await pilot.press("y")
        await settle(app, pilot)
        assert vacuum.done is None
        assert "Nothing to vacuum at this retention" in notices(app)
    assert all((demo_lake / "quotes" / p).exists() for p in zero.report.removed_files)


async def test_progress_shows_the_lock_wait_and_escape_ends_it_at_once(demo_lake: Path) -> None:
    before = file_counts(demo_lake, "trades")
    app = build_app(demo_lake)
    with held_by_process(demo_lake / "trades") as holder:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            progress = CompactProgressScreen(CompactRequest("trades", (HOT,), 128))
            app.push_screen(progress)
            await until(pilot, lambda: progress.runs[HOT].waiting_for is not None, within_s=30)
            await pilot.pause()
            [row] = progress.query_one(FrameTable).frame.iter_rows(named=True)
            assert row["state"] == "waiting for lock"
            assert f"by pid {holder.process.pid} on " in row["error"]
            summary = text_of(app, "#run-summary")
            assert "waiting for lock 1" in summary
            assert "\nwaiting for lock (held since " in summary
            assert f"UTC by pid {holder.process.pid} on " in summary
            assert footer_keys(app) == ["s Sort", "esc Cancel rest", *APP_KEYS]

            start = time.monotonic()
            await pilot.press("escape")  # cancel: the wait ends at its next poll
            await pilot.pause()
            assert "esc Cancel rest" not in footer_keys(app)  # pressed: nothing more to cancel
            await until(pilot, lambda: progress.result is not None, within_s=5)
            await pilot.pause()
            assert footer_keys(app) == ["s Sort", "esc Close", *APP_KEYS]
            await pilot.press("escape")  # close
            await until(pilot, lambda: isinstance(app.screen, LakeScreen), within_s=5)
            took = time.monotonic() - start
            assert isinstance(app.screen, LakeScreen)
            assert progress.result is not None
            [run] = progress.result.partitions
            assert run.state == "cancelled"
            assert "cancelled while waiting for its lock" in (run.error or "")
        assert took < 2, f"Escape took {took:.1f} s while another process held the lock"
        assert holder.process.is_alive(), "the other process kept its lock throughout"
    assert file_counts(demo_lake, "trades") == before


def compaction_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("compact")]


async def test_quitting_while_waiting_for_a_lock_ends_at_once(demo_lake: Path) -> None:
    before = file_counts(demo_lake, "trades")
    app = build_app(demo_lake)
    with held_by_process(demo_lake / "trades") as holder:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            progress = CompactProgressScreen(CompactRequest("trades", (HOT,), 128))
            app.push_screen(progress)
            await until(pilot, lambda: progress.runs[HOT].waiting_for is not None, within_s=30)
            assert compaction_threads(), "a compaction thread waits for the lock"
            start = time.monotonic()
            await pilot.press("ctrl+q")
        # The app has ended; its compaction thread must end too (else the process would hang
        # at exit, joining it).
        for _ in range(100):
            if not compaction_threads() or time.monotonic() - start > 5:
                break
            time.sleep(0.02)
        took = time.monotonic() - start
        assert not compaction_threads()
        assert took < 2, f"quitting took {took:.1f} s while another process held the lock"
        assert holder.process.is_alive()
    assert file_counts(demo_lake, "trades") == before
