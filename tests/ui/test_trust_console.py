"""The console's side of Trust: health marks, the health line, removing orphans."""

import os
import shutil
import time
from pathlib import Path

from pointline_tui.app import build_app
from pointline_tui.screens.dialogs import TypedConfirmModal
from pointline_tui.screens.orphans import OrphansScreen
from pointline_tui.widgets.lake_tree import LakeTree
from tests.pilot import on_table, settle

OLD = time.time() - 3 * 24 * 3600


def orphans(lake: Path) -> tuple[Path, Path]:
    """An old orphan (a copy of a live file) and a young one, under quotes."""
    live = next((lake / "quotes").rglob("*.parquet"))
    old, young = live.parent / "orphan-old.parquet", live.parent / "orphan-young.parquet"
    shutil.copy(live, old)
    shutil.copy(live, young)
    os.utime(old, (OLD, OLD))
    return old, young


def label(app, table: str) -> str:
    tree = app.screen.query_one(LakeTree)
    node = tree._table_node(table)
    assert node is not None
    return str(node.label)


async def test_tree_marks_errors_and_warnings_and_the_detail_says_why(demo_lake: Path) -> None:
    orphans(demo_lake)
    latest = sorted((demo_lake / "trades" / "_delta_log").glob("*.json"))[-1]
    latest.write_bytes(b"")  # a zero-byte latest commit: writes must be refused
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "✗1" in label(app, "trades")
        await on_table(pilot, "quotes")
        assert "!" in label(app, "quotes")  # orphans are found once the table is opened
        await on_table(pilot, "trades")
        body = str(app.screen.query_one("#detail-body").render())
        assert "writes refused" in body
        assert "zero_byte_commit" in body


async def test_orphans_are_listed_then_removed_once_the_name_is_typed(demo_lake: Path) -> None:
    old, young = orphans(demo_lake)
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await on_table(pilot, "quotes", "o")
        screen = app.screen
        assert isinstance(screen, OrphansScreen)
        assert screen.dry_run is not None
        assert screen.dry_run.removed_files == (str(old.relative_to(demo_lake / "quotes")),)
        assert screen.dry_run.too_young == 1
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TypedConfirmModal)
        await pilot.press(*"quote", "enter")  # a wrong name deletes nothing
        await settle(pilot)
        assert old.exists()
        assert isinstance(app.screen, TypedConfirmModal)
        await pilot.press(*"quotes", "enter")  # letters of screen bindings go to the input
        await settle(pilot)
        assert isinstance(app.screen, OrphansScreen)
        assert not old.exists()
        assert young.exists()
        assert app.screen.done is not None
        assert app.screen.done.files_removed == 1
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, OrphansScreen)


async def test_read_only_lists_orphans_and_deletes_nothing(demo_lake: Path) -> None:
    old, _ = orphans(demo_lake)
    app = build_app(demo_lake, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await on_table(pilot, "quotes", "o")
        assert isinstance(app.screen, OrphansScreen)
        assert app.screen.dry_run is not None
        assert app.screen.dry_run.files_removed == 1
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, OrphansScreen)  # no confirmation offered
        assert old.exists()


async def test_a_damaged_table_refuses_orphan_removal_in_the_screen(demo_lake: Path) -> None:
    old, _ = orphans(demo_lake)
    latest = sorted((demo_lake / "quotes" / "_delta_log").glob("*.json"))[-1]
    latest.write_bytes(b"")
    app = build_app(demo_lake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await on_table(pilot, "quotes", "o")
        summary = str(app.screen.query_one("#orphan-summary").render())
        assert "Refused" in summary
        assert "zero_byte_commit" in summary or "empty file" in summary
        assert old.exists()
