"""Pilot tests of compaction and vacuum from the console, checked against the lake afterwards."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable
from textual.widgets import Input, Static

from pointline_tui.app import build_app
from pointline_tui.screens.compact import CompactPlanScreen
from pointline_tui.screens.compact_progress import CompactProgressScreen, CompactRequest
from pointline_tui.screens.dialogs import READ_ONLY, ConfirmModal, TypedConfirmModal
from pointline_tui.screens.history import HistoryScreen
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.vacuum import VacuumScreen
from pointline_tui.storage.models import ReadOnlyError
from pointline_tui.widgets.frame_table import FrameTable
from tests.frames import partition_checksums
from tests.pilot import on_table, run_command
from tests.ui.test_lake_screen import open_table, settle, text_of

HOT = ("binance-futures", date(2024, 5, 2))
OKX = ("okx", date(2024, 5, 1))


def file_counts(root: Path, table: str) -> dict[tuple[str, date], int]:
    actions = pl.DataFrame(DeltaTable(str(root / table)).get_add_actions(flatten=True))
    counts = actions.group_by("partition.exchange", "partition.trading_date").len()
    return {(ex, day): n for ex, day, n in counts.iter_rows()}


def parquet_files(root: Path, table: str) -> set[Path]:
    return set((root / table).rglob("*.parquet"))


def add_orphan(root: Path) -> Path:
    """A copy of a data file of ``trades`` that no commit names, three days old."""
    folder = root / "trades" / "exchange=okx" / "trading_date=2024-05-01"
    orphan = folder / "part-09999-00000000-0000-0000-0000-000000000000-c000.snappy.parquet"
    shutil.copyfile(next(folder.glob("*.parquet")), orphan)
    three_days_ago = time.time() - 3 * 86_400
    os.utime(orphan, (three_days_ago, three_days_ago))
    return orphan


def content(root: Path, table: str) -> tuple[int, dict]:
    frame = pl.read_delta(str(root / table))
    return frame.height, partition_checksums(frame)


async def test_compact_hot_partitions_end_to_end(demo_lake: Path) -> None:
    before_counts = file_counts(demo_lake, "trades")
    before_content = content(demo_lake, "trades")
    app = build_app(demo_lake)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = await open_table(app, pilot, "trades")
        screen.query_one(FrameTable).focus()
        await pilot.press("asterisk", "c")
        await settle(app, pilot)
        plan = app.screen
        assert isinstance(plan, CompactPlanScreen)
        assert plan.partitions == [HOT]
        totals = text_of(app, "#plan-totals")
        assert f"1 to compact, 0 skipped · {before_counts[HOT]} files" in totals
        assert "--exchange binance-futures --date 2024-05-02 --target-size-mb 128" in text_of(
            app, "#plan-command"
        )
        # The freshly built lake counts as recently written: a second "y" confirms anyway.
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app, pilot)
        progress = app.screen
        assert isinstance(progress, CompactProgressScreen)
        assert progress.result is not None
        [run] = progress.result.partitions
        assert (run.state, run.files_before, run.files_after) == ("done", before_counts[HOT], 1)
        assert f"files {before_counts[HOT]} → 1" in text_of(app, "#run-summary")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LakeScreen)
        shown = {
            (r["exchange"], r["trading_date"]): r["files"]
            for r in screen.query_one(FrameTable).frame.iter_rows(named=True)
        }
        assert shown[HOT] == 1

        await pilot.press("h")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)
        newest = app.screen.query_one(FrameTable).frame.row(0, named=True)
        assert newest["operation"] == "OPTIMIZE"
        meta = dict(app.reader.history("trades", 1)[0].metadata)
        assert meta["tool"] == "pointline-tui"
        assert newest["who"] == f"{meta['user']}@{meta['host']}"

    after_counts = file_counts(demo_lake, "trades")
    assert after_counts == before_counts | {HOT: 1}
    assert content(demo_lake, "trades") == before_content


async def test_target_size_is_editable_and_skips_are_explained(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await open_table(app, pilot, "trades")
        await pilot.press("c")  # the table node: every partition
        await settle(app, pilot)
        plan = app.screen
        assert isinstance(plan, CompactPlanScreen)
        assert plan.plan is not None
        assert plan.plan.skipped == 7
        notes = plan.query_one(FrameTable).frame["note"].to_list()
        assert sum("skip: only one file" in n for n in notes) == 7
        await pilot.press("t", "backspace", "backspace", "backspace", "6", "4", "enter")
        await settle(app, pilot)
        assert plan.target_size_mb == 64
        assert "at 64 MB" in text_of(app, "#plan-totals")
        await pilot.press("t", "backspace", "backspace", "x", "enter")
        await settle(app, pilot)
        assert plan.target_size_mb == 64  # integers only; nothing changed
        assert "got 'x'" in text_of(app, "#target-field .field-error")
        await pilot.press("escape")  # out of the field, then out of the plan
        await settle(app, pilot)
        assert isinstance(app.screen, CompactPlanScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, LakeScreen)
    assert file_counts(demo_lake, "trades")[HOT] > 1


async def test_cancel_leaves_partitions_not_started_untouched(demo_lake: Path) -> None:
    before = file_counts(demo_lake, "orderbook_updates")
    app = build_app(demo_lake)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        parts = tuple(sorted(before))
        app.push_screen(CompactProgressScreen(CompactRequest("orderbook_updates", parts, 128)))
        await pilot.press("escape")  # cancel at once: started partitions finish, the rest wait
        await settle(app, pilot)
        progress = app.screen
        assert isinstance(progress, CompactProgressScreen)
        assert progress.result is not None
        states = {(p.exchange, p.trading_date): p.state for p in progress.result.partitions}
        assert "cancelled" in states.values()
        assert set(states.values()) <= {"done", "cancelled"}
        assert "cancelled" in text_of(app, "#run-summary")
    after = file_counts(demo_lake, "orderbook_updates")
    for part, state in states.items():
        if state == "cancelled":
            assert after[part] == before[part]
        else:
            assert after[part] == 1


async def test_a_failed_partition_shows_its_error_and_the_rest_finish(demo_lake: Path) -> None:
    # Lose one data file of a hot partition behind the log's back: its compaction must fail.
    actions = pl.DataFrame(DeltaTable(str(demo_lake / "trades")).get_add_actions(flatten=True))
    victim = actions.filter(
        pl.col("partition.exchange") == HOT[0], pl.col("partition.trading_date") == HOT[1]
    )
    (demo_lake / "trades" / victim["path"][0]).unlink()
    app = build_app(demo_lake)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        request = CompactRequest("trades", (HOT, ("okx", date(2024, 5, 1))), 128)
        app.push_screen(CompactProgressScreen(request))
        await settle(app, pilot)
        result = app.screen.result  # type: ignore[attr-defined]
        states = {(p.exchange, p.trading_date): p for p in result.partitions}
        assert states[HOT].state == "failed"
        assert states[HOT].error
        assert states[("okx", date(2024, 5, 1))].state == "done"
        assert "failed 1" in text_of(app, "#run-summary")

        # The error column is cut at the screen's edge; the highlighted row's error is whole
        # below the table, wrapped.
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        error = states[HOT].error
        assert len(error) > 80
        table = app.screen.query_one(FrameTable)
        rows = table.frame.rows(named=True)
        table.move_cursor(row=[(r["exchange"], r["trading_date"]) for r in rows].index(HOT))
        await pilot.pause()
        note = app.screen.query_one("#run-note", Static)
        assert text_of(app, "#run-note") == f"binance-futures/2024-05-02 failed: {error}"
        assert note.region.height >= 2
        assert note.region.right <= 80
        table.move_cursor(row=[(r["exchange"], r["trading_date"]) for r in rows].index(OKX))
        await pilot.pause()
        assert not note.display  # a partition that did not fail has nothing to say


async def test_vacuum_dry_run_typed_confirmation_and_report(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await on_table(pilot, "quotes", "v")
        vacuum = app.screen
        assert isinstance(vacuum, VacuumScreen)
        assert vacuum.dry_run is not None
        assert vacuum.dry_run.report.files_removed == 0  # nothing is 168 h old yet
        await pilot.press("t", "backspace", "backspace", "backspace", "0", "enter")
        await settle(app, pilot)
        report = vacuum.dry_run.report
        assert report.files_removed == 6
        listed = vacuum.query_one(FrameTable).frame
        assert listed["partition"].unique().to_list() == ["okx/2024-05-01"]
        assert listed["size"].sum() == report.bytes_freed
        assert all((demo_lake / "quotes" / p).exists() for p in report.removed_files)
        assert "below the minimum" in text_of(app, "#vacuum-summary")

        await pilot.press("y", *"trade", "enter")  # wrong name: nothing deleted
        await settle(app, pilot)
        assert isinstance(app.screen, TypedConfirmModal)
        assert vacuum.done is None
        assert all((demo_lake / "quotes" / p).exists() for p in report.removed_files)

        await pilot.press(*"quotes", "enter")  # the dialog's field stays focused, emptied
        await settle(app, pilot)
        assert vacuum.done is not None
        assert (vacuum.done.files_removed, vacuum.done.bytes_freed) == (6, report.bytes_freed)
        assert not any((demo_lake / "quotes" / p).exists() for p in report.removed_files)
        assert "removed 6 files" in text_of(app, "#vacuum-summary")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LakeScreen)
    assert pl.read_delta(str(demo_lake / "quotes")).height > 0


async def test_vacuum_of_marked_partitions_says_so(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = await open_table(app, pilot, "quotes")
        table = screen.query_one(FrameTable)
        table.focus()
        await pilot.press("down", "down", "down", "down", "space")  # okx 2024-05-01: compacted
        await settle(app, pilot)
        marked = table.current_row()
        assert marked is not None
        assert (marked["exchange"], marked["trading_date"]) == ("okx", date(2024, 5, 1))
        assert "1 marked in quotes" in text_of(app, "#detail-status")
        await pilot.press("v")
        await settle(app, pilot)
        vacuum = app.screen
        assert isinstance(vacuum, VacuumScreen)
        assert vacuum.partitions == [(marked["exchange"], marked["trading_date"])]
        title = str(vacuum.query_one(".title", Static).render())
        assert "only inside 1 marked partition(s)" in title

        await pilot.press("t", "backspace", "backspace", "backspace", "0", "enter")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        # The name is typed only into the dialog: typed into the screens' bindings, "quotes"
        # once opened the quarantine (q), filtered it (t) and exported it (e) into the cwd.
        assert isinstance(app.screen, TypedConfirmModal)
        assert app.screen.query_one(Input).has_focus
        await pilot.press(*"quotes", "enter")
        await settle(app, pilot)
        assert vacuum.done is not None
        assert vacuum.dry_run is not None
        assert vacuum.done.removed_files == vacuum.dry_run.report.removed_files
        inside = f"exchange={marked['exchange']}/trading_date={marked['trading_date']}/"
        assert all(p.startswith(inside) for p in vacuum.done.removed_files)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        newest = app.screen.query_one(FrameTable).frame.row(0, named=True)
        assert vacuum.done.files_removed == 6
        assert newest["operation"] == "VACUUM PARTITIONS"


async def test_read_only_opens_plans_and_dry_runs_and_the_stores_refuse(demo_lake: Path) -> None:
    before = file_counts(demo_lake, "trades")
    app = build_app(demo_lake, read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert "READ-ONLY" in app.sub_title
        screen = await open_table(app, pilot, "trades")
        screen.query_one(FrameTable).focus()
        await pilot.press("asterisk", "c")
        await settle(app, pilot)
        plan = app.screen
        assert isinstance(plan, CompactPlanScreen)
        assert plan.partitions == [HOT]
        await pilot.press("y")  # says why it will not write, and starts nothing
        await settle(app, pilot)
        assert app.screen is plan
        assert str(list(app._notifications)[-1].message) == READ_ONLY
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, VacuumScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LakeScreen)
        with pytest.raises(ReadOnlyError):
            app.optimizer.compact_partitions("trades", exchange=HOT[0], trading_date=HOT[1])
        with pytest.raises(ReadOnlyError):
            app.vacuum.vacuum_table("trades", retention_hours=0, enforce_retention=False)
    assert file_counts(demo_lake, "trades") == before


async def test_palette_starts_compaction_and_vacuum(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await run_command(pilot, "trades compact hot")
        assert isinstance(app.screen, CompactPlanScreen)
        assert app.screen.partitions == [HOT]
        await pilot.press("escape")
        await settle(app, pilot)

        await run_command(pilot, "quotes vacuum")
        assert isinstance(app.screen, VacuumScreen)
        assert (app.screen.table, app.screen.partitions) == ("quotes", None)


async def test_read_only_palette_offers_nothing_that_writes(demo_lake: Path) -> None:
    from pointline_tui.commands import LakeCommands

    app = build_app(demo_lake, read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"compact")
        await settle(app, pilot)
        palette = app.screen
        provider = LakeCommands(palette, None)
        await provider.startup()
        names = [name for name, _, _ in provider._commands()]
        assert "table: trades history" in names
        assert not [n for n in names if "compact" in n or "vacuum" in n]


async def test_a_damaged_log_fails_the_partitions_and_escape_still_closes(demo_lake: Path) -> None:
    app = build_app(demo_lake)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        log = sorted((demo_lake / "trades" / "_delta_log").glob("*.json"))[-1]
        log.write_text(log.read_text()[:40])
        app.push_screen(CompactProgressScreen(CompactRequest("trades", (HOT,), 128)))
        await settle(app, pilot)
        progress = app.screen
        assert isinstance(progress, CompactProgressScreen)
        assert progress.result is not None
        [run] = progress.result.partitions
        assert run.state == "failed"
        assert run.error
        assert "trades" in run.error
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LakeScreen)
