"""What screens get from the app: the lake's services, and the navigation the app owns.

Screens ask ``lake_context(self)`` for the reader, the stores and the read-only flag, and
``navigator(self)`` to open another screen, so that no screen casts ``self.app`` to the app
class or imports another screen module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pointline_tui.error_log import ErrorLog

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from textual.app import App

    from pointline_tui.lake.plan import PartitionKey
    from pointline_tui.lake.reader import LakeReader
    from pointline_tui.maintenance import LockingOptimizer, PartitionVacuum
    from pointline_tui.screens.orphans import OrphanRemoval
    from pointline_tui.screens.restore import TableRestorer
    from pointline_tui.storage.log_models import LogMaintenance


@dataclass(frozen=True, slots=True, kw_only=True)
class LakeContext:
    """The lake the app was opened on, and the stores that change it."""

    silver_root: Path
    open_reader: Callable[[], LakeReader]
    """Makes the reader, on first use: it loads polars, which the first paint does without."""
    optimizer: LockingOptimizer
    vacuum: PartitionVacuum
    orphans: OrphanRemoval
    restorer: TableRestorer
    """Plans and runs restores of a table to an earlier version."""
    log_maintenance: LogMaintenance
    """Checkpoints and clean-ups of tables' Delta logs."""
    read_only: bool = False
    """Offer the plans and dry runs, but refuse (and the stores refuse) every write."""
    cache_folder: Path | None = None
    """The statistics cache the reader keeps (``None``: none); the first screen reads it too."""
    errors: ErrorLog = field(default_factory=ErrorLog)
    """What failed in this run, in full: toasts show the short text, ``E`` the details."""
    _readers: list[LakeReader] = field(default_factory=list, init=False, repr=False)
    _readers_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def reader(self) -> LakeReader:
        """The lake's reader, made on the first call (from any thread)."""
        with self._readers_lock:
            if not self._readers:
                self._readers.append(self.open_reader())
            return self._readers[0]


@runtime_checkable
class LakeNavigator(Protocol):
    """The screens the app opens on request (``PointlineApp`` implements it)."""

    def show_lake(self) -> None:
        """Back to the lake screen."""

    def show_table(self, table: str) -> None:
        """Back to the lake screen with ``table`` selected."""

    def show_partition(self, table: str, exchange: str, trading_date: date) -> None:
        """Back to the lake screen with that partition of ``table`` selected."""

    def show_heat_map(self, table: str) -> None:
        """Open ``table``'s small files per exchange and trading date."""

    def show_rows(self, table: str, partition: PartitionKey) -> None:
        """Open the rows of ``partition``; ``(None, None)``: an unpartitioned table's."""

    def show_history(self, table: str) -> None:
        """Open ``table``'s Delta history."""

    def show_manifest(self, *, file_id: int | None = None) -> None:
        """Open the manifest (at ``file_id``'s entry)."""

    def show_quarantine(self, *, file_id: int | None = None) -> None:
        """Open the quarantine (of ``file_id``'s rows)."""

    def show_reconcile(self) -> None:
        """Open the reconciliation of the manifest with the rows in the lake."""

    def show_hot_partitions(self) -> None:
        """Open the hot partitions of every event table, worst first."""

    def show_help(self) -> None:
        """Open the keys of every screen."""

    def show_health(self) -> None:
        """Open the lake's health: upkeep figures and findings of every table."""

    def create_checkpoint(self, table: str) -> None:
        """Open the plan of a checkpoint of ``table``."""

    def clean_log(self, table: str) -> None:
        """Open the plan of the clean-up of ``table``'s expired log files."""

    def show_commit_changes(self, table: str, version: int) -> None:
        """Open what commit ``version`` of ``table`` changed, per partition."""

    def show_version_diff(self, table: str, from_version: int, to_version: int) -> None:
        """Open the comparison of two versions of ``table``, per partition."""

    def show_as_of(self, table: str, version: int) -> None:
        """Open ``table`` as it was at ``version`` (read-only)."""

    def restore_version(self, table: str, version: int) -> None:
        """Open the plan of restoring ``table`` to ``version``."""

    def show_dim_history(self) -> None:
        """Open the symbols ``dim_symbol`` added, closed and changed, version by version."""

    def show_errors(self) -> None:
        """Open the details of what failed in this run."""

    def plan_compaction(
        self,
        table: str,
        partitions: Sequence[PartitionKey],
        *,
        then: Callable[[bool], None] | None = None,
    ) -> None:
        """Open the compaction plan of ``partitions``; ``(None, None)``: the whole table.

        ``then`` is called once the plan is cancelled (``False``) or its run is closed
        (``True`` if the run changed the lake).
        """

    def compact_hot(self, table: str) -> None:
        """Plan compacting ``table``'s hot partitions."""

    def vacuum_dry_run(self, table: str, partitions: Sequence[PartitionKey] | None = None) -> None:
        """Open the vacuum dry run of ``table`` (only inside ``partitions``, if given)."""

    def remove_orphans(self, table: str) -> None:
        """Open the list of ``table``'s orphaned files."""


class _Attached(Protocol):
    """A widget, screen or command provider: anything that knows its app."""

    @property
    def app(self) -> App[Any]: ...


def lake_context(node: _Attached) -> LakeContext:
    """The lake services of ``node``'s app.

    Raises:
        TypeError: the app holds no ``LakeContext`` (it is not a ``PointlineApp``).
    """
    context = getattr(node.app, "context", None)
    if not isinstance(context, LakeContext):
        raise TypeError(f"{type(node.app).__name__} holds no LakeContext")
    return context


def navigator(node: _Attached) -> LakeNavigator:
    """``node``'s app, as what opens the other screens.

    Raises:
        TypeError: the app does not implement ``LakeNavigator``.
    """
    app = node.app
    if not isinstance(app, LakeNavigator):
        raise TypeError(f"{type(app).__name__} does not open the lake's screens")
    return app
