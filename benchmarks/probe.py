"""A console (or a stock Textual app) run headless in its own process, timed to a screen state.

    python benchmarks/probe.py MODE SILVER_ROOT CACHE_DIR SPAWNED_AT

MODE is one of:

- ``stock``: a stock Textual app (a Tree and a DataTable): until its first screen is mounted;
- ``first-paint``: the console over the lake, opened as the command line opens it
  (``console_app``): until the lake tree lists the tables;
- ``overview``: until the lake overview shows its figures and the tree every table's log check
  (what the console goes on to read and cache for later is not waited for);
- ``refresh``: until no worker runs, then one more file is appended to ``trades`` by another
  process, then ``r`` with ``trades`` selected: the time from the key to its partition list
  counting it;
- ``table-open``: until no worker runs, then ``trades`` is selected and its detail shown.

It prints one JSON line: ``seconds`` (from SPAWNED_AT, the parent's ``time.time()`` before it
started this process, so interpreter start and imports count; for ``refresh``, from the key)
and ``mib`` (this process's peak RSS, VmHWM), then leaves at once (``os._exit``: a worker
still running does not hold the exit, and the exit is not timed).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def done(seconds: float) -> None:
    print(json.dumps({"seconds": seconds, "mib": peak_mib()}), flush=True)
    os._exit(0)


def main() -> None:
    sys.path.insert(0, str(REPO))  # tests.pilot, benchmarks.snippets
    mode, root, cache, spawned_at = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    since = float(spawned_at)
    import asyncio

    if mode == "stock":
        asyncio.run(stock(since))
        return
    from pointline_tui.cli.console import console_app

    app = console_app(root, read_only=False, cache_folder=Path(cache))
    asyncio.run(console(app, mode, root, since))


async def stock(since: float) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header, Tree

    class Stock(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Tree("lake")
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            self.query_one(Tree).root.add_leaf("trades")

    app = Stock()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        done(time.time() - since)


async def until(pilot: object, ready: Callable[[], bool]) -> None:
    """Poll ``ready`` every 2 ms on the app's own loop.

    Not ``pilot.pause``: it waits for the app to be idle, and a worker still walking the
    table's folders would be counted in what the operator already sees.
    """
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    for _ in range(30_000):
        if ready():
            return
        await asyncio.sleep(0.002)
    raise TimeoutError("the screen never got there")


def overview_shown(screen: object, tables: int) -> bool:
    """The lake overview's figures are on ``screen``, and ``tables`` tables' log checks."""
    from pointline_tui.widgets.lake_tree import LakeTree

    detail = getattr(screen, "detail", None)
    if detail is None or detail.node.kind != "lake" or "files / bytes" not in detail.text.plain:
        return False
    checked = screen.query_one(LakeTree)._health  # type: ignore[attr-defined]
    return len(checked) == tables


def shown_files(screen: object) -> int:
    """The files the partition list of ``trades`` on ``screen`` adds up to (0: not shown)."""
    detail = getattr(screen, "detail", None)
    if detail is None or detail.node.table != "trades" or detail.frame is None:
        return 0
    return int(detail.frame.get_column("files").sum())


async def console(app: object, mode: str, root: Path, since: float) -> None:
    from textual.app import App

    from benchmarks.snippets import APPEND
    from pointline_tui.widgets.lake_tree import LakeTree
    from tests.pilot import on_table, settle

    assert isinstance(app, App)
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.screen.query_one(LakeTree)
        await until(pilot, lambda: bool(tree.root.children))
        if mode == "first-paint":
            done(time.time() - since)
        if mode == "overview":
            tables = sum(1 for table in root.iterdir() if (table / "_delta_log").is_dir())
            await until(pilot, lambda: overview_shown(app.screen, tables))
            done(time.time() - since)
        await settle(pilot)
        if mode == "table-open":
            await on_table(pilot, "trades")
            done(time.time() - since)
        assert mode == "refresh", mode
        await on_table(pilot, "trades")  # its partitions listed
        before = shown_files(app.screen)
        assert before > 0
        subprocess.run([sys.executable, "-c", APPEND, str(root / "trades"), str(REPO)], check=True)
        started = time.time()
        # ``press`` returns once the app is idle, after the folders' walk that follows the
        # list: poll the screen meanwhile.
        key = asyncio.create_task(pilot.press("r"))
        await until(pilot, lambda: shown_files(app.screen) == before + 1)
        done(time.time() - started)
        await key


if __name__ == "__main__":
    main()
