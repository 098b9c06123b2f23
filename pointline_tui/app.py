"""The Textual application: screens, bindings and the command palette; no lake logic here."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from pointline_tui import __version__
from pointline_tui.commands import LakeCommands
from pointline_tui.lake.reader import LakeReader
from pointline_tui.maintenance import LockingOptimizer, PartitionVacuum
from pointline_tui.screens.lake import LakeScreen
from pointline_tui.screens.orphans import OrphanRemoval

_EXIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


class PointlineApp(App[None]):
    """pointline-tui: browse a silver lake and keep its partitions healthy."""

    TITLE = "pointline-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {LakeCommands}
    BINDINGS = [
        Binding("m", "show_manifest", "Manifest"),
        Binding("q", "show_quarantine", "Quarantine"),
        Binding("question_mark", "show_help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", show=False),
    ]

    def __init__(
        self,
        reader: LakeReader,
        optimizer: LockingOptimizer,
        vacuum: PartitionVacuum,
        orphans: OrphanRemoval,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.reader = reader
        self.optimizer = optimizer
        self.vacuum = vacuum
        self.orphans = orphans
        self.read_only = read_only
        self.sub_title = ("READ-ONLY · " if read_only else "") + str(reader.silver_root)

    def on_mount(self) -> None:
        # A dropped SSH session (SIGHUP) or a kill (SIGTERM) exits like ctrl+q: the terminal is
        # restored and cleanup runs (the demo's temporary lake is removed).
        loop = asyncio.get_running_loop()
        for sig in _EXIT_SIGNALS:
            loop.add_signal_handler(sig, self.exit)
        self.push_screen(LakeScreen())

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in _EXIT_SIGNALS:
            loop.remove_signal_handler(sig)

    def action_show_lake(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def show_table(self, table: str) -> None:
        """Back to the lake screen with ``table`` selected."""
        self.action_show_lake()
        if isinstance(self.screen, LakeScreen):
            self.screen.select_table(table)

    def compact_hot(self, table: str) -> None:
        """Plan compacting ``table``'s hot partitions, from the lake screen."""
        self.show_table(table)
        if isinstance(self.screen, LakeScreen):
            self.screen.compact_hot(table)

    def vacuum_dry_run(self, table: str) -> None:
        """Open the vacuum dry run of the whole ``table``."""
        self.show_table(table)
        if isinstance(self.screen, LakeScreen):
            self.screen.vacuum(table)

    def show_history(self, table: str) -> None:
        from pointline_tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(table))

    def action_show_manifest(self) -> None:
        from pointline_tui.screens.manifest import ManifestScreen

        if not isinstance(self.screen, ManifestScreen):
            self.push_screen(ManifestScreen())

    def action_show_quarantine(self) -> None:
        from pointline_tui.screens.quarantine import QuarantineScreen

        if not isinstance(self.screen, QuarantineScreen):
            self.push_screen(QuarantineScreen())

    def action_show_help(self) -> None:
        from pointline_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def build_app(silver_root: Path, *, read_only: bool = False) -> PointlineApp:
    """The app over the lake at ``silver_root``: the one factory the CLI and tests use."""
    from pointline_tui.storage.delta import DeltaEventStore

    events = DeltaEventStore(silver_root, read_only=read_only)
    return PointlineApp(LakeReader(silver_root), events, events, events, read_only=read_only)


__all__ = ["PointlineApp", "build_app", "__version__"]
