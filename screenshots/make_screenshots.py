"""Regenerate the SVG screenshots in this folder from the demo lake.

Run from the repository root: ``python screenshots/make_screenshots.py``. The demo lake is
built with its commit times and file names frozen (see ``tests/snapshots/frozen.py``), so the
pictures only change when the console does.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402

from tests.pilot import settle  # noqa: E402
from tests.snapshots.frozen import (  # noqa: E402
    build_frozen_demo_lake,
    compaction_mid_run,
    frozen_app,
    place,
    start_compaction,
)
from tests.snapshots.test_time_travel import at  # noqa: E402

Step = str | Callable[[Pilot], Awaitable[None]]
SIZE = (100, 30)


def select(table: str) -> Step:
    async def run(pilot: Pilot) -> None:
        pilot.app.screen.select_table(table)  # type: ignore[attr-defined]

    return run


async def focus_detail(pilot: Pilot) -> None:
    pilot.app.screen.query_one("#detail-table").focus()


SHOTS: dict[str, list[Step]] = {
    "lake-overview": [],
    "table-partitions": [select("trades"), "enter", "down", "enter"],
    "partition-files": [select("trades"), "enter", "down", "enter", "down", "down"],
    "history": [select("quotes"), "h"],
    "manifest": ["m"],
    "manifest-failed": ["m", "f", "f", "f"],
    "quarantine": ["q"],
    "help": ["question_mark"],
    "compact-plan": [select("trades"), "enter", focus_detail, "asterisk", "c"],
    "compact-report": [select("trades"), "enter", focus_detail, "asterisk", "c", "y"],
    "vacuum-dry-run": [select("quotes"), "v"],
    "lake-health": ["L"],
    "hot-partitions": ["H"],
    "reconcile": ["R"],
    "time-travel-commit-changes": [select("quotes"), "h", at(), "enter"],
    "time-travel-diff": [select("quotes"), "h", at(5), "space", at(after_optimize=2), "space", "d"],
    "time-travel-as-of": [select("quotes"), "h", at(5), "a"],
    "time-travel-restore-plan": [select("quotes"), "h", at(after_optimize=-1), "b"],
    "time-travel-dim-symbol": [select("dim_symbol"), "h", "c"],
    "file-sizes": [select("trades"), "z"],
    "heat-map": [select("trades"), "g"],
    "rows": [select("trades"), "enter", "down", "enter", "down", "down", "p", "d"],
    "vacuum-confirm": [
        select("quotes"),
        "v",
        "t",
        "backspace",
        "backspace",
        "backspace",
        "1",
        "enter",
        "y",
    ],
}


async def shoot(lake: Path, name: str, steps: list[Step], *, last_waits: bool = True) -> None:
    """Take ``name``.svg after ``steps``; ``last_waits=False``: not waiting for the last one."""
    app = frozen_app(lake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for index, step in enumerate(steps):
            if isinstance(step, str):
                await pilot.press(step)
            else:
                await step(pilot)
            if last_waits or index < len(steps) - 1:
                await settle(pilot)
        for widget in app.screen.query("Input"):
            widget.cursor_blink = False  # type: ignore[attr-defined]
        app.clear_notifications()
        await pilot.pause()
        app.save_screenshot(f"{name}.svg", path=str(Path(__file__).parent))
    print(f"screenshots/{name}.svg")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        template = build_frozen_demo_lake(Path(tmp) / "template" / "silver")
        copy = Path(tmp) / "lake" / "silver"
        for name, steps in SHOTS.items():
            asyncio.run(shoot(place(template, copy), name, steps))
        lake = place(template, copy)
        with compaction_mid_run(lake):  # its partitions wait on another console's locks
            asyncio.run(shoot(lake, "compact-progress", [start_compaction], last_waits=False))


if __name__ == "__main__":
    main()
