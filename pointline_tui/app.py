"""The Textual application: screens, bindings, the command palette and navigation; no lake logic."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from pointline_tui import __version__
from pointline_tui.commands import LakeCommands
from pointline_tui.context import LakeContext
from pointline_tui.lake.reader import LakeReader
from pointline_tui.screens.lake import LakeScreen

if TYPE_CHECKING:
    from pointline_tui.lake.plan import PartitionKey
    from pointline_tui.lake.stats_cache import StatsCache

_EXIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


class PointlineApp(App[None]):
    """pointline-tui: browse a silver lake and keep its partitions healthy.

    It owns the navigation (``LakeNavigator``): screens ask it to open the others.
    """

    TITLE = "pointline-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {LakeCommands}
    BINDINGS = [
        Binding("m", "show_manifest", "Manifest"),
        Binding("q", "show_quarantine", "Quarantine"),
        Binding("question_mark", "show_help", "Help", key_display="?"),
        Binding("f1", "show_help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False),
    ]

    def __init__(self, context: LakeContext) -> None:
        super().__init__()
        self.context = context
        self.lake = LakeScreen()
        self.sub_title = ("READ-ONLY · " if context.read_only else "") + str(
            context.reader.silver_root
        )

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

    # -- views: the manifest, quarantine, history and help replace one another ------------------

    def _open_view(self, screen: Screen[Any]) -> None:
        """Open ``screen`` in place of the views on top (``m q m q`` stacks no four screens).

        Plans, dry runs and runs underneath stay: a view opened over them closes back to them.
        """
        from pointline_tui.screens.help import HelpScreen
        from pointline_tui.screens.history import HistoryScreen
        from pointline_tui.screens.manifest import ManifestScreen
        from pointline_tui.screens.quarantine import QuarantineScreen

        views = (HelpScreen, HistoryScreen, ManifestScreen, QuarantineScreen)
        while len(self.screen_stack) > 2 and isinstance(self.screen, views):
            self.pop_screen()
        self.push_screen(screen)

    def show_lake(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    action_show_lake = show_lake

    def show_table(self, table: str) -> None:
        self.show_lake()
        self.lake.select_table(table)

    def show_history(self, table: str) -> None:
        from pointline_tui.screens.history import HistoryScreen

        self._open_view(HistoryScreen(table))

    def show_manifest(self, *, file_id: int | None = None) -> None:
        """The manifest; with ``file_id``, on top (a jump that Escape comes back from)."""
        from pointline_tui.screens.manifest import ManifestScreen

        if file_id is not None:
            self.push_screen(ManifestScreen(file_id=file_id))
        elif not isinstance(self.screen, ManifestScreen):
            self._open_view(ManifestScreen())

    def show_quarantine(self, *, file_id: int | None = None) -> None:
        """The quarantine; with ``file_id``, on top (a jump that Escape comes back from)."""
        from pointline_tui.screens.quarantine import QuarantineScreen

        if file_id is not None:
            self.push_screen(QuarantineScreen(file_id=file_id))
        elif not isinstance(self.screen, QuarantineScreen):
            self._open_view(QuarantineScreen())

    def show_help(self) -> None:
        from pointline_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_show_manifest(self) -> None:
        self.show_manifest()

    def action_show_quarantine(self) -> None:
        self.show_quarantine()

    action_show_help = show_help

    # -- maintenance: a plan or dry run first; the lake reloads after a change ------------------

    def plan_compaction(self, table: str, partitions: Sequence[PartitionKey]) -> None:
        from pointline_tui.screens.compact import CompactPlanScreen, CompactProgressScreen

        if (None, None) in partitions and not _plans_whole_tables():
            self.notify(
                f"The plan screen cannot show a whole table yet: pointline-tui compact {table}",
                severity="warning",
                markup=False,
            )
            return

        def confirmed(request: Any) -> None:
            if request is not None:
                self.push_screen(CompactProgressScreen(request), self._after_maintenance)

        # (None, None) is an unpartitioned table's one partition: the plan and store take it.
        self.push_screen(CompactPlanScreen(table, list(partitions)), confirmed)  # type: ignore[arg-type]

    def compact_hot(self, table: str) -> None:
        self.show_table(table)
        self.lake.compact_hot(table)

    def vacuum_dry_run(self, table: str, partitions: Sequence[PartitionKey] | None = None) -> None:
        from pointline_tui.screens.vacuum import VacuumScreen

        scope = None if partitions is None else list(partitions)
        self.push_screen(VacuumScreen(table, scope), self._after_maintenance)  # type: ignore[arg-type]

    def remove_orphans(self, table: str) -> None:
        from pointline_tui.screens.orphans import OrphansScreen

        self.push_screen(OrphansScreen(table), self._after_maintenance)

    def _after_maintenance(self, changed: bool | None) -> None:  # noqa: FBT001 - a callback
        self.lake.after_maintenance(changed=bool(changed))


def _plans_whole_tables() -> bool:
    """Whether the plan screen takes an unpartitioned table's one partition, ``(None, None)``.

    Until ``compact_commands`` does (it writes ``--date`` for every partition), opening the
    plan of a whole table would end the app with an error; ask rather than assume.
    """
    from pointline_tui.screens.compact import CompactRequest, compact_commands

    try:
        compact_commands(CompactRequest("t", ((None, None),), 1))  # type: ignore[arg-type]
    except AttributeError:
        return False
    return True


def build_app(
    silver_root: Path, *, read_only: bool = False, cache: StatsCache | None = None
) -> PointlineApp:
    """The app over the lake at ``silver_root``: the one factory the CLI and tests use."""
    from pointline_tui.storage.delta import DeltaEventStore

    events = DeltaEventStore(silver_root, read_only=read_only)
    context = LakeContext(
        reader=LakeReader(silver_root, cache=cache),
        optimizer=events,
        vacuum=events,
        orphans=events,
        read_only=read_only,
    )
    return PointlineApp(context)


__all__ = ["PointlineApp", "build_app", "__version__"]
