"""The app's navigation: which screen opens on which request (``context.LakeNavigator``).

Screens never import each other: they ask the app (``navigator(self)``). The manifest,
quarantine, history and help views replace one another; plans, dry runs and runs stay under
a view opened over them; after maintenance that changed the lake, the lake screen reloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:
    from pointline_tui.lake.plan import PartitionKey
    from pointline_tui.screens.lake import LakeScreen


class Navigation(App[None]):
    """``LakeNavigator`` over the screen stack: [default screen, lake screen, ...]."""

    lake: LakeScreen
    """The lake screen, at the bottom of the stack."""

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
