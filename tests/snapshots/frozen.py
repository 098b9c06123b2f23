"""A demo lake with its wall-clock traces frozen, so that pictures of it are repeatable.

delta-rs stamps commits and files with the time of writing and names files with random UUIDs;
both would differ in every picture. This rewrites the demo lake's JSON log entries: commit and
file times become fixed (2024-05-06, a minute per version) and data files get stable names.
Test-only: the product never edits a Delta log.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote, unquote

from textual.pilot import Pilot

from pointline_tui.app import PointlineApp, build_app
from pointline_tui.demo import build_demo_lake
from pointline_tui.screens.compact_progress import CompactProgressScreen, CompactRequest
from pointline_tui.storage.delta.locks import LOCK_DIR, partition_lock
from pointline_tui.storage.delta.verify import RUN_KEY

BASE_MS = 1_714_953_600_000  # 2024-05-06T00:00:00Z
SHOWN_ROOT = "/srv/pointline/silver"
"""The lake's folder as pictures show it, wherever the copy they were taken of lies."""


def build_frozen_demo_lake(target: Path) -> Path:
    """Build the demo lake at ``target`` and freeze it."""
    build_demo_lake(target)
    for table in sorted(p for p in target.iterdir() if (p / "_delta_log").is_dir()):
        _freeze_table(table)
    return target


def frozen_app(lake: Path, *, read_only: bool = False) -> PointlineApp:
    """The app over ``lake`` as pictures show it: a fixed theme and a fixed lake path."""
    app = build_app(lake, read_only=read_only)
    app.theme = "textual-dark"
    app.sub_title = app.sub_title.replace(str(lake), SHOWN_ROOT)
    return app


def place(template: Path, target: Path) -> Path:
    """Copy a frozen lake to ``target`` (replacing what is there)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(template, target)
    return target


def _freeze_table(table: Path) -> None:
    log = table / "_delta_log"
    # The JSON commits are complete on their own; a checkpoint would repeat old times.
    for checkpoint in [*log.glob("*.checkpoint*.parquet"), log / "_last_checkpoint"]:
        checkpoint.unlink(missing_ok=True)
    renames: dict[str, str] = {}
    for commit in sorted(log.glob("*.json")):
        stamp = BASE_MS + int(commit.stem) * 60_000
        actions = [json.loads(line) for line in commit.read_text().splitlines() if line]
        for action in actions:
            if "commitInfo" in action:
                action["commitInfo"]["timestamp"] = stamp
                metrics = action["commitInfo"].get("operationMetrics") or {}
                for key in [k for k in metrics if "time_ms" in k or "TimeMs" in k]:
                    metrics[key] = 5  # how long the write took: differs in every run
                if RUN_KEY in action["commitInfo"]:  # a random id per compaction run
                    action["commitInfo"][RUN_KEY] = f"run-{commit.stem[-4:]}"
            for kind, field in (("add", "modificationTime"), ("remove", "deletionTimestamp")):
                if kind in action:
                    entry = action[kind]
                    entry["path"] = renames.setdefault(
                        entry["path"], _stable(entry["path"], len(renames))
                    )
                    entry[field] = stamp
        commit.write_text("".join(json.dumps(a) + "\n" for a in actions))
    for old, new in renames.items():
        source = table / unquote(old)
        if source.exists():
            source.rename(table / unquote(new))


def _stable(path: str, index: int) -> str:
    folder, _, _ = path.rpartition("/")
    name = quote(f"part-{index:05d}.snappy.parquet")
    return f"{folder}/{name}" if folder else name


PROGRESS_PARTS = (
    ("binance-futures", date(2024, 5, 1)),
    ("okx", date(2024, 5, 1)),
    ("okx", date(2024, 5, 3)),
)
"""Compacted by the mid-run picture: two wait for locks held elsewhere, the third to start."""
PICTURED_HOLDER = {
    "pid": 4242,
    "host": "lake-1",
    "user": "ops",
    "since": "2024-05-06T09:58:00+00:00",
}
"""Who holds the picture's locks, as the lock files say (a real pid and time would vary)."""


@contextlib.contextmanager
def compaction_mid_run(lake: Path, *, seconds: float = 4) -> Iterator[None]:
    """Hold the picture's partition locks for ``seconds``, as another console would.

    A compaction started meanwhile shows two partitions waiting for their lock and one not
    started; the locks go after ``seconds`` so that the app can finish and exit.
    """
    held = threading.Event()

    def hold() -> None:
        with contextlib.ExitStack() as stack:
            table = lake / "orderbook_updates"
            for part in PROGRESS_PARTS:
                stack.enter_context(partition_lock(table, part))
                name = f"{quote(part[0], safe='-')}.{part[1].isoformat()}.lock"
                (table / LOCK_DIR / name).write_text(json.dumps(PICTURED_HOLDER))  # same inode
            held.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    held.wait(10)
    try:
        yield
    finally:
        thread.join()


async def start_compaction(pilot: Pilot) -> None:
    """Push the progress screen of ``PROGRESS_PARTS`` with a still clock (stable pictures)."""
    screen = CompactProgressScreen(
        CompactRequest("orderbook_updates", PROGRESS_PARTS, 128), max_workers=2
    )
    screen.clock = lambda: 0.0
    pilot.app.push_screen(screen)
    await pilot.pause(0.5)
