"""The app's navigation: which screen opens on which request (``context.LakeNavigator``).

Screens never import each other: they ask the app (``navigator(self)``). The manifest,
quarantine, history and help views replace one another; plans, dry runs and runs stay under
a view opened over them; after maintenance that changed the lake, the lake screen reloads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:
    from datetime import date

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
        from pointline_tui.screens.health import HealthScreen
        from pointline_tui.screens.help import HelpScreen
        from pointline_tui.screens.history import HistoryScreen
        from pointline_tui.screens.hot import HotScreen
        from pointline_tui.screens.manifest import ManifestScreen
        from pointline_tui.screens.quarantine import QuarantineScreen
        from pointline_tui.screens.reconcile import ReconcileScreen

        views = (
            HealthScreen,
            HelpScreen,
            HistoryScreen,
            HotScreen,
            ManifestScreen,
            QuarantineScreen,
            ReconcileScreen,
        )
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

    def show_partition(self, table: str, exchange: str, trading_date: date) -> None:
        self.show_lake()
        self.lake.select_partition(table, exchange, trading_date)

    def show_heat_map(self, table: str) -> None:
        from pointline_tui.screens.heatmap import HeatMapScreen

        self.push_screen(HeatMapScreen(table))

    def show_rows(self, table: str, partition: PartitionKey) -> None:
        from pointline_tui.screens.rows import RowsScreen

        self.push_screen(RowsScreen(table, *partition))

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

    def show_hot_partitions(self) -> None:
        from pointline_tui.screens.hot import HotScreen

        if not isinstance(self.screen, HotScreen):
            self._open_view(HotScreen())

    action_show_hot_partitions = show_hot_partitions

    def show_help(self) -> None:
        from pointline_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def show_health(self) -> None:
        from pointline_tui.screens.health import HealthScreen

        if not isinstance(self.screen, HealthScreen):
            self._open_view(HealthScreen())

    action_show_health = show_health

    # -- time travel: over the history view, Escape comes back to it ---------------------------

    def show_commit_changes(self, table: str, version: int) -> None:
        from pointline_tui.screens.commit_changes import CommitChangesScreen

        self.push_screen(CommitChangesScreen(table, version))

    def show_version_diff(self, table: str, from_version: int, to_version: int) -> None:
        from pointline_tui.screens.version_diff import VersionDiffScreen

        self.push_screen(VersionDiffScreen(table, from_version, to_version))

    def show_as_of(self, table: str, version: int) -> None:
        from pointline_tui.screens.as_of import AsOfScreen

        self.push_screen(AsOfScreen(table, version))

    def show_dim_history(self) -> None:
        from pointline_tui.screens.dim_history import DimHistoryScreen

        if not isinstance(self.screen, DimHistoryScreen):
            self.push_screen(DimHistoryScreen())

    def restore_version(self, table: str, version: int) -> None:
        from pointline_tui.screens.history import HistoryScreen
        from pointline_tui.screens.restore import RestoreScreen

        def closed(changed: bool | None) -> None:  # noqa: FBT001 - a callback
            self._after_maintenance(changed)
            if changed and isinstance(self.screen, HistoryScreen):
                self.screen.action_refresh()  # the restore is its newest commit

        self.push_screen(RestoreScreen(table, version), closed)

    def show_errors(self) -> None:
        from pointline_tui.screens.error_details import ErrorDetailsScreen

        if not isinstance(self.screen, ErrorDetailsScreen):
            self.push_screen(ErrorDetailsScreen())

    action_show_errors = show_errors

    def action_show_manifest(self) -> None:
        self.show_manifest()

    def action_show_quarantine(self) -> None:
        self.show_quarantine()

    def show_reconcile(self) -> None:
        from pointline_tui.screens.reconcile import ReconcileScreen

        if not isinstance(self.screen, ReconcileScreen):
            self._open_view(ReconcileScreen())

    action_show_reconcile = show_reconcile

    action_show_help = show_help

    # -- maintenance: a plan or dry run first; the lake reloads after a change ------------------

    def plan_compaction(
        self,
        table: str,
        partitions: Sequence[PartitionKey],
        *,
        then: Callable[[bool], None] | None = None,
    ) -> None:
        from pointline_tui.screens.compact import CompactPlanScreen
        from pointline_tui.screens.compact_progress import CompactProgressScreen

        def ran(changed: bool | None) -> None:  # noqa: FBT001 - a callback
            self._after_maintenance(changed)
            if then is not None:
                then(bool(changed))

        def confirmed(request: Any) -> None:
            if request is not None:
                self.push_screen(CompactProgressScreen(request), ran)
            elif then is not None:
                then(False)  # the plan was cancelled: nothing changed

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

    def create_checkpoint(self, table: str) -> None:
        from pointline_tui.screens.log_maintenance import LogMaintenanceScreen

        self.push_screen(LogMaintenanceScreen(table, "checkpoint"), self._after_maintenance)

    def clean_log(self, table: str) -> None:
        from pointline_tui.screens.log_maintenance import LogMaintenanceScreen

        self.push_screen(LogMaintenanceScreen(table, "clean-log"), self._after_maintenance)

    def _after_maintenance(self, changed: bool | None) -> None:  # noqa: FBT001 - a callback
        self.lake.after_maintenance(changed=bool(changed))
