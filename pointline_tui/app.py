"""The Textual application: screens, bindings, the command palette and navigation; no lake logic."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding

from pointline_tui import __version__
from pointline_tui.commands import LakeCommands
from pointline_tui.context import LakeContext
from pointline_tui.navigation import Navigation
from pointline_tui.screens.lake import LakeScreen

if TYPE_CHECKING:
    from pointline_tui.lake.head_start import HeadStart
    from pointline_tui.lake.reader import LakeReader

_EXIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


class PointlineApp(Navigation):
    """pointline-tui: browse a silver lake and keep its partitions healthy.

    It owns the navigation (``Navigation``, a ``LakeNavigator``): screens ask it to open others.
    """

    TITLE = "pointline-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {LakeCommands}
    BINDINGS = [
        Binding("m", "show_manifest", "Manifest"),
        Binding("q", "show_quarantine", "Quarantine"),
        Binding("H", "show_hot_partitions", "Hot partitions", show=False),
        Binding("R", "show_reconcile", "Reconcile", show=False),
        Binding("L", "show_health", "Lake health", show=False),
        Binding("question_mark", "show_help", "Help", key_display="?"),
        Binding("f1", "show_help", "Help", show=False),
        Binding("E", "show_errors", "Errors", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),  # in dialogs too
    ]

    def __init__(self, context: LakeContext) -> None:
        super().__init__()
        self.context = context
        self.lake = LakeScreen()
        self.sub_title = ("READ-ONLY · " if context.read_only else "") + str(context.silver_root)

    # Shortcuts to the context, for tests and scripts: screens use ``lake_context``.
    reader = property(lambda self: self.context.reader)
    optimizer = property(lambda self: self.context.optimizer)
    vacuum = property(lambda self: self.context.vacuum)
    read_only = property(lambda self: self.context.read_only)

    def on_mount(self) -> None:
        # A dropped SSH session (SIGHUP) or a kill (SIGTERM) exits like ctrl+q: the terminal is
        # restored and cleanup runs (the demo's temporary lake is removed).
        loop = asyncio.get_running_loop()
        for sig in _EXIT_SIGNALS:
            loop.add_signal_handler(sig, self.exit)
        self.push_screen(self.lake)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in _EXIT_SIGNALS:
            loop.remove_signal_handler(sig)


def build_app(
    silver_root: Path,
    *,
    read_only: bool = False,
    cache_folder: Path | None = None,
    head_start: HeadStart | None = None,
) -> PointlineApp:
    """The app over the lake at ``silver_root``: the one factory the CLI and tests use.

    ``cache_folder``: where the statistics cache is kept (``None``: no cache).
    ``head_start``: tables' loads begun before the app was imported, for its reader.
    """
    from pointline_tui.storage.delta.deferred import DeferredEventStore
    from pointline_tui.storage.delta.deferred_restore import DeferredRestorer
    from pointline_tui.storage.delta.log_maintenance import DeltaLogMaintenance

    def open_reader() -> LakeReader:
        from pointline_tui.lake.reader import LakeReader
        from pointline_tui.lake.stats_cache import StatsCache

        cache = None if cache_folder is None else StatsCache(cache_folder)
        return LakeReader(silver_root, cache=cache, head_start=head_start)

    events = DeferredEventStore(silver_root, read_only=read_only)  # delta-rs on first write
    context = LakeContext(
        silver_root=Path(silver_root),
        open_reader=open_reader,
        optimizer=events,
        vacuum=events,
        orphans=events,
        restorer=DeferredRestorer(silver_root, read_only=read_only),
        log_maintenance=DeltaLogMaintenance(silver_root, read_only=read_only),
        read_only=read_only,
        cache_folder=cache_folder,
    )
    return PointlineApp(context)


__all__ = ["PointlineApp", "build_app", "__version__"]
